/**
 * The options shared by `openConnection`, `startServer` and the
 * {@linkcode Channel} constructor, and the transport they select.
 *
 * @module
 */

import type { CodecClass } from "../codecs/codec.ts";
import type { ErrorHandler } from "../errors.ts";
import type { FallbackSerializer, Serializer } from "../codecs/serializers.ts";
import type { Channel } from "./channel.ts";
import { tcpTransport } from "./tcp.ts";
import { type TlsOptions, tlsTransport } from "./tls/mod.ts";
import type { Endpoint, Transport } from "./transport.ts";

/** The default for {@linkcode ChannelOptions.highWaterMark}: 1 MiB. */
export const HIGH_WATER_MARK = 1024 * 1024;

/**
 * Reading from a peer pauses while more than this many times
 * {@linkcode ChannelOptions.highWaterMark} bytes wait to be written to it, so
 * a peer that sends requests but does not read the replies cannot grow this
 * side's memory without bound.
 */
export const READ_PAUSE_FACTOR = 4;

/** How a channel encodes messages and guards its connection. */
export interface ChannelOptions {
  /**
   * The codec class; each channel makes its own instance. Both peers must
   * use the same codec.
   *
   * @default {Json}
   *
   * @example MsgPack on both ends
   * ```ts
   * import { deepStrictEqual as assertEquals } from "node:assert/strict";
   * import { openConnection, startServer } from "@denomas/denomas/channel";
   * import { MsgPack } from "@denomas/denomas/codecs";
   *
   * await using server = await startServer(["127.0.0.1", 0], (channel) => {
   *   channel.serve((request) => request.reply(request.content));
   * }, { codec: MsgPack });
   * await using channel = await openConnection(server.address, { codec: MsgPack });
   * const content = ["bytes travel as bin", new Uint8Array([0, 1, 255])];
   * assertEquals(await channel.send(content), content);
   * ```
   */
  readonly codec?: CodecClass;
  /**
   * Extra serializers, given type ids 0, 1, … in this order. Both peers
   * must register the same ones in the same order.
   *
   * @example An extra serializer, both ways
   * ```ts
   * import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
   * import { openConnection, type Serializer, startServer } from "@denomas/denomas/channel";
   *
   * class Point {
   *   constructor(readonly x: number, readonly y: number) {}
   * }
   * const point: Serializer<Point> = {
   *   type: Point,
   *   serialize: (p) => [p.x, p.y],
   *   deserialize: (data) => new Point(...(data as [number, number])),
   * };
   * await using server = await startServer(["127.0.0.1", 0], (channel) => {
   *   channel.serve((request) => {
   *     assert(request.content instanceof Point);
   *     request.reply(new Point(request.content.x * 2, request.content.y * 2));
   *   });
   * }, { extraSerializers: [point] });
   * await using channel = await openConnection(server.address, { extraSerializers: [point] });
   * assertEquals(await channel.send(new Point(1, 2)), new Point(2, 4));
   * ```
   */
  readonly extraSerializers?: readonly Serializer[];
  /**
   * The catch-all serializer, made per channel and registered after the
   * extras before a byte is read. The RPC layer installs its proxy
   * serializer with it.
   */
  readonly fallbackSerializer?: (channel: Channel) => FallbackSerializer;
  /**
   * The largest payload accepted, in bytes. Incoming frames above it close
   * the connection (checked on the header, before allocating); outgoing
   * messages above it are refused. Up to it, a frame's buffer grows with the
   * bytes that arrive (to at most twice them), so a header alone reserves
   * nothing.
   *
   * @default {MAX_FRAME_SIZE} (64 MiB)
   */
  readonly maxFrameSize?: number;
  /**
   * Bytes queued for writing above which {@linkcode Channel.send} waits
   * before queueing more. Reading pauses above
   * {@linkcode READ_PAUSE_FACTOR} times this.
   *
   * @default {HIGH_WATER_MARK} (1 MiB)
   */
  readonly highWaterMark?: number;
  /**
   * Receives what the channel notices but cannot throw to a caller: a frame
   * from the peer that cannot be decoded (and the connection it closes, with
   * a hint when the peer probably uses another codec), a reply to a call
   * that was given up on ({@linkcode LateReplyError}). A server also reports
   * here the connections it could not accept (e.g. a refused TLS handshake)
   * and the channel handlers that failed.
   *
   * @default {logError} (one line to stderr)
   *
   * @example Collecting late replies
   * ```ts
   * import { ok as assert, rejects } from "node:assert/strict";
   * import { LateReplyError, openConnection, startServer } from "@denomas/denomas/channel";
   *
   * await using server = await startServer(["127.0.0.1", 0], (channel) => {
   *   channel.serve((request) => setTimeout(() => request.reply("late"), 50));
   * });
   * const reported = Promise.withResolvers<Error>();
   * await using channel = await openConnection(server.address, { onError: reported.resolve });
   * await rejects(channel.send("ping", { timeout: 1 }));
   * assert((await reported.promise) instanceof LateReplyError);
   * ```
   */
  readonly onError?: ErrorHandler;
}

/** Options for opening or accepting connections. */
export interface ConnectionOptions extends ChannelOptions {
  /** Mutual TLS; uses the TLS transport when set (and no `transport` is given). */
  readonly tls?: TlsOptions;
  /**
   * The transport. Defaults to TLS when {@linkcode ConnectionOptions.tls} is
   * set, else TCP or Unix sockets by the address.
   */
  readonly transport?: Transport;
}

/** Options of `openConnection`. */
export interface OpenConnectionOptions extends ConnectionOptions {
  /**
   * How long to keep trying to connect, in milliseconds: a refused
   * connection (no server yet) is retried with exponential backoff until
   * then. `0` tries once.
   *
   * @default {0}
   */
  readonly timeout?: number;
  /** Aborts connecting; the promise then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/** Options of `startServer`. */
export type ServerOptions = ConnectionOptions;

/**
 * The transport `options` pick for `endpoint`: `options.transport`, else TLS
 * when `options.tls` is set, else TCP/Unix.
 *
 * @throws {TypeError} for a `local` endpoint without an explicit transport.
 */
export function selectTransport(endpoint: Endpoint, options: ConnectionOptions): Transport {
  if (options.transport !== undefined) return options.transport;
  if (endpoint.transport === "local") {
    throw new TypeError(`A local endpoint ("${endpoint.name}") needs an explicit transport`);
  }
  if (options.tls !== undefined) return tlsTransport(options.tls);
  return tcpTransport;
}
