/**
 * The request/reply channel over one connection.
 *
 * @module
 */

import type { Codec, CodecClass } from "../codecs/codec.ts";
import type { FallbackSerializer, Serializer } from "../codecs/serializers.ts";
import { detachedDecoder, transientEncoder } from "../codecs/_fast_paths.ts";
import { Json } from "../codecs/json.ts";
import { DenomasError, type ErrorHandler, logError, report, ShutdownError } from "../errors.ts";
import { abortable, deadline } from "../internal/async.ts";
import { errorMessage as errorText, preview as describe } from "../internal/inspect.ts";
import type { BufferUsage } from "./_buffers.ts";
import { CallTable } from "./_call_table.ts";
import { Deadlines } from "./_deadlines.ts";
import { type CallOwner, PendingCall } from "./_pending_call.ts";
import { mismatchText } from "./_codec_hint.ts";
import { EXCEPTION, recoverHead, REQUEST, RESULT } from "./_message.ts";
import { WriteQueue } from "./_write_queue.ts";
import {
  ConnectionResetError,
  formatRemoteTraceback,
  LateReplyError,
  ProtocolError,
  RemoteException,
} from "./errors.ts";
import { FrameReader, MAX_FRAME_SIZE } from "./frame.ts";
import type { Conn, PeerInfo } from "./transport.ts";

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

/** How long {@linkcode Channel.close} waits for queued replies to be written: 5 s. */
export const CLOSE_FLUSH_TIMEOUT = 5_000;

/**
 * Options of one call: {@linkcode Channel.send}, and every remote call of
 * the RPC layer.
 */
export interface CallOptions {
  /** Gives up on the call: it rejects at once with `signal.reason` and a late reply is dropped. */
  readonly signal?: AbortSignal;
  /**
   * Gives up on the call after this many milliseconds: it rejects with a
   * `TimeoutError` (from the root module) and a late reply is dropped.
   */
  readonly timeout?: number;
}

/** Options of {@linkcode Channel.close}. */
export interface CloseOptions {
  /**
   * The grace period, in milliseconds: the channel takes no new requests
   * (they get a `ShutdownError` reply) but lets those it is answering
   * finish for up to this long; the ones still unanswered then get a
   * `ShutdownError` reply whose `cause` is the grace period's
   * `TimeoutError`. `0` fails them at once; `Infinity` waits for all.
   * Without it, the connection just closes: the peer's calls being answered
   * fail on its side with a `ConnectionResetError`.
   */
  readonly timeout?: number;
}

/**
 * A request that arrived on a {@linkcode Channel}, from
 * {@linkcode Channel.recv}, async iteration or {@linkcode Channel.serve}.
 * Answer it exactly once, with {@linkcode Request.reply} or
 * {@linkcode Request.fail}.
 *
 * @example Answering requests
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { openConnection, startServer } from "@denomas/denomas/channel";
 *
 * await using server = await startServer(["127.0.0.1", 0], async (channel) => {
 *   for await (const request of channel) {
 *     if (request.content === "ohai") request.reply("cya");
 *     else request.fail(new RangeError(`unexpected ${request.content}`));
 *   }
 * });
 * await using channel = await openConnection(server.address);
 * assertEquals(await channel.send("ohai"), "cya");
 * ```
 */
export interface Request {
  /** The content the peer sent. */
  readonly content: unknown;
  /** The channel the request arrived on. */
  readonly channel: Channel;
  /** Whether the request was answered already. */
  readonly answered: boolean;
  /**
   * Sends `value` as the result. A value the codec cannot encode is sent
   * as an EXCEPTION reply naming the problem instead.
   *
   * @returns `true` if the reply was queued, `false` if the channel is
   *   closed or a graceful close already answered the request with a
   *   `ShutdownError` (its grace period ran out).
   * @throws {Error} when the request was answered already.
   */
  reply(value: unknown): boolean;
  /**
   * Sends `error` as an EXCEPTION reply: its stack and a last line
   * `"<Name>: <message>"` (see `formatRemoteTraceback`). The caller gets a
   * `RemoteException`.
   *
   * @returns `true` if the reply was queued, `false` if the channel is
   *   closed or a graceful close already answered the request.
   * @throws {Error} when the request was answered already.
   */
  fail(error: unknown): boolean;
}

/**
 * Receives the requests of a channel, see {@linkcode Channel.serve}. If it
 * throws, or the promise it returns rejects, before the request is answered,
 * the request fails with that error.
 */
export type RequestHandler = (request: Request) => unknown;

const OPEN = 0;
const CLOSING = 1;
const CLOSED = 2;

/**
 * Internal (not re-exported by `mod.ts`): hands `error` to the `onError`
 * hook of `channel`, for layers above it that notice something nobody can
 * catch on that connection.
 */
export let reportError: (channel: Channel, error: Error) => void;

/**
 * Internal (not re-exported by `mod.ts`): the buffers `channel` holds now,
 * for tests and diagnostics.
 */
export let bufferUsage: (channel: Channel) => BufferUsage;

/** Answers a request; set by the `Channel` class, used by its requests. */
let answer: (channel: Channel, request: IncomingRequest, type: number, content: unknown) => boolean;

class IncomingRequest implements Request {
  readonly content: unknown;
  readonly channel: Channel;
  readonly id: unknown;
  answered = false;
  // Links of the channel's list of unanswered requests, which a graceful
  // close waits for (a list, not a Set: nothing to rehash per request).
  prev: IncomingRequest | undefined = undefined;
  next: IncomingRequest | undefined = undefined;
  /** Failed by a shutdown: a late answer from the handler is dropped, not an error. */
  cut = false;

  constructor(channel: Channel, id: unknown, content: unknown) {
    this.channel = channel;
    this.id = id;
    this.content = content;
  }

  reply(value: unknown): boolean {
    if (this.answered) return answeredAgain(this);
    this.answered = true;
    return answer(this.channel, this, RESULT, value);
  }

  fail(error: unknown): boolean {
    if (this.answered) return answeredAgain(this);
    this.answered = true;
    return answer(this.channel, this, EXCEPTION, error);
  }
}

/** A second answer: `false` after a shutdown cut the request short, else a bug of the caller. */
function answeredAgain(request: IncomingRequest): false {
  if (request.cut) return false;
  throw new DenomasError(`Request ${describe(request.id)} was answered already`);
}

function failUnanswered(request: IncomingRequest, error: unknown): void {
  if (!request.answered) request.fail(error);
}

/**
 * A request/reply channel over one connection: either side may send
 * requests at any time, and replies may come in any order.
 *
 * Channels come from {@linkcode openConnection} and {@linkcode startServer};
 * the constructor wraps any {@linkcode Conn}.
 *
 * @example Echo round trip
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { openConnection, startServer } from "@denomas/denomas/channel";
 *
 * await using server = await startServer(["127.0.0.1", 0], async (channel) => {
 *   const request = await channel.recv();
 *   request.reply(`${request.content} back`);
 * });
 * await using channel = await openConnection(server.address);
 * assertEquals(await channel.send("ohai"), "ohai back");
 * ```
 *
 * @example A failing request
 * ```ts
 * import { ok as assert, rejects } from "node:assert/strict";
 * import { openConnection, RemoteException, startServer } from "@denomas/denomas/channel";
 *
 * await using server = await startServer(["127.0.0.1", 0], async (channel) => {
 *   const request = await channel.recv();
 *   request.fail(new RangeError("42"));
 * });
 * await using channel = await openConnection(server.address);
 * await rejects(channel.send("ohai"), (error) => {
 *   assert(error instanceof RemoteException);
 *   assert(error.message.startsWith(`Origin: ${server.address}\n`));
 *   assert(error.remoteTraceback.endsWith("RangeError: 42\n"));
 *   return true;
 * });
 * ```
 */
export class Channel implements AsyncDisposable, AsyncIterable<Request> {
  /** This channel's codec instance, with its serializers. */
  readonly codec: Codec;
  /** Who is at the other end. */
  readonly peer: PeerInfo;
  /** This side's address. */
  readonly localAddress: string;
  /**
   * Settles when the channel is closed: with `undefined` after
   * {@linkcode Channel.close}, else with the reason (a
   * {@linkcode ConnectionResetError} when the peer went away, a
   * {@linkcode ProtocolError} when it broke the protocol). Never rejects.
   */
  readonly closed: Promise<Error | undefined>;

  readonly #conn: Conn;
  readonly #codecClass: CodecClass;
  /**
   * Encodes an outgoing message. The write queue copies every payload before
   * `enqueue` returns, so this is the codec's transient encode when it has
   * one (a reused buffer, no fresh memory per message).
   */
  readonly #encodeMessage: (message: unknown) => Uint8Array;
  /**
   * Decodes an incoming frame. When the codec has a detached decode (results
   * hold no views of the frame), the read buffer is reused.
   */
  readonly #decodeFrame: (frame: Uint8Array) => unknown;
  readonly #reader: FrameReader;
  readonly #writer: WriteQueue;
  readonly #maxFrameSize: number;
  readonly #highWaterMark: number;
  readonly #peer: string;
  readonly #calls = new CallTable<PendingCall>();
  readonly #deadlines = new Deadlines<PendingCall>();
  readonly #owner: CallOwner;
  readonly #onError: ErrorHandler;
  #nextId = 0;
  /** Whether a frame decoded yet: a first frame that does not hints at another codec. */
  #decodedAny = false;
  /** The unanswered requests (a linked list through `prev`/`next`). */
  #inbound: IncomingRequest | undefined = undefined;
  /** Set while a graceful close waits: new requests are refused. */
  #draining = false;
  #drained: PromiseWithResolvers<void> | undefined;
  #closing: Promise<void> | undefined;
  #state = OPEN;
  /** Why new calls fail, once closing. */
  #failure: Error | undefined;
  #reason: Error | undefined;
  #resolveClosed!: (reason: Error | undefined) => void;
  #requests: (Request | undefined)[] = [];
  #requestsHead = 0;
  #receivers: PromiseWithResolvers<Request>[] = [];
  #handler: RequestHandler | undefined;
  /** Senders waiting for the write queue to drain. */
  #waitingSenders = 0;
  #readLoop: Promise<void>;
  #shutdown: Promise<void> | undefined;

  static {
    reportError = (channel, error) => channel.#report(error);
    answer = (channel, request, type, content) => {
      if (channel.#state === OPEN) channel.#unlink(request);
      return channel.#writeReply(request.id, type, content);
    };
    bufferUsage = (channel) => ({
      read: channel.#reader.capacity,
      write: channel.#writer.capacity,
    });
  }

  /**
   * Starts a channel on an open connection; reading starts at once.
   *
   * @param conn The connection, which the channel now owns.
   * @param options Codec, serializers and limits.
   * @throws {RangeError} for a `maxFrameSize` outside 0..2^32-1.
   */
  constructor(conn: Conn, options: ChannelOptions = {}) {
    this.#conn = conn;
    this.peer = conn.peer;
    this.#peer = conn.peer.address;
    this.#owner = { calls: this.#calls, deadlines: this.#deadlines, peer: this.#peer };
    this.localAddress = conn.localAddress;
    this.#codecClass = options.codec ?? Json;
    this.codec = new this.#codecClass(options.extraSerializers ?? []);
    const codec = this.codec;
    this.#encodeMessage = transientEncoder(codec) ?? ((message) => codec.encode(message));
    const detached = detachedDecoder(codec);
    this.#decodeFrame = detached ?? ((frame) => codec.decode(frame));
    this.#maxFrameSize = options.maxFrameSize ?? MAX_FRAME_SIZE;
    this.#reader = new FrameReader({
      maxFrameSize: this.#maxFrameSize,
      reuseBuffer: detached !== undefined,
    });
    this.#highWaterMark = options.highWaterMark ?? HIGH_WATER_MARK;
    this.#onError = options.onError ?? logError;
    this.#writer = new WriteQueue(conn, (error) => this.#onWriteError(error));
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
    if (options.fallbackSerializer) {
      this.codec.serializers.setFallback(options.fallbackSerializer(this));
    }
    this.#readLoop = this.#read();
  }

  /** Whether the channel is closed or closing: calls fail at once. */
  get isClosed(): boolean {
    return this.#state !== OPEN;
  }

  /** Bytes queued for writing and not yet handed to the connection. */
  get bufferedAmount(): number {
    return this.#writer.bufferedAmount;
  }

  /**
   * Sends a request and waits for its reply.
   *
   * @param content The request; anything the codec can encode.
   * @param options A signal and/or timeout to give up on the call.
   * @returns The reply's content.
   * @throws {RemoteException} when the peer answers with an EXCEPTION reply.
   * @throws {ConnectionResetError} when the connection is (or gets) closed.
   * @throws {CodecError} when `content` cannot be encoded.
   * @throws {ProtocolError} when the encoded request exceeds `maxFrameSize`.
   */
  send(content: unknown, options?: CallOptions): Promise<unknown> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (options?.signal?.aborted) return Promise.reject(options.signal.reason);
    if (this.#waitingSenders > 0 || this.#writer.bufferedAmount >= this.#highWaterMark) {
      return this.#sendLater(content, options);
    }
    return this.#sendNow(content, options);
  }

  /**
   * Waits for the next request. Requests that arrive while nobody waits are
   * queued.
   *
   * @returns The request.
   * @throws {ConnectionResetError} (or the close reason) once the channel is closed.
   * @throws {Error} when {@linkcode Channel.serve} takes the requests.
   */
  recv(): Promise<Request> {
    const requests = this.#requests;
    if (this.#requestsHead < requests.length) {
      const request = requests[this.#requestsHead]!;
      requests[this.#requestsHead++] = undefined;
      if (this.#requestsHead === requests.length) {
        requests.length = 0;
        this.#requestsHead = 0;
      }
      return Promise.resolve(request);
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#handler !== undefined) return Promise.reject(servedError());
    const receiver = Promise.withResolvers<Request>();
    this.#receivers.push(receiver);
    return receiver.promise;
  }

  /**
   * Routes every request to `handler`, queued ones first, instead of
   * {@linkcode Channel.recv}. The handler runs synchronously in the read
   * loop; it answers the request now or later. The RPC layer uses this.
   *
   * @throws {Error} when a handler is set already.
   *
   * @example
   * ```ts
   * import { strictEqual as assertEquals } from "node:assert/strict";
   * import { openConnection, startServer } from "@denomas/denomas/channel";
   *
   * await using server = await startServer(["127.0.0.1", 0], (channel) => {
   *   channel.serve((request) => request.reply((request.content as number) * 2));
   * });
   * await using channel = await openConnection(server.address);
   * assertEquals(await channel.send(21), 42);
   * ```
   */
  serve(handler: RequestHandler): void {
    if (this.#handler !== undefined) throw new DenomasError("This channel is served already");
    this.#handler = handler;
    const receivers = this.#receivers;
    this.#receivers = [];
    for (const receiver of receivers) receiver.reject(servedError());
    const requests = this.#requests;
    const head = this.#requestsHead;
    this.#requests = [];
    this.#requestsHead = 0;
    for (let i = head; i < requests.length; i++) {
      this.#dispatch(handler, requests[i] as IncomingRequest);
    }
  }

  /**
   * Yields incoming requests until the channel closes; ends quietly when it
   * was closed by either side, throws the reason when the peer broke the
   * protocol.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<Request, void, undefined> {
    while (true) {
      let request: Request;
      try {
        request = await this.recv();
      } catch (error) {
        const reason = this.#reason;
        if (
          this.#state !== OPEN && (reason === undefined || reason instanceof ConnectionResetError)
        ) {
          return;
        }
        throw error;
      }
      yield request;
    }
  }

  /**
   * Closes the channel. With a grace period (`options.timeout`), new
   * requests are refused and the unanswered ones may finish first, and
   * then every request still unanswered gets a `ShutdownError` reply. Then
   * pending calls fail with a {@linkcode ConnectionResetError}, replies
   * already queued are still written (for up to
   * {@linkcode CLOSE_FLUSH_TIMEOUT} ms), and the connection closes.
   * Idempotent.
   *
   * @param options The grace period for the requests being answered.
   * @returns Resolves when the connection is closed and reading has stopped.
   */
  close(options?: CloseOptions): Promise<void> {
    this.#closing ??= this.#close(options?.timeout);
    return this.#closing;
  }

  /** Closes the channel, see {@linkcode Channel.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(timeout: number | undefined): Promise<void> {
    if (this.#state === OPEN && timeout !== undefined) {
      this.#draining = true;
      let expired: unknown;
      if (this.#inbound !== undefined && timeout > 0) {
        this.#drained = Promise.withResolvers();
        try {
          await abortable(
            this.#drained.promise,
            deadline("the shutdown's grace period", timeout),
          );
        } catch (error) {
          expired = error;
        }
      }
      this.#failInbound(expired);
    }
    this.#terminate(undefined);
    await this.#shutdown;
  }

  /** Fails every unanswered request with a `ShutdownError` (caused by `expired`, if given). */
  #failInbound(expired: unknown): void {
    if (this.#state !== OPEN) return;
    let text = `${this.localAddress} shut down before answering this call`;
    if (expired instanceof Error) text += `: ${expired.message}`;
    for (let request = this.#inbound; request !== undefined;) {
      const next = request.next;
      request.fail(new ShutdownError(text, { cause: expired }));
      request.cut = true;
      request = next;
    }
  }

  #link(request: IncomingRequest): void {
    const head = this.#inbound;
    if (head !== undefined) {
      head.prev = request;
      request.next = head;
    }
    this.#inbound = request;
  }

  #unlink(request: IncomingRequest): void {
    const { prev, next } = request;
    if (prev !== undefined) prev.next = next;
    else if (this.#inbound === request) this.#inbound = next;
    if (next !== undefined) next.prev = prev;
    request.prev = request.next = undefined;
    if (this.#inbound === undefined && this.#drained !== undefined) this.#drained.resolve();
  }

  /** Hands `error` to the `onError` hook; a hook that throws is logged, never fatal. */
  #report(error: Error): void {
    report(this.#onError, error);
  }

  #sendNow(content: unknown, options: CallOptions | undefined): Promise<unknown> {
    const id = this.#nextId;
    let payload: Uint8Array;
    try {
      payload = this.#encode([REQUEST, id, content]);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#nextId = id + 1;
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    const call = new PendingCall(this.#owner, id, resolve, reject);
    this.#calls.add(call);
    this.#writer.enqueue(payload);
    // `null` options too: a throw here would leave the call queued and its promise unheld.
    if (options !== undefined && options !== null) {
      const { signal, timeout } = options;
      if (timeout !== undefined) {
        call.timeout = timeout;
        call.deadline = performance.now() + (timeout >= 0 ? timeout : 0);
        this.#deadlines.add(call);
      }
      if (signal !== undefined) {
        call.signal = signal;
        signal.addEventListener("abort", call);
      }
    }
    return promise;
  }

  /**
   * Sends once the write queue drained below the high-water mark. The
   * signal and timeout apply to the wait too.
   */
  async #sendLater(content: unknown, options: CallOptions | undefined): Promise<unknown> {
    const started = performance.now();
    const timeout = options?.timeout;
    this.#waitingSenders++;
    try {
      const drained = this.#writer.drained(this.#highWaterMark);
      await abortable(
        drained,
        deadline(`call to ${this.#peer} (waiting to be sent)`, timeout, options?.signal),
      );
    } finally {
      this.#waitingSenders--;
    }
    if (this.#failure !== undefined) throw this.#failure;
    if (timeout === undefined) return this.#sendNow(content, options);
    const left = Math.max(0, timeout - (performance.now() - started));
    return this.#sendNow(content, { signal: options?.signal, timeout: left });
  }

  /** Encodes a message; the result is only valid until the next call (see `#encodeMessage`). */
  #encode(message: unknown[]): Uint8Array {
    const payload = this.#encodeMessage(message);
    if (payload.length > this.#maxFrameSize) {
      throw new ProtocolError(
        `A message of ${payload.length} bytes to ${this.#peer} exceeds the limit of ` +
          `${this.#maxFrameSize} bytes (maxFrameSize)`,
      );
    }
    return payload;
  }

  #writeReply(id: unknown, type: number, content: unknown): boolean {
    if (this.#state !== OPEN) return false;
    let payload: Uint8Array;
    if (type === RESULT) {
      try {
        payload = this.#encode([RESULT, id, content]);
      } catch (error) {
        payload = this.#encodeException(id, error);
      }
    } else {
      payload = this.#encodeException(id, content);
    }
    this.#writer.enqueue(payload);
    return true;
  }

  /**
   * Encodes an EXCEPTION reply. When the text with its stack is too large
   * for a frame, the last line alone goes, cut short if need be.
   */
  #encodeException(id: unknown, error: unknown): Uint8Array {
    const text = formatRemoteTraceback(error);
    try {
      return this.#encode([EXCEPTION, id, text]);
    } catch (tooLarge) {
      if (!(tooLarge instanceof ProtocolError)) throw tooLarge;
    }
    const lastLine = text.slice(text.lastIndexOf("\n", text.length - 2) + 1);
    try {
      return this.#encode([EXCEPTION, id, lastLine]);
    } catch (tooLarge) {
      if (!(tooLarge instanceof ProtocolError)) throw tooLarge;
    }
    const room = Math.max(16, Math.floor(this.#maxFrameSize / 8));
    return this.#encode([EXCEPTION, id, `${lastLine.slice(0, room)}… (cut)\n`]);
  }

  async #read(): Promise<void> {
    const conn = this.#conn;
    const reader = this.#reader;
    const writer = this.#writer;
    const pauseAt = this.#highWaterMark * READ_PAUSE_FACTOR;
    try {
      while (this.#state === OPEN) {
        if (writer.bufferedAmount > pauseAt) {
          await writer.drained(this.#highWaterMark);
          continue;
        }
        const count = await conn.read(reader.readable());
        if (count === null) {
          if (this.#state === OPEN) this.#terminate(this.#endOfStream());
          break;
        }
        reader.commit(count);
        for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
          this.#onFrame(frame);
        }
      }
    } catch (error) {
      if (this.#state === OPEN) {
        if (error instanceof ProtocolError) {
          const reason = new ProtocolError(
            `Closed the connection to ${this.#peer}: ${error.message}`,
            { cause: error },
          );
          this.#report(reason);
          this.#terminate(reason);
        } else {
          this.#terminate(
            new ConnectionResetError(this.#peer, `failed while reading: ${errorText(error)}`, {
              cause: error,
            }),
          );
        }
      }
    } finally {
      // No read is pending any more: the buffer can serve other connections.
      reader.release();
    }
  }

  #endOfStream(): Error {
    const buffered = this.#reader.buffered;
    if (buffered === 0) return new ConnectionResetError(this.#peer, "was closed by the peer");
    const size = this.#reader.pendingFrameSize;
    const what = size === undefined
      ? `${buffered} of the 4 header bytes`
      : `${buffered - 4} of ${size} payload bytes`;
    return new ConnectionResetError(
      this.#peer,
      `was closed by the peer in the middle of a frame (${what} received)`,
    );
  }

  #onFrame(frame: Uint8Array): void {
    let message: unknown;
    try {
      message = this.#decodeFrame(frame);
    } catch (error) {
      this.#onUndecodable(frame, error);
      return;
    }
    if (!Array.isArray(message) || message.length !== 3) {
      this.#onMalformed(message, frame);
      return;
    }
    this.#decodedAny = true;
    const type = message[0];
    if (type === REQUEST) {
      if (this.#state !== OPEN || this.#draining) {
        this.#refuse(message[1]);
        return;
      }
      const request = new IncomingRequest(this, message[1], message[2]);
      this.#link(request);
      const handler = this.#handler;
      if (handler !== undefined) this.#dispatch(handler, request);
      else if (this.#receivers.length > 0) this.#receivers.shift()!.resolve(request);
      else this.#requests.push(request);
    } else if (type === RESULT) {
      const call = this.#calls.take(message[1]);
      if (call === undefined) return this.#dropReply(message[1]);
      if (call.heapIndex >= 0 || call.signal !== undefined) call.disarm();
      call.resolve(message[2]);
    } else if (type === EXCEPTION) {
      const call = this.#calls.take(message[1]);
      if (call === undefined) return this.#dropReply(message[1]);
      if (call.heapIndex >= 0 || call.signal !== undefined) call.disarm();
      const text = message[2];
      call.reject(
        new RemoteException(this.#peer, typeof text === "string" ? text : describe(text)),
      );
    } else {
      this.#onMalformed(message, frame);
    }
  }

  /** A request that arrived while closing: refused, so the caller need not wait. */
  #refuse(id: unknown): void {
    if (this.#state !== OPEN) return;
    this.#writeReply(
      id,
      EXCEPTION,
      new ShutdownError(`${this.localAddress} is shutting down and takes no new calls`),
    );
  }

  /** A reply to no pending call: dropped, and reported (nobody else will hear of it). */
  #dropReply(id: unknown): void {
    if (this.#state !== OPEN) return;
    const givenUp = typeof id === "number" && Number.isInteger(id) && id >= 0 && id < this.#nextId;
    this.#report(new LateReplyError(this.#peer, id, givenUp));
  }

  #dispatch(handler: RequestHandler, request: IncomingRequest): void {
    let result: unknown;
    try {
      result = handler(request);
    } catch (error) {
      failUnanswered(request, error);
      return;
    }
    if (result instanceof Promise) result.catch((error) => failUnanswered(request, error));
  }

  /** A payload the codec could not decode. */
  #onUndecodable(frame: Uint8Array, error: unknown): void {
    const head = recoverHead(this.#codecClass, this.codec.name, frame);
    if (head?.type === REQUEST) {
      const problem = new ProtocolError(
        `Cannot decode request ${describe(head.id)}: ${errorText(error)}`,
        { cause: error },
      );
      if (this.#writeReply(head.id, EXCEPTION, problem)) {
        this.#report(
          new ProtocolError(
            `Answered an undecodable request ${describe(head.id)} from ${this.#peer} with an ` +
              `error: ${errorText(error)}`,
            { cause: error },
          ),
        );
      }
      return;
    }
    if (head !== undefined && (head.type === RESULT || head.type === EXCEPTION)) {
      const call = this.#calls.take(head.id);
      if (call === undefined) {
        if (this.#state === OPEN) {
          this.#report(
            new ProtocolError(
              `Dropped an undecodable reply from ${this.#peer} to call ${describe(head.id)}, ` +
                `which is not pending: ${errorText(error)}`,
              { cause: error },
            ),
          );
        }
        return;
      }
      call.disarm();
      call.reject(
        new ProtocolError(
          `Cannot decode the reply to call ${call.id} from ${this.#peer}: ${errorText(error)}`,
          { cause: error },
        ),
      );
      return;
    }
    this.#closeOnBadFrame(frame, `cannot decode a message: ${errorText(error)}`, error, true);
  }

  /** A message that decoded but is not `[type, id, content]` with a known type. */
  #onMalformed(message: unknown, frame: Uint8Array): void {
    const problem = `expected [type, id, content] with type 0, 1 or 2, got ${describe(message)}`;
    if (Array.isArray(message) && message.length >= 2 && message[0] === REQUEST) {
      if (
        this.#writeReply(message[1], EXCEPTION, new ProtocolError(`Malformed request: ${problem}`))
      ) {
        this.#report(
          new ProtocolError(
            `Answered a malformed request from ${this.#peer} with an error: ${problem}`,
          ),
        );
      }
      return;
    }
    this.#closeOnBadFrame(frame, problem, undefined, false);
  }

  /**
   * Closes the connection over a frame that is no message. When the first
   * frame does not decode, the peer probably uses another codec: the error
   * says so, and an EXCEPTION in our codec tells the peer, whose decoder
   * then fails on its first frame too and says the same to its callers.
   */
  #closeOnBadFrame(frame: Uint8Array, problem: string, cause: unknown, undecodable: boolean): void {
    if (this.#state !== OPEN) return;
    const first = undecodable && !this.#decodedAny;
    const reason = new ProtocolError(
      `Closed the connection to ${this.#peer}: ` +
        (first ? mismatchText(this.codec.name, frame, problem) : problem),
      { cause },
    );
    if (first) this.#writeReply(null, EXCEPTION, reason);
    this.#report(reason);
    this.#terminate(reason);
  }

  #onWriteError(error: unknown): void {
    if (this.#state !== OPEN) return;
    this.#terminate(
      new ConnectionResetError(this.#peer, `failed while writing: ${errorText(error)}`, {
        cause: error,
      }),
    );
  }

  /**
   * Closes the channel once: fails pending calls and receivers, settles
   * `closed`, then flushes and closes the connection.
   */
  #terminate(reason: Error | undefined): void {
    if (this.#state !== OPEN) return;
    this.#state = CLOSING;
    this.#reason = reason;
    const failure = reason ?? new ConnectionResetError(this.#peer, "was closed by this side");
    this.#failure = failure;
    for (const call of this.#calls.drain()) {
      call.disarm();
      call.reject(failure);
    }
    this.#deadlines.clear();
    const receivers = this.#receivers;
    this.#receivers = [];
    for (const receiver of receivers) receiver.reject(failure);
    this.#requests = [];
    this.#requestsHead = 0;
    this.#inbound = undefined;
    this.#drained?.resolve();
    this.#resolveClosed(reason);
    this.#shutdown = this.#closeConnection();
  }

  async #closeConnection(): Promise<void> {
    const writer = this.#writer;
    if (writer.bufferedAmount > 0 && !writer.closed) {
      await abortable(writer.idle(), AbortSignal.timeout(CLOSE_FLUSH_TIMEOUT)).catch(() => {});
    }
    writer.close();
    this.#conn.close();
    await this.#readLoop;
    this.#state = CLOSED;
  }
}

function servedError(): Error {
  return new DenomasError("This channel's requests go to its serve() handler, not to recv()");
}
