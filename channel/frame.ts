/**
 * Framing: a 4-byte big-endian length, then that many payload bytes.
 *
 * {@linkcode FrameReader} reassembles frames from reads of any size without
 * copying them: frames are views into its receive buffers. By default a
 * buffer is never written twice, so a view (and any view a decoder makes into
 * it) stays valid; when a buffer is used up, the reader starts a new one and
 * copies only the bytes of the one incomplete frame over. With
 * `reuseBuffer`, it moves those bytes to the start of the same buffer
 * instead (or swaps buffers with a pool shared by all readers), and a frame
 * is only valid until the next `readable()`, `push()` or `release()`.
 *
 * Buffers start small and grow with the bytes actually received: a header
 * that announces a large frame reserves nothing, a frame's buffer holds at
 * most twice the bytes of it received so far (or the read size), and after
 * a large frame the reader goes back to a small buffer. The sizes are in
 * `_buffers.ts`.
 *
 * @module
 */

import {
  EMPTY,
  giveBuffer,
  MAX_READ_SIZE,
  MIN_READ_SIZE,
  poolSize,
  takeBuffer,
} from "./_buffers.ts";
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
   * Reuse receive buffers: when one is used up, the bytes of the incomplete
   * frame move to its start instead of to a new buffer, and buffers that are
   * resized go back to a pool shared by all readers (fresh memory is
   * expensive). A frame from {@linkcode FrameReader.next} is then only valid
   * until the next {@linkcode FrameReader.readable},
   * {@linkcode FrameReader.push} or {@linkcode FrameReader.release}: decode
   * it (into values that hold no views of it) or copy it before reading on.
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
 * The receive buffer starts at 1 KiB and follows the reads: one that fills
 * it doubles the next (up to 64 KiB), two in a row that use less than a
 * quarter halve it. A larger frame grows its buffer as its bytes arrive, to
 * at most twice the bytes received so far, so a header announcing a large
 * frame reserves nothing by itself.
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
 *
 * @example A header announcing 64 MiB reserves nothing
 * ```ts
 * import { ok as assert } from "node:assert/strict";
 * import { FrameReader } from "./frame.ts";
 *
 * const reader = new FrameReader();
 * reader.push(new Uint8Array([4, 0, 0, 0])); // 64 MiB to come
 * assert(reader.readable().length < 64 * 1024);
 * assert(reader.capacity < 64 * 1024);
 * ```
 */
export class FrameReader {
  /** The largest payload accepted, in bytes. */
  readonly maxFrameSize: number;
  readonly #reuse: boolean;
  #buffer: Uint8Array = EMPTY;
  /** Start of the first unconsumed byte. */
  #start = 0;
  /** End of the received bytes. */
  #end = 0;
  /** The size of the next buffer, following the reads. */
  #readSize = MIN_READ_SIZE;
  /** The length of the region the last `readable()` returned. */
  #offered = 0;
  /** Reads in a row that used less than a quarter of the read size. */
  #smallReads = 0;

  /**
   * Makes a reader; it takes a receive buffer on the first
   * {@linkcode FrameReader.readable}.
   *
   * @param options The limit and whether to reuse buffers.
   * @throws {RangeError} for a limit outside 0..2^32-1.
   */
  constructor(options: FrameReaderOptions = {}) {
    const maxFrameSize = options.maxFrameSize ?? MAX_FRAME_SIZE;
    if (!(maxFrameSize >= 0 && maxFrameSize <= WIRE_MAX_PAYLOAD)) {
      throw new RangeError(`maxFrameSize must be in 0..${WIRE_MAX_PAYLOAD}, got ${maxFrameSize}`);
    }
    this.maxFrameSize = maxFrameSize;
    this.#reuse = options.reuseBuffer ?? false;
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

  /** The size of the receive buffer held now, in bytes. */
  get capacity(): number {
    return this.#buffer.length;
  }

  /**
   * The free space to read into next. Moves to another buffer when the
   * current one is used up, too small for the frame in progress, or (with
   * `reuseBuffer`, between frames) of another size than the reads call for.
   *
   * @throws {ProtocolError} when the pending frame's header announces more
   * than {@linkcode FrameReader.maxFrameSize}.
   */
  readable(): Uint8Array {
    const pending = this.#end - this.#start;
    const readSize = this.#readSize;
    const minRoom = readSize >> 2;
    const free = this.#buffer.length - this.#end;
    if (pending >= HEADER_SIZE) {
      const total = HEADER_SIZE + this.#peekLength();
      const need = total - pending;
      if (need > 0) {
        // An incomplete frame: a buffer of the read size, or for a larger
        // frame one that grows with the bytes received, to at most twice
        // them and at most the frame.
        if (free < minRoom && (free < need || this.#buffer.length < readSize)) {
          const wanted = Math.min(total, Math.max(2 * pending, pending + minRoom));
          this.#moveTo(
            wanted <= readSize ? readSize : wanted <= MAX_READ_SIZE ? poolSize(wanted) : wanted,
          );
        }
      } else if (free < minRoom) {
        // Complete frames not taken yet (push() without next()): grow
        // geometrically, so that pushing n bytes copies O(n) in all.
        const size = Math.max(readSize, 2 * pending + minRoom);
        this.#moveTo(size <= MAX_READ_SIZE ? poolSize(size) : size);
      }
    } else if (pending === 0 && this.#reuse) {
      if (this.#buffer.length !== readSize) this.#moveTo(readSize);
      else this.#start = this.#end = 0;
    } else if (free < minRoom) {
      this.#moveTo(readSize);
    }
    const region = this.#buffer.subarray(this.#end);
    this.#offered = region.length;
    return region;
  }

  /**
   * Records that `count` bytes were written to the start of the last
   * {@linkcode FrameReader.readable} region.
   */
  commit(count: number): void {
    this.#end += count;
    const readSize = this.#readSize;
    if (count >= this.#offered) {
      this.#smallReads = 0;
      if (readSize < MAX_READ_SIZE) this.#readSize = readSize << 1;
    } else if (count >= readSize >> 2) {
      this.#smallReads = 0;
    } else if (++this.#smallReads === 2) {
      // Two small reads in a row: a smaller buffer does.
      this.#smallReads = 0;
      if (readSize > MIN_READ_SIZE) this.#readSize = readSize >> 1;
    }
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
   * never written again (with `reuseBuffer`: until the next `readable()`,
   * `push()` or `release()`), or `undefined` when no complete frame is
   * buffered.
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

  /**
   * Lets go of the receive buffer and any bytes in it (with `reuseBuffer`,
   * the buffer goes back to the pool): for a reader whose connection is
   * closed. The reader stays usable and takes a new buffer when read again.
   */
  release(): void {
    if (this.#reuse) giveBuffer(this.#buffer.buffer);
    this.#buffer = EMPTY;
    this.#start = this.#end = 0;
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
   * Moves the unconsumed bytes to the start of a buffer of `size` bytes: with
   * `reuseBuffer`, the current one when it has that size, else one from the
   * pool, the old one going back to it.
   */
  #moveTo(size: number): void {
    const buffer = this.#buffer;
    const start = this.#start;
    const pending = this.#end - start;
    if (this.#reuse && buffer.length === size) {
      if (pending > 0) buffer.copyWithin(0, start, this.#end);
    } else {
      const next = takeBuffer(size);
      if (pending > 0) next.set(buffer.subarray(start, this.#end));
      if (this.#reuse) giveBuffer(buffer.buffer);
      this.#buffer = next;
    }
    this.#start = 0;
    this.#end = pending;
  }
}
