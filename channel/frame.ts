/**
 * Framing: a 4-byte big-endian length, then that many payload bytes.
 *
 * {@linkcode FrameReader} reassembles frames from reads of any size without
 * copying them: frames are views into its receive buffers. By default a
 * buffer is never written twice, so a view (and any view a decoder makes into
 * it) stays valid; when a buffer is used up, the reader starts a new one and
 * copies only the bytes of the one incomplete frame over. With
 * `reuseBuffer`, it moves those bytes to the start of the same buffer
 * instead, and a frame is only valid until the next `readable()` or `push()`.
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";

/** Size of the frame header: a big-endian uint32 payload length. */
export const HEADER_SIZE = 4;

/** The largest payload the header can describe: 2^32-1 bytes. */
export const WIRE_MAX_PAYLOAD = 0xffff_ffff;

/**
 * The default limit for one payload, 64 MiB. Incoming frames above the limit
 * are rejected from their header, before anything is allocated.
 */
export const MAX_FRAME_SIZE = 64 * 1024 * 1024;

/** The default size of a receive buffer, 64 KiB. */
export const READ_BUFFER_SIZE = 64 * 1024;

/**
 * A read is never offered less room than this (4 KiB) unless the rest of
 * the current frame is smaller: below it, the reader starts a new buffer.
 */
export const MIN_READ_SIZE = 4 * 1024;

/**
 * Frames a payload: the header and the payload in one new buffer.
 *
 * @param payload The encoded message.
 * @returns `[length (4 bytes, big-endian), ...payload]`.
 * @throws {RangeError} when the payload is larger than the header can describe.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { encodeFrame } from "./frame.ts";
 *
 * assertEquals(encodeFrame(new Uint8Array([7, 8])), new Uint8Array([0, 0, 0, 2, 7, 8]));
 * ```
 */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const length = payload.length;
  if (length > WIRE_MAX_PAYLOAD) {
    throw new RangeError(
      `A payload of ${length} bytes does not fit a frame (max ${WIRE_MAX_PAYLOAD})`,
    );
  }
  const frame = new Uint8Array(HEADER_SIZE + length);
  writeHeader(frame, 0, length);
  frame.set(payload, HEADER_SIZE);
  return frame;
}

/**
 * Writes a frame header at `offset`.
 *
 * @param target The buffer to write into.
 * @param offset Where the header starts.
 * @param length The payload length.
 */
export function writeHeader(target: Uint8Array, offset: number, length: number): void {
  target[offset] = length >>> 24;
  target[offset + 1] = (length >>> 16) & 0xff;
  target[offset + 2] = (length >>> 8) & 0xff;
  target[offset + 3] = length & 0xff;
}

/** Options of a {@linkcode FrameReader}. */
export interface FrameReaderOptions {
  /**
   * The largest payload accepted, in bytes.
   *
   * @default {MAX_FRAME_SIZE}
   */
  readonly maxFrameSize?: number;
  /**
   * The size of each receive buffer, in bytes. Larger frames get a buffer of
   * their own size.
   *
   * @default {READ_BUFFER_SIZE}
   */
  readonly bufferSize?: number;
  /**
   * Reuse the receive buffer: when it is used up, the bytes of the
   * incomplete frame move to its start instead of to a new buffer (fresh
   * memory is expensive). A frame from {@linkcode FrameReader.next} is then
   * only valid until the next {@linkcode FrameReader.readable} or
   * {@linkcode FrameReader.push}: decode it (into values that hold no views of
   * it) or copy it before reading on. Frames larger than the buffer still get
   * a buffer of their own.
   *
   * @default {false}
   */
  readonly reuseBuffer?: boolean;
}

/**
 * Reassembles frames from a byte stream.
 *
 * The owner reads straight into {@linkcode FrameReader.readable}, reports the
 * byte count to {@linkcode FrameReader.commit}, then takes frames from
 * {@linkcode FrameReader.next} until it returns `undefined`. For bytes that
 * arrived elsewhere, {@linkcode FrameReader.push} copies them in.
 *
 * @example Frames from chunks split anywhere
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { encodeFrame, FrameReader } from "./frame.ts";
 *
 * const bytes = new Uint8Array([
 *   ...encodeFrame(new Uint8Array([1, 2, 3])),
 *   ...encodeFrame(new Uint8Array([4])),
 * ]);
 * const reader = new FrameReader();
 * const frames = [];
 * for (const chunk of [bytes.subarray(0, 2), bytes.subarray(2, 9), bytes.subarray(9)]) {
 *   reader.push(chunk);
 *   for (let frame; (frame = reader.next()) !== undefined;) frames.push([...frame]);
 * }
 * assertEquals(frames, [[1, 2, 3], [4]]);
 * assertEquals(reader.buffered, 0);
 * ```
 */
export class FrameReader {
  /** The largest payload accepted, in bytes. */
  readonly maxFrameSize: number;
  readonly #bufferSize: number;
  readonly #minRead: number;
  readonly #reuse: boolean;
  #buffer: Uint8Array;
  /** Start of the first unconsumed byte. */
  #start = 0;
  /** End of the received bytes. */
  #end = 0;

  /**
   * Makes a reader with an empty receive buffer.
   *
   * @param options Limits and buffer size.
   * @throws {RangeError} for a limit outside 0..2^32-1 or a buffer size below 64 bytes.
   */
  constructor(options: FrameReaderOptions = {}) {
    const maxFrameSize = options.maxFrameSize ?? MAX_FRAME_SIZE;
    if (!(maxFrameSize >= 0 && maxFrameSize <= WIRE_MAX_PAYLOAD)) {
      throw new RangeError(`maxFrameSize must be in 0..${WIRE_MAX_PAYLOAD}, got ${maxFrameSize}`);
    }
    const bufferSize = options.bufferSize ?? READ_BUFFER_SIZE;
    if (!(bufferSize >= 64)) {
      throw new RangeError(`bufferSize must be at least 64, got ${bufferSize}`);
    }
    this.maxFrameSize = maxFrameSize;
    this.#bufferSize = bufferSize;
    this.#minRead = Math.min(MIN_READ_SIZE, bufferSize >> 2);
    this.#reuse = options.reuseBuffer ?? false;
    this.#buffer = new Uint8Array(bufferSize);
  }

  /** Bytes received but not yet returned as a frame (part of an incomplete frame). */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /**
   * The length of the frame being received, once its header is in, else
   * `undefined`.
   */
  get pendingFrameSize(): number | undefined {
    return this.#end - this.#start >= HEADER_SIZE ? this.#peekLength() : undefined;
  }

  /**
   * The free space to read into next. Starts a new buffer when the current
   * one is used up or too small for the frame in progress.
   *
   * @throws {ProtocolError} when the pending frame's header announces more
   * than {@linkcode FrameReader.maxFrameSize}.
   */
  readable(): Uint8Array {
    const pending = this.#end - this.#start;
    const free = this.#buffer.length - this.#end;
    if (pending >= HEADER_SIZE) {
      const total = HEADER_SIZE + this.#peekLength();
      const need = total - pending;
      if (need > 0) {
        // One incomplete frame: make room for all of it, and start afresh
        // when the room left is small and the bytes to move are few.
        if (need > free || (free < this.#minRead && pending <= this.#minRead)) {
          this.#grow(Math.max(this.#bufferSize, total));
        }
      } else if (free < this.#minRead) {
        // Complete frames not taken yet (push() without next()): grow
        // geometrically, so that pushing n bytes copies O(n) in all.
        this.#grow(Math.max(this.#bufferSize, 2 * pending + this.#minRead));
      }
    } else if (free < this.#minRead) {
      this.#grow(this.#bufferSize);
    }
    return this.#buffer.subarray(this.#end);
  }

  /**
   * Records that `count` bytes were written to the start of the last
   * {@linkcode FrameReader.readable} region.
   */
  commit(count: number): void {
    this.#end += count;
  }

  /**
   * Copies `chunk` in (any size, split anywhere).
   *
   * @throws {ProtocolError} when a header announces more than
   * {@linkcode FrameReader.maxFrameSize}.
   */
  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const target = this.readable();
      const count = Math.min(target.length, chunk.length - offset);
      target.set(chunk.subarray(offset, offset + count));
      this.commit(count);
      offset += count;
    }
  }

  /**
   * The next complete payload, as a view into a receive buffer that is
   * never written again (with `reuseBuffer`: until the next `readable()` or
   * `push()`), or `undefined` when no complete frame is buffered.
   *
   * @throws {ProtocolError} when a header announces more than
   * {@linkcode FrameReader.maxFrameSize}.
   */
  next(): Uint8Array | undefined {
    const start = this.#start;
    const pending = this.#end - start;
    if (pending < HEADER_SIZE) return undefined;
    const length = this.#peekLength();
    if (pending - HEADER_SIZE < length) return undefined;
    const begin = start + HEADER_SIZE;
    this.#start = begin + length;
    return this.#buffer.subarray(begin, begin + length);
  }

  #peekLength(): number {
    const b = this.#buffer;
    const s = this.#start;
    const length = ((b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3]) >>> 0;
    if (length > this.maxFrameSize) {
      throw new ProtocolError(
        `Frame of ${length} bytes exceeds the limit of ${this.maxFrameSize} bytes (maxFrameSize)`,
      );
    }
    return length;
  }

  /**
   * Moves the incomplete frame to a new buffer of `size` bytes, or, with
   * `reuseBuffer`, to the start of the current one when that is of the
   * standard size and `size` is too.
   */
  #grow(size: number): void {
    const pending = this.#end - this.#start;
    if (this.#reuse && size === this.#bufferSize && this.#buffer.length === size) {
      if (pending > 0) this.#buffer.copyWithin(0, this.#start, this.#end);
      this.#start = 0;
      this.#end = pending;
      return;
    }
    const next = new Uint8Array(size);
    if (pending > 0) next.set(this.#buffer.subarray(this.#start, this.#end));
    this.#buffer = next;
    this.#start = 0;
    this.#end = pending;
  }
}
