/**
 * Accepting channels.
 *
 * @module
 */

import { type Address, formatEndpoint, parseAddress } from "./address.ts";
import { DenomasError, type ErrorHandler, logError, report } from "../errors.ts";
import { Channel, type CloseOptions } from "./channel.ts";
import { selectTransport, type ServerOptions } from "./options.ts";
import type { Conn, Endpoint, Listener } from "./transport.ts";

/**
 * Called with each accepted channel. If it throws or its promise rejects,
 * the channel is closed.
 */
export type ChannelHandler = (channel: Channel) => unknown;

/**
 * A listening server, from {@linkcode startServer}.
 */
export interface ChannelServer extends AsyncDisposable {
  /** The bound endpoint, with the real port when port 0 was asked for. */
  readonly endpoint: Endpoint;
  /** The bound address as text (`"127.0.0.1:40312"`, a socket path), ready for `openConnection`. */
  readonly address: string;
  /** The open channels of accepted connections. */
  readonly channels: ReadonlySet<Channel>;
  /**
   * Stops listening (removing a Unix socket file) and closes every open
   * channel. With a grace period (`options.timeout`, milliseconds), the
   * requests being answered may finish first while new ones are refused;
   * those still unanswered then get a `ShutdownError` reply (see
   * {@linkcode Channel.close}). Idempotent.
   *
   * @param options The grace period for the requests being answered.
   * @returns Resolves when the listener and every channel are closed.
   *
   * @example A grace period lets a slow call finish
   * ```ts
   * import { strictEqual as assertEquals } from "node:assert/strict";
   * import { openConnection, startServer } from "@denomas/denomas/channel";
   *
   * const received = Promise.withResolvers<void>();
   * await using server = await startServer(["127.0.0.1", 0], (channel) => {
   *   channel.serve((request) => {
   *     received.resolve();
   *     setTimeout(() => request.reply("done"), 20);
   *   });
   * });
   * await using channel = await openConnection(server.address);
   * const reply = channel.send("slow");
   * await received.promise;
   * await server.close({ timeout: 5_000 });
   * assertEquals(await reply, "done");
   * ```
   */
  close(options?: CloseOptions): Promise<void>;
}

/**
 * Listens at `address` and calls `onChannel` with a {@linkcode Channel} for
 * every connection. A TCP port of 0 binds a free port; the server reports
 * the real one in `endpoint` and `address`.
 *
 * @param address Where to listen, see {@linkcode Address}.
 * @param onChannel Called with each new channel; requests that arrive
 * before it reads them are queued.
 * @param options Codec, serializers, limits, TLS or another transport.
 * @returns The server, once it listens.
 * @throws {AddressError} for a malformed address.
 * @throws {Deno.errors.AddrInUse} when the address is taken.
 *
 * @example Binding to a free port
 * ```ts
 * import { ok as assert, strictEqual as assertEquals } from "node:assert/strict";
 * import { openConnection, startServer } from "@denomas/denomas/channel";
 *
 * await using server = await startServer(["127.0.0.1", 0], (channel) => {
 *   channel.serve((request) => request.reply(request.content));
 * });
 * assert(server.endpoint.transport === "tcp" && server.endpoint.port !== 0);
 * await using channel = await openConnection(["127.0.0.1", server.endpoint.port]);
 * assertEquals(await channel.send("ping"), "ping");
 * ```
 */
export async function startServer(
  address: Address,
  onChannel: ChannelHandler,
  options: ServerOptions = {},
): Promise<ChannelServer> {
  const endpoint = parseAddress(address);
  const listener = await selectTransport(endpoint, options).listen(endpoint, {
    onError: options.onError,
  });
  return new Server(listener, onChannel, options);
}

class Server implements ChannelServer {
  readonly endpoint: Endpoint;
  readonly address: string;
  readonly channels: Set<Channel> = new Set();
  readonly #listener: Listener;
  readonly #onChannel: ChannelHandler;
  readonly #options: ServerOptions;
  readonly #onError: ErrorHandler;
  readonly #accepting: Promise<void>;
  #closing: Promise<void> | undefined;

  constructor(listener: Listener, onChannel: ChannelHandler, options: ServerOptions) {
    this.#listener = listener;
    this.endpoint = listener.endpoint;
    this.address = formatEndpoint(listener.endpoint);
    this.#onChannel = onChannel;
    this.#options = options;
    this.#onError = options.onError ?? logError;
    this.#accepting = this.#accept();
  }

  async #accept(): Promise<void> {
    while (this.#closing === undefined) {
      let conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closing !== undefined) return;
        if (isPerConnectionError(error)) continue;
        this.#report(`The server at ${this.address} stopped accepting connections`, error);
        return;
      }
      this.#open(conn);
    }
  }

  #open(conn: Conn): void {
    let channel: Channel;
    try {
      channel = new Channel(conn, this.#options);
    } catch (error) {
      conn.close();
      this.#report(
        `The server at ${this.address} cannot start a channel to ${conn.peer.address}`,
        error,
      );
      return;
    }
    const channels = this.channels;
    channels.add(channel);
    channel.closed.then(() => channels.delete(channel));
    let result: unknown;
    try {
      result = this.#onChannel(channel);
    } catch (error) {
      this.#onHandlerError(channel, error);
      return;
    }
    if (result instanceof Promise) result.catch((error) => this.#onHandlerError(channel, error));
  }

  close(options?: CloseOptions): Promise<void> {
    this.#closing ??= this.#close(options);
    return this.#closing;
  }

  async #close(options: CloseOptions | undefined): Promise<void> {
    this.#listener.close();
    await this.#accepting;
    await Promise.all([...this.channels].map((channel) => channel.close(options)));
  }

  #onHandlerError(channel: Channel, error: unknown): void {
    if (!channel.isClosed) {
      this.#report(`The channel handler for ${channel.peer.address} failed`, error);
    }
    void channel.close();
  }

  /** Reports `error` as `what` to the `onError` hook; a hook that throws is logged. */
  #report(what: string, error: unknown): void {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    report(this.#onError, new DenomasError(`${what}: ${text}`, { cause: error }));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * A peer that gave up before its connection was accepted costs only that
 * connection. (TLS listeners report refused handshakes themselves and never
 * hand those connections out.)
 */
function isPerConnectionError(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.InvalidData;
}
