/**
 * Internal: mosaik's low-level protocol on one connection.
 *
 * The framing is aiomas' (4-byte big-endian length, JSON `[type, id,
 * content]`), so the channel layer's frame reader and write queue carry it.
 * The channel itself does not fit: mosaik's FAILURE content is
 * `[type, message, ...traceback]` where aiomas sends a string, and a
 * simulator answers mosaik's requests one at a time while it keeps reading
 * the replies to its own requests.
 *
 * @module
 */

import { Json } from "../codecs/json.ts";
import { WriteQueue } from "../channel/_write_queue.ts";
import { FrameReader } from "../channel/frame.ts";
import type { Conn } from "../channel/transport.ts";
import type { ErrorHandler } from "../errors.ts";
import { abortable } from "../internal/async.ts";
import { errorMessage } from "../internal/inspect.ts";
import { MosaikConnectionError, MosaikError, MosaikRequestError } from "./errors.ts";

/** Message types of mosaik's protocol. */
export const REQUEST = 0;
/** A successful reply. */
export const SUCCESS = 1;
/** A failed reply: `[type, message, ...traceback]`. */
export const FAILURE = 2;

/** The largest frame accepted from mosaik: 64 MiB, as the channel layer's default. */
export const MOSAIK_MAX_FRAME_SIZE = 64 * 1024 * 1024;

/** How long closing waits for queued replies to be written: 5 s, as the channel layer. */
export const CLOSE_FLUSH_TIMEOUT = 5_000;

/** A request from mosaik, already checked to be `[method, args, kwargs]`. */
export interface IncomingCall {
  readonly id: unknown;
  readonly method: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
}

interface PendingCall {
  readonly method: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/**
 * The FAILURE content for `error`, as mosaik-api-v3 writes it:
 * `[TypeName, message, ...traceback lines]`. mosaik spreads this list into
 * its `RemoteException`, so it must have at least two entries.
 */
export function failureContent(error: unknown): string[] {
  if (!(error instanceof Error)) {
    const text = typeof error === "string" ? error : safeJson(error);
    return ["Error", text, `Error: ${text}\n`];
  }
  const name = error.name || "Error";
  const last = `${name}: ${error.message}\n`;
  const frames = (typeof error.stack === "string" ? error.stack : "")
    .split("\n")
    .filter((line) => /^\s+at /.test(line))
    .map((line) => `${line}\n`);
  if (frames.length === 0) return [name, error.message, last];
  return [name, error.message, "Traceback (most recent call first):\n", ...frames, last];
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

const textDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * A digit run that may be an integer beyond 2^53, which `JSON.parse` would
 * round: such frames go to the codec, which reads them as `bigint`.
 */
const LONG_DIGITS = /\d{16}/;

/**
 * Decodes one frame. `JSON.parse` reads the common frame at 2–3 times the
 * speed of the codec (measured on a 1,000-entity step: 164 against 388 µs);
 * the codec takes the rest: Python's `NaN`/`Infinity` tokens, integers
 * beyond 2^53, and text that is not JSON (for its error).
 */
function decodeFrame(codec: Json, frame: Uint8Array): unknown {
  let text: string;
  try {
    text = textDecoder.decode(frame);
  } catch {
    return codec.decode(frame);
  }
  if (LONG_DIGITS.test(text)) return codec.decode(frame);
  try {
    return JSON.parse(text);
  } catch {
    return codec.decode(frame);
  }
}

/** Whether `value` is a JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * One connection to mosaik. Requests from mosaik queue up for
 * {@linkcode MosaikConnection.nextRequest}; the simulator's own requests
 * ({@linkcode MosaikConnection.call}) get their replies from the same read
 * loop, so a step may wait for mosaik while mosaik's replies keep coming.
 */
export class MosaikConnection {
  /** The peer's address. */
  readonly peer: string;
  readonly #conn: Conn;
  readonly #codec = new Json();
  readonly #reader: FrameReader;
  readonly #writer: WriteQueue;
  readonly #onError: ErrorHandler;
  readonly #pending = new Map<number, PendingCall>();
  #nextId = 0;
  #requests: IncomingCall[] = [];
  #waiter: ((call: IncomingCall | undefined) => void) | undefined;
  /** Why the connection ended, once it did. */
  #ended: Error | undefined;
  /** Whether it ended between frames: closed by this side, or by mosaik after a whole frame. */
  #clean = false;
  readonly #readLoop: Promise<void>;
  readonly #scope = new AbortController();

  constructor(conn: Conn, onError: ErrorHandler, maxFrameSize = MOSAIK_MAX_FRAME_SIZE) {
    this.#conn = conn;
    this.peer = conn.peer.address;
    this.#onError = onError;
    this.#reader = new FrameReader({ maxFrameSize });
    this.#writer = new WriteQueue(conn, (error) => {
      this.#end(
        new MosaikConnectionError(
          `Writing to mosaik at ${this.peer} failed: ${errorMessage(error)}`,
          {
            cause: error,
          },
        ),
      );
    });
    this.#readLoop = this.#read();
  }

  /** Aborts when the connection ends, with the reason. */
  get signal(): AbortSignal {
    return this.#scope.signal;
  }

  /** Whether the connection has ended (closed by either side or broken). */
  get isClosed(): boolean {
    return this.#ended !== undefined;
  }

  /**
   * Sends a request to mosaik, e.g. `["get_progress", [], {}]`, and waits
   * for its reply.
   *
   * @throws {MosaikError} for a FAILURE reply.
   * @throws {MosaikConnectionError} when the connection ends first.
   */
  call(
    method: string,
    args: readonly unknown[],
    kwargs: Record<string, unknown> = {},
  ): Promise<unknown> {
    if (this.#ended !== undefined) return Promise.reject(this.#lost(method));
    const id = this.#nextId++;
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    let payload: Uint8Array;
    try {
      payload = this.#codec.encode([REQUEST, id, [method, args, kwargs]]);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#pending.set(id, { method, resolve, reject });
    this.#writer.enqueue(payload);
    return promise;
  }

  /** The next request from mosaik, or `undefined` once the connection has ended. */
  nextRequest(): Promise<IncomingCall | undefined> {
    const next = this.#requests.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (this.#ended !== undefined) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiter = resolve);
  }

  /** Answers request `id` with `value` (`undefined` is sent as `null`). */
  reply(id: unknown, value: unknown): void {
    if (this.#ended !== undefined) return;
    let payload: Uint8Array;
    try {
      payload = this.#codec.encode([SUCCESS, id, value === undefined ? null : value]);
    } catch (error) {
      this.fail(
        id,
        new MosaikRequestError(`The result cannot be sent as JSON: ${errorMessage(error)}`, {
          cause: error,
        }),
      );
      return;
    }
    this.#writer.enqueue(payload);
  }

  /** Answers request `id` with a FAILURE reply describing `error`. */
  fail(id: unknown, error: unknown): void {
    if (this.#ended !== undefined) return;
    this.#writer.enqueue(this.#codec.encode([FAILURE, id, failureContent(error)]));
  }

  /**
   * Why the connection ended: `undefined` while it is open or when it was
   * closed cleanly (by this side, or by mosaik between frames).
   */
  get endReason(): Error | undefined {
    return this.#clean ? undefined : this.#ended;
  }

  /**
   * Writes what is queued (for up to {@linkcode CLOSE_FLUSH_TIMEOUT} ms, in
   * case mosaik stopped reading), then closes the connection. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#ended === undefined) {
      await abortable(this.#writer.idle(), AbortSignal.timeout(CLOSE_FLUSH_TIMEOUT)).catch(
        () => {},
      );
      this.#end(new MosaikConnectionError("the simulator closed the connection to mosaik"), true);
    }
    await this.#readLoop;
  }

  async #read(): Promise<void> {
    const reader = this.#reader;
    try {
      while (this.#ended === undefined) {
        const count = await this.#conn.read(reader.readable());
        if (count === null) {
          const clean = reader.buffered === 0;
          this.#end(
            new MosaikConnectionError(
              clean
                ? `mosaik at ${this.peer} closed the connection`
                : `mosaik at ${this.peer} closed the connection in the middle of a frame`,
            ),
            clean,
          );
          break;
        }
        reader.commit(count);
        for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
          this.#onFrame(frame);
          if (this.#ended !== undefined) break;
        }
      }
    } catch (error) {
      this.#end(
        new MosaikConnectionError(
          `The connection to mosaik at ${this.peer} failed: ${errorMessage(error)}`,
          { cause: error },
        ),
      );
    }
  }

  #onFrame(frame: Uint8Array): void {
    let message: unknown;
    try {
      message = decodeFrame(this.#codec, frame);
    } catch (error) {
      this.#end(
        new MosaikConnectionError(`Cannot decode a message from mosaik: ${errorMessage(error)}`, {
          cause: error,
        }),
      );
      return;
    }
    if (!Array.isArray(message) || message.length !== 3) {
      this.#end(
        new MosaikConnectionError(
          `Expected [type, id, content] from mosaik, got ${safeJson(message).slice(0, 200)}`,
        ),
      );
      return;
    }
    const [type, id, content] = message;
    if (type === REQUEST) {
      this.#onRequest(id, content);
    } else if (type === SUCCESS || type === FAILURE) {
      const call = typeof id === "number" ? this.#pending.get(id) : undefined;
      if (call === undefined) {
        this.#onError(
          new MosaikRequestError(`Dropped a reply from mosaik for unknown request ${safeJson(id)}`),
        );
        return;
      }
      this.#pending.delete(id as number);
      if (type === SUCCESS) call.resolve(content);
      else call.reject(new MosaikError(call.method, content));
    } else {
      this.#end(new MosaikConnectionError(`Unknown message type ${safeJson(type)} from mosaik`));
    }
  }

  #onRequest(id: unknown, content: unknown): void {
    if (
      !Array.isArray(content) || content.length !== 3 || typeof content[0] !== "string" ||
      !Array.isArray(content[1]) || !isRecord(content[2])
    ) {
      this.fail(
        id,
        new MosaikRequestError(
          `Expected a request [method, args, kwargs], got ${safeJson(content).slice(0, 200)}`,
        ),
      );
      return;
    }
    const call: IncomingCall = { id, method: content[0], args: content[1], kwargs: content[2] };
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter(call);
    } else {
      this.#requests.push(call);
    }
  }

  #lost(method: string): MosaikConnectionError {
    const reason = this.#ended!;
    return new MosaikConnectionError(`${reason.message} while ${method} was pending`, {
      cause: reason,
    });
  }

  #end(reason: Error, clean = false): void {
    if (this.#ended !== undefined) return;
    this.#ended = reason;
    this.#clean = clean;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const call of pending) call.reject(this.#lost(call.method));
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.(undefined);
    this.#writer.close();
    this.#conn.close();
    this.#scope.abort(reason);
  }
}
