/**
 * Internal: the RPC state of one channel. It serves requests through the
 * local service's router, sends calls for proxies, and is the proxy
 * serializer of the channel's codec.
 *
 * @module
 */

import type { Channel, Request } from "../channel/channel.ts";
import { CodecError } from "../codecs/codec.ts";
import { describeValue } from "../internal/inspect.ts";
import type { RpcClient } from "./client.ts";
import { type CallContext, enterContext, runWithAsyncContext } from "./_context.ts";
import { makeProxy, proxyAt, type RemoteTarget } from "./_proxy.ts";
import type { CallOptions } from "./remote.ts";
import { ForwardTable, isThenable, type Kwargs, named, pathBelow } from "./_forward.ts";
import { getRouter, MAX_PATH_LENGTH, type Router } from "./router.ts";

/** The kwargs sent with calls that have none; the encoders only read it. */
const NO_KWARGS: Readonly<Record<string, unknown>> = Object.freeze({});

const connections = new WeakMap<Channel, Connection>();

/** The RPC state of `channel`, made on first use. */
export function connectionOf(channel: Channel): Connection {
  let connection = connections.get(channel);
  if (connection === undefined) {
    connection = new Connection(channel);
    connections.set(channel, connection);
  }
  return connection;
}

/** The state shared by an {@linkcode RpcClient} and the proxies of its connection. */
export class Connection implements RemoteTarget {
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
    return `RemoteProxy(${JSON.stringify(path)} at ${this.peerAddress})`;
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
    if (!Array.isArray(content) || content.length !== 3) {
      request.fail(
        new TypeError(`A request must be [path, args, kwargs], got ${describeValue(content)}`),
      );
      return;
    }
    const path = content[0];
    const args = content[1];
    const kwargs = content[2];
    if (!Array.isArray(args)) {
      request.fail(
        new TypeError(`The args of a request must be an array, got ${describeValue(args)}`),
      );
      return;
    }
    if (kwargs !== null && kwargs !== undefined && typeof kwargs !== "object") {
      request.fail(
        new TypeError(`The kwargs of a request must be a map, got ${describeValue(kwargs)}`),
      );
      return;
    }
    let result: unknown;
    const previous = enterContext(this.context);
    try {
      result = this.asyncContext
        ? runWithAsyncContext(this.context!, () => this.#invoke(path, args, kwargs as Kwargs))
        : this.#invoke(path, args, kwargs as Kwargs);
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

  #invoke(path: unknown, args: unknown[], kwargs: Kwargs | null | undefined): unknown {
    if (ForwardTable.isForwarded(path)) return this.#forwarded.invoke(path, args, kwargs);
    return this.router!.invoke(path as string, args, kwargs ?? undefined);
  }
}
