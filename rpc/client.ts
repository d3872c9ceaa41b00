/**
 * `RpcClient`: one side of an RPC connection, and the RPC state of the
 * channel under it: it serves the peer's requests through the local
 * service's router (with the {@linkcode callContext} of each call), sends the
 * calls of proxies, and is the {@linkcode proxySerializer} of the channel's
 * codec.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { type Channel, type CloseOptions, reportError, type Request } from "../channel/channel.ts";
import type { PeerInfo } from "../channel/transport.ts";
import { CodecError } from "../codecs/codec.ts";
import type { FallbackSerializer } from "../codecs/serializers.ts";
import { DenomasError } from "../errors.ts";
import { dispatchRequest, ForwardTable, isThenable, named, pathBelow } from "./_forward.ts";
import {
  describeRemote,
  makeProxy,
  proxyAt,
  proxyState,
  rejectArgs,
  type RemoteTarget,
} from "./_proxy.ts";
import { serviceRouter } from "./_service.ts";
import type { CallOptions, Remote } from "./remote.ts";
import { getRouter, MAX_PATH_LENGTH, Router } from "./router.ts";

/** Options of the {@linkcode RpcClient} constructor. */
export interface RpcClientOptions {
  /**
   * The service this side offers to the peer (bi-directional RPC): an object
   * with a router (a class using `@expose`, a `serviceDict`, or any object
   * given a `Router`), or a plain object (made a dictionary service: only its
   * functions marked with `expose(fn)` are methods).
   * Without it, the peer's calls get a `LookupError`.
   */
  readonly service?: object;
  /**
   * Keeps {@linkcode callContext} available across `await`s in exposed
   * methods (with `AsyncLocalStorage`), at a cost per call. Without it, the
   * context is available in the synchronous part of a method.
   *
   * @default {false}
   */
  readonly asyncContext?: boolean;
}

/**
 * One side of an RPC connection: {@linkcode RpcClient.remote} calls the
 * peer's service, and the peer may call this side's service.
 *
 * Made by `openConnection` and `startServer` (its `onClient` callback), or
 * from a `Channel` whose codec has the proxy serializer (see
 * {@linkcode proxySerializer}; the constructor installs it when the channel
 * has no fallback serializer yet).
 *
 * @example A client from a channel
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import * as channel from "@denomas/denomas/channel";
 * import { expose, proxySerializer, RpcClient } from "@denomas/denomas/rpc";
 *
 * class Calculator {
 *   @expose
 *   add(a: number, b: number): number {
 *     return a + b;
 *   }
 * }
 * const options = { fallbackSerializer: proxySerializer };
 * await using server = await channel.startServer(["127.0.0.1", 0], (ch) => {
 *   new RpcClient(ch, { service: new Calculator() });
 * }, options);
 * await using client = new RpcClient<Calculator>(await channel.openConnection(server.address, options));
 * assertEquals(await client.remote.add(1, 2), 3);
 * ```
 */
export class RpcClient<T = unknown> implements AsyncDisposable {
  /** The channel under this connection. */
  readonly channel: Channel;
  /** The peer's root service. */
  readonly remote: Remote<T>;
  /** The service this side offers, if any. */
  readonly service: object | undefined;
  readonly #connection: Connection;
  #resetCallbacks: ((error: Error) => void)[] | undefined;

  /**
   * Serves `options.service` (if any) on `channel` and makes proxies for
   * the peer's service.
   *
   * @throws {TypeError} when `channel` has an RPC client already, when
   * `service` has no router, or when the channel's codec has another fallback
   * serializer.
   */
  constructor(channel: Channel, options: RpcClientOptions = {}) {
    const connection = connectionOf(channel);
    if (connection.client !== undefined) {
      throw new TypeError("This channel has an RpcClient already");
    }
    const router = options.service === undefined ? new Router({}) : serviceRouter(options.service);
    if (!connection.serializerInstalled) {
      channel.codec.serializers.setFallback(proxySerializer(channel));
    }
    this.channel = channel;
    this.service = options.service;
    this.#connection = connection;
    this.remote = connection.root as Remote<T>;
    connection.serve(this, router, options.asyncContext ?? false);
    channel.closed.then((reason) => {
      if (reason === undefined) return;
      const callbacks = this.#resetCallbacks;
      this.#resetCallbacks = undefined;
      for (const callback of callbacks ?? []) notify(channel, callback, reason);
    });
  }

  /** Who is at the other end. */
  get peer(): PeerInfo {
    return this.channel.peer;
  }

  /**
   * Settles when the connection is closed: with `undefined` after
   * {@linkcode RpcClient.close}, else with the reason. Never rejects.
   */
  get closed(): Promise<Error | undefined> {
    return this.channel.closed;
  }

  /**
   * Calls a method of the peer by path, with optional keyword arguments and
   * per-call options. This also reaches remote methods whose names a proxy
   * answers itself (`then`, `toString`, `toJSON`, `valueOf`,
   * `toLocaleString`, `constructor`).
   *
   * @param path The method's path, e.g. `"sub/mul"`.
   * @param args Positional arguments.
   * @param kwargs Keyword arguments (bound by parameter name on the peer).
   * @param options A timeout or an abort signal.
   * @returns The reply.
   * @throws {RemoteException} when the peer answers with an error.
   * @throws {ConnectionResetError} when the connection is lost.
   */
  call(
    path: string,
    args: readonly unknown[] = [],
    kwargs?: Readonly<Record<string, unknown>>,
    options?: CallOptions,
  ): Promise<unknown> {
    if (!Array.isArray(args)) return rejectArgs(args);
    return this.#connection.call(path, args.slice(), kwargs, options);
  }

  /**
   * Registers `callback` for when the connection is lost (closed by the peer,
   * reset, or broken by a protocol error), not when this side closes it. It
   * gets the reason, e.g. a `ConnectionResetError`.
   */
  onConnectionReset(callback: (error: Error) => void): void {
    if (this.#resetCallbacks === undefined && this.channel.isClosed) {
      this.channel.closed.then((reason) => {
        if (reason !== undefined) notify(this.channel, callback, reason);
      });
      return;
    }
    (this.#resetCallbacks ??= []).push(callback);
  }

  /**
   * Closes the connection. Pending calls to the peer fail with a
   * `ConnectionResetError`; calls from the peer still being answered get a
   * `ShutdownError`, after a grace period when `options.timeout` is given
   * (see `Channel.close`). Idempotent.
   *
   * @param options The grace period for the peer's calls being answered.
   * @returns Resolves once the connection is closed.
   */
  close(options?: CloseOptions): Promise<void> {
    return this.channel.close(options);
  }

  /** Closes the connection, see {@linkcode RpcClient.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Calls an `onConnectionReset` callback; an error it throws goes to the channel's `onError`. */
function notify(channel: Channel, callback: (error: Error) => void, reason: Error): void {
  try {
    callback(reason);
  } catch (error) {
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    reportError(
      channel,
      new DenomasError(
        `An onConnectionReset callback for ${channel.peer.address} failed: ${what}`,
        {
          cause: error,
        },
      ),
    );
  }
}

/** What a method can learn about the call it is serving. */
export interface CallContext {
  /** The connection the request came in on; `client.remote` calls the caller back. */
  readonly client: RpcClient;
  /** The channel under it. */
  readonly channel: Channel;
  /** The caller's address, and its verified certificate on TLS connections. */
  readonly peer: PeerInfo;
}

let current: CallContext | undefined;
let storage: AsyncLocalStorage<CallContext> | undefined;

/** Makes `context` the synchronous call context; returns the previous one. */
function enterContext(context: CallContext | undefined): CallContext | undefined {
  const previous = current;
  current = context;
  return previous;
}

/** Runs `fn` with `context` kept across `await`s (the `asyncContext` option). */
function runWithAsyncContext<R>(context: CallContext, fn: () => R): R {
  return (storage ??= new AsyncLocalStorage()).run(context, fn);
}

/**
 * The context of the remote call being served, so that a method can learn
 * who called it without a parameter for it.
 *
 * It is available during the **synchronous part** of an exposed method (read
 * it before the first `await`). With the `asyncContext` option of
 * `startServer`, `openConnection` or `RpcClient`, it stays available across
 * `await`s too, at a cost per call.
 *
 * @returns The context, or `undefined` outside of a remote call.
 *
 * @example Greeting the caller by address
 * ```ts
 * import { ok as assert } from "node:assert/strict";
 * import { callContext, expose, openConnection, startServer } from "@denomas/denomas/rpc";
 *
 * class Greeter {
 *   @expose
 *   hello(): string {
 *     return `hello ${callContext()!.peer.address}`;
 *   }
 * }
 *
 * await using server = await startServer(["127.0.0.1", 0], new Greeter());
 * await using client = await openConnection<Greeter>(server.address);
 * assert((await client.remote.hello()).startsWith("hello 127.0.0.1:"));
 * ```
 */
export function callContext(): CallContext | undefined {
  return current ?? storage?.getStore();
}

/**
 * The proxy serializer, for the `fallbackSerializer` option of channels:
 * objects with a router and proxies are written as proxy tags, and proxy
 * tags are read as proxies bound to `channel`. Its type id comes after the
 * extra serializers: `0` on a plain RPC connection, `1` in a container
 * (after the date serializer).
 *
 * `openConnection` and `startServer` install it; pass it yourself when you
 * open a channel for an {@linkcode RpcClient}.
 *
 * @param channel The channel whose codec gets the serializer.
 * @returns The serializer.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import * as channel from "@denomas/denomas/channel";
 * import { expose, proxySerializer, RpcClient, serviceDict } from "@denomas/denomas/rpc";
 *
 * const service = serviceDict({ twice: expose((x: number) => 2 * x) });
 * const options = { fallbackSerializer: proxySerializer };
 * await using server = await channel.startServer(["127.0.0.1", 0], (ch) => {
 *   new RpcClient(ch, { service });
 * }, options);
 * const ch = await channel.openConnection(server.address, options);
 * await using client = new RpcClient<typeof service>(ch);
 * assertEquals(await client.remote.twice(21), 42);
 * ```
 */
export function proxySerializer(channel: Channel): FallbackSerializer {
  const connection = connectionOf(channel);
  connection.serializerInstalled = true;
  return {
    test: (value) => proxyState(value) !== undefined || getRouter(value) !== undefined,
    serialize: (value) => connection.pathOf(value),
    deserialize: (data) => connection.proxyFor(data),
  };
}

/** The kwargs sent with calls that have none; the encoders only read it. */
const NO_KWARGS: Readonly<Record<string, unknown>> = Object.freeze({});

const connections = new WeakMap<Channel, Connection>();

/** The RPC state of `channel`, made on first use. */
function connectionOf(channel: Channel): Connection {
  let connection = connections.get(channel);
  if (connection === undefined) {
    connection = new Connection(channel);
    connections.set(channel, connection);
  }
  return connection;
}

/** The state shared by an {@linkcode RpcClient} and the proxies of its connection. */
class Connection implements RemoteTarget {
  readonly channel: Channel;
  readonly peerAddress: string;
  readonly root: object;
  serializerInstalled = false;
  client: RpcClient | undefined;
  router: Router | undefined;
  context: CallContext | undefined;
  asyncContext = false;
  readonly #forwarded = new ForwardTable();
  readonly #handler = (request: Request): void => this.#handle(request);

  constructor(channel: Channel) {
    this.channel = channel;
    this.peerAddress = channel.peer.address;
    this.root = makeProxy(this, "");
  }

  /** Starts serving requests with `router` (an empty one when there is no service). */
  serve(client: RpcClient, router: Router, asyncContext: boolean): void {
    this.client = client;
    this.router = router;
    this.asyncContext = asyncContext;
    this.context = { client, channel: this.channel, peer: this.channel.peer };
    this.channel.serve(this.#handler);
  }

  call(
    path: string,
    args: unknown[],
    kwargs: Readonly<Record<string, unknown>> | undefined,
    options: CallOptions | undefined,
  ): Promise<unknown> {
    return this.channel.send([path, args, kwargs ?? NO_KWARGS], options);
  }

  describe(path: string): string {
    return describeRemote(path, this.peerAddress);
  }

  /** The path a passed object is sent as. */
  pathOf(value: object): string {
    const router = getRouter(value);
    const path = router !== undefined && this.router !== undefined
      ? pathBelow(router, this.router)
      : undefined;
    return path ?? this.#forwarded.pathOf(value);
  }

  /** The proxy a received tag stands for. */
  proxyFor(data: unknown): object {
    if (typeof data !== "string") {
      throw new CodecError(`A proxy tag holds a path string, got ${typeof data}`);
    }
    if (data.length > MAX_PATH_LENGTH) {
      throw new CodecError(`A proxy path of ${data.length} characters is too long`);
    }
    return proxyAt(this.root, data);
  }

  #handle(request: Request): void {
    const content = request.content;
    let result: unknown;
    const previous = enterContext(this.context);
    try {
      result = this.asyncContext
        ? runWithAsyncContext(this.context!, () => this.#dispatch(content))
        : this.#dispatch(content);
    } catch (error) {
      request.fail(named(error));
      return;
    } finally {
      enterContext(previous);
    }
    if (result instanceof Promise) {
      result.then((value) => request.reply(value), (error) => request.fail(named(error)));
    } else if (isThenable(result)) {
      Promise.resolve(result).then(
        (value) => request.reply(value),
        (error) => request.fail(named(error)),
      );
    } else {
      request.reply(result);
    }
  }

  #dispatch(content: unknown): unknown {
    return dispatchRequest(content, this.router!, this.#forwarded);
  }
}
