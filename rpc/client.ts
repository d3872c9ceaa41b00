/**
 * `RpcClient`: one side of an RPC connection.
 *
 * @module
 */

import { type Channel, type CloseOptions, reportError } from "../channel/channel.ts";
import { DenomasError } from "../errors.ts";
import type { PeerInfo } from "../channel/transport.ts";
import { type Connection, connectionOf } from "./_connection.ts";
import { proxySerializer } from "./proxy_serializer.ts";
import type { CallOptions, Remote } from "./remote.ts";
import { Router } from "./router.ts";
import { serviceRouter } from "./_service.ts";

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
    if (!Array.isArray(args)) {
      return Promise.reject(
        new TypeError(`The args of a call must be an array, got ${typeof args}`),
      );
    }
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
