/**
 * The MsgPack writer behind {@linkcode MsgPack}.
 *
 * Speed comes from a position scheme (as in msgpackr): values are written
 * into one shared chunk, each result is a `subarray` of it, and the next call
 * starts where the last one ended. Results are never overwritten; when a chunk
 * is full, a new one of the same size is taken and the old one lives on only
 * as long as the results that point into it. A message that does not fit
 * makes a chunk of 4x its size (as msgpackr does), so that the next messages
 * of that size fit too; after a chunk above 8 MiB the next one is small
 * again. Strings below 64 UTF-16 units are written by a
 * JS loop (no call into `TextEncoder`), longer ones with one shared
 * `TextEncoder.encodeInto`. A transient encoder (for the channel, which
 * copies payloads into its write batch at once) writes every result at the
 * start of one reused scratch buffer instead.
 *
 * @module
 */

import { CodecError } from "./errors.ts";
import { type SerializerRegistry, TYPE_KEY } from "./serializers.ts";
import { describeValue } from "../internal/inspect.ts";

/** The size of a fresh chunk; small results share one. */
const CHUNK_SIZE = 0x4000;
/** A chunk with less room than this left is not started in. */
const MIN_ROOM = 0x800;
/** Chunks above this size are not kept for later calls (so they are not held alive by small results). */
const KEEP_LIMIT = 0x800000;
/** A transient encoder keeps a scratch buffer up to this size between calls. */
const TRANSIENT_KEEP = 0x100000;
/** Strings shorter than this (in UTF-16 units) are encoded by the JS loop. */
const JS_UTF8_LIMIT = 64;

const textEncoder = new TextEncoder();
const objectProto = Object.prototype;
const TWO_32 = 0x100000000;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;
/** The key of a tag, `fixstr "__type__"`, written between the `0x81` map and `0x92` array headers. */
const TYPE_KEY_BYTES = Uint8Array.from([0xa8, ...new TextEncoder().encode(TYPE_KEY)]);

/** Writes values; one instance is shared by every {@linkcode MsgPack}. */
export class Encoder {
  buf: Uint8Array = new Uint8Array(CHUNK_SIZE);
  view: DataView = new DataView(this.buf.buffer);
  pos = 0;
  start = 0;
  registry: SerializerRegistry | undefined = undefined;
  /** True while an `encode` runs; a serializer that encodes again gets its own encoder. */
  busy = false;
  /**
   * A transient encoder writes every result at the start of one scratch
   * buffer: a result is only valid until the next call.
   */
  readonly transient: boolean;

  constructor(transient = false) {
    this.transient = transient;
  }

  encode(value: unknown, registry: SerializerRegistry): Uint8Array {
    this.busy = true;
    this.registry = registry;
    if (this.transient) this.pos = 0;
    this.start = this.pos;
    try {
      this.write(value);
    } catch (error) {
      this.pos = this.start;
      throw wrapError(error);
    } finally {
      this.busy = false;
      this.registry = undefined;
    }
    const start = this.start;
    const end = this.pos;
    const result = this.buf.subarray(start, end);
    if (this.transient) {
      // Keep the scratch buffer for the next call, unless it grew very large.
      if (this.buf.length > TRANSIENT_KEEP) {
        this.buf = new Uint8Array(CHUNK_SIZE);
        this.view = new DataView(this.buf.buffer);
      }
      this.pos = 0;
    } else if (this.buf.length - end < MIN_ROOM || this.buf.length > KEEP_LIMIT) {
      // Leave the chunk to the results in it; the next call takes a fresh one
      // of the same size (messages that grew it are likely to come again).
      this.buf = new Uint8Array(this.buf.length > KEEP_LIMIT ? CHUNK_SIZE : this.buf.length);
      this.view = new DataView(this.buf.buffer);
      this.pos = 0;
    } else {
      // Keep 8-byte alignment between results (cheaper copies).
      this.pos = (end + 7) & ~7;
    }
    return result;
  }

  /**
   * Makes room for `n` more bytes: moves the current result to a new chunk
   * with room to spare (4x, as msgpackr does), so that the next calls write
   * into it without growing again.
   */
  grow(n: number): void {
    const used = this.pos - this.start;
    const needed = used + n;
    const wanted = needed > KEEP_LIMIT ? needed + Math.floor(needed / 4) : needed * 4;
    const size = Math.max(CHUNK_SIZE, Math.ceil(wanted / 4096) * 4096);
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(this.start, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.start = 0;
    this.pos = used;
  }

  write(value: unknown): void {
    switch (typeof value) {
      case "string":
        return this.writeString(value);
      case "number":
        return this.writeNumber(value);
      case "boolean":
        if (this.pos + 1 > this.buf.length) this.grow(1);
        this.buf[this.pos++] = value ? 0xc3 : 0xc2;
        return;
      case "object":
        if (value === null) {
          if (this.pos + 1 > this.buf.length) this.grow(1);
          this.buf[this.pos++] = 0xc0;
          return;
        }
        return this.writeObject(value);
      case "undefined":
        if (this.pos + 1 > this.buf.length) this.grow(1);
        this.buf[this.pos++] = 0xc0;
        return;
      case "bigint":
        return this.writeBigInt(value);
      default:
        return this.writeTagged(value as object);
    }
  }

  writeNumber(value: number): void {
    if (this.pos + 9 > this.buf.length) this.grow(9);
    const buf = this.buf;
    let pos = this.pos;
    if ((value >>> 0) === value && (value !== 0 || 1 / value > 0)) {
      if (value < 0x80) {
        buf[pos++] = value;
      } else if (value < 0x100) {
        buf[pos++] = 0xcc;
        buf[pos++] = value;
      } else if (value < 0x10000) {
        buf[pos++] = 0xcd;
        buf[pos++] = value >>> 8;
        buf[pos++] = value;
      } else {
        buf[pos++] = 0xce;
        buf[pos++] = value >>> 24;
        buf[pos++] = value >>> 16;
        buf[pos++] = value >>> 8;
        buf[pos++] = value;
      }
    } else if ((value | 0) === value && value !== 0) {
      if (value >= -0x20) {
        buf[pos++] = value & 0xff;
      } else if (value >= -0x80) {
        buf[pos++] = 0xd0;
        buf[pos++] = value;
      } else if (value >= -0x8000) {
        buf[pos++] = 0xd1;
        buf[pos++] = value >> 8;
        buf[pos++] = value;
      } else {
        buf[pos++] = 0xd2;
        buf[pos++] = value >> 24;
        buf[pos++] = value >> 16;
        buf[pos++] = value >> 8;
        buf[pos++] = value;
      }
    } else if (Number.isSafeInteger(value) && value !== 0) {
      // Beyond 32 bits: uint64 for positive, int64 for negative values.
      const high = Math.floor(value / TWO_32);
      const low = value - high * TWO_32;
      buf[pos++] = value > 0 ? 0xcf : 0xd3;
      pos = putU64(buf, pos, high, low);
    } else {
      // Non-integral, -0, NaN, infinities and integral values beyond 2^53.
      buf[pos] = 0xcb;
      this.view.setFloat64(pos + 1, value);
      pos += 9;
    }
    this.pos = pos;
  }

  writeBigInt(value: bigint): void {
    if (value >= -0x1fffffffffffffn && value <= 0x1fffffffffffffn) {
      return this.writeNumber(Number(value));
    }
    if (value < INT64_MIN || value > UINT64_MAX) {
      throw new CodecError(
        `MsgPack integers must fit in int64/uint64, got ${value} (send it as text or with a serializer)`,
      );
    }
    if (this.pos + 9 > this.buf.length) this.grow(9);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = value > 0n ? 0xcf : 0xd3;
    const bits = BigInt.asUintN(64, value);
    const high = Number(bits >> 32n);
    const low = Number(bits & 0xffffffffn);
    pos = putU64(buf, pos, high, low);
    this.pos = pos;
  }

  writeString(value: string): void {
    const length = value.length;
    // UTF-8 needs at most 3 bytes per UTF-16 unit; plus a 5-byte header.
    const maxBytes = length * 3;
    if (this.pos + maxBytes + 5 > this.buf.length) this.grow(maxBytes + 5);
    const buf = this.buf;
    const pos = this.pos;
    // The byte length is at least the unit count, so this header size is a
    // lower bound; the text moves right if the real length needs more.
    const headerSize = length < 0x20 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
    let at = pos + headerSize;
    if (length < JS_UTF8_LIMIT) {
      for (let i = 0; i < length; i++) {
        let c = value.charCodeAt(i);
        if (c < 0x80) {
          buf[at++] = c;
        } else if (c < 0x800) {
          buf[at++] = 0xc0 | (c >> 6);
          buf[at++] = 0x80 | (c & 0x3f);
        } else {
          if ((c & 0xfc00) === 0xd800 && i + 1 < length) {
            const next = value.charCodeAt(i + 1);
            if ((next & 0xfc00) === 0xdc00) {
              i++;
              c = 0x10000 + ((c & 0x3ff) << 10) + (next & 0x3ff);
              buf[at++] = 0xf0 | (c >> 18);
              buf[at++] = 0x80 | ((c >> 12) & 0x3f);
              buf[at++] = 0x80 | ((c >> 6) & 0x3f);
              buf[at++] = 0x80 | (c & 0x3f);
              continue;
            }
          }
          // A lone surrogate becomes U+FFFD, as TextEncoder does.
          if ((c & 0xf800) === 0xd800) c = 0xfffd;
          buf[at++] = 0xe0 | (c >> 12);
          buf[at++] = 0x80 | ((c >> 6) & 0x3f);
          buf[at++] = 0x80 | (c & 0x3f);
        }
      }
    } else {
      at += textEncoder.encodeInto(value, buf.subarray(at)).written;
    }
    const size = at - pos - headerSize;
    if (size < 0x20) {
      buf[pos] = 0xa0 | size;
    } else if (size < 0x100) {
      if (headerSize < 2) buf.copyWithin(pos + 2, pos + 1, at++);
      buf[pos] = 0xd9;
      buf[pos + 1] = size;
    } else if (size < 0x10000) {
      if (headerSize < 3) {
        buf.copyWithin(pos + 3, pos + headerSize, at);
        at += 3 - headerSize;
      }
      buf[pos] = 0xda;
      buf[pos + 1] = size >>> 8;
      buf[pos + 2] = size;
    } else {
      if (headerSize < 5) {
        buf.copyWithin(pos + 5, pos + headerSize, at);
        at += 5 - headerSize;
      }
      buf[pos] = 0xdb;
      buf[pos + 1] = size >>> 24;
      buf[pos + 2] = size >>> 16;
      buf[pos + 3] = size >>> 8;
      buf[pos + 4] = size;
    }
    this.pos = at;
  }

  writeObject(value: object): void {
    if (Array.isArray(value)) {
      const length = value.length;
      this.writeHeader(length, 0x90, 0xdc);
      for (let i = 0; i < length; i++) {
        const item = value[i];
        if (typeof item === "number") {
          // Inline path for non-integral numbers (long float arrays are common).
          const pos = this.pos;
          if (!Number.isInteger(item) && pos + 9 <= this.buf.length) {
            this.buf[pos] = 0xcb;
            this.view.setFloat64(pos + 1, item);
            this.pos = pos + 9;
          } else {
            this.writeNumber(item);
          }
        } else {
          this.write(item);
        }
      }
      return;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto === objectProto || proto === null) {
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      const length = keys.length;
      this.writeHeader(length, 0x80, 0xde);
      for (let i = 0; i < length; i++) {
        const key = keys[i];
        this.writeString(key);
        this.write(record[key]);
      }
      return;
    }
    if (value instanceof Uint8Array) return this.writeBin(value);
    if (value instanceof Map) {
      this.writeHeader(value.size, 0x80, 0xde);
      for (const [k, v] of value) {
        this.write(k);
        this.write(v);
      }
      return;
    }
    return this.writeTagged(value);
  }

  /** Writes a fix/16/32 array or map header (`fix` 0x90 or 0x80, `h16` 0xdc or 0xde). */
  writeHeader(length: number, fix: number, h16: number): void {
    if (this.pos + 5 > this.buf.length) this.grow(5);
    const buf = this.buf;
    if (length < 16) {
      buf[this.pos++] = fix | length;
    } else if (length < 0x10000) {
      buf[this.pos++] = h16;
      buf[this.pos++] = length >>> 8;
      buf[this.pos++] = length;
    } else {
      buf[this.pos++] = h16 + 1;
      buf[this.pos++] = length >>> 24;
      buf[this.pos++] = length >>> 16;
      buf[this.pos++] = length >>> 8;
      buf[this.pos++] = length;
    }
  }

  writeBin(value: Uint8Array): void {
    const length = value.length;
    if (length > 0xffffffff) {
      throw new CodecError(`MsgPack bin is limited to 4 GiB, got ${length} bytes`);
    }
    if (this.pos + length + 5 > this.buf.length) this.grow(length + 5);
    const buf = this.buf;
    if (length < 0x100) {
      buf[this.pos++] = 0xc4;
      buf[this.pos++] = length;
    } else if (length < 0x10000) {
      buf[this.pos++] = 0xc5;
      buf[this.pos++] = length >>> 8;
      buf[this.pos++] = length;
    } else {
      buf[this.pos++] = 0xc6;
      buf[this.pos++] = length >>> 24;
      buf[this.pos++] = length >>> 16;
      buf[this.pos++] = length >>> 8;
      buf[this.pos++] = length;
    }
    buf.set(value, this.pos);
    this.pos += length;
  }

  /** Writes `{"__type__": [typeid, data]}` through the registry, or fails. */
  writeTagged(value: object): void {
    // `busy` stays set: a serializer that encodes on its own gets a fresh encoder.
    const tag = typeof value === "object" || typeof value === "function"
      ? this.registry!.serialize(value)
      : undefined;
    if (tag === undefined) throw cannotWrite(value);
    if (this.pos + 11 > this.buf.length) this.grow(11);
    this.buf[this.pos++] = 0x81;
    this.buf.set(TYPE_KEY_BYTES, this.pos);
    this.pos += TYPE_KEY_BYTES.length;
    this.buf[this.pos++] = 0x92;
    this.writeNumber(tag[0]);
    this.write(tag[1]);
  }
}

function cannotWrite(value: unknown): CodecError {
  const hint = ArrayBuffer.isView(value)
    ? " (only Uint8Array is written as bin: wrap the bytes with new Uint8Array(view.buffer, view.byteOffset, view.byteLength), or register a serializer)"
    : " (register a serializer for it in extraSerializers)";
  return new CodecError(`MsgPack cannot write ${describeValue(value)}${hint}`);
}

function wrapError(error: unknown): CodecError {
  if (error instanceof CodecError) return error;
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return new CodecError("MsgPack cannot write a cyclic or too deeply nested value", {
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CodecError(`MsgPack encoding failed: ${message}`, { cause: error });
}

const shared = new Encoder();

/** Encodes `value` with the shared encoder (or a fresh one when called from a serializer). */
export function encodeMsgPack(value: unknown, registry: SerializerRegistry): Uint8Array {
  return (shared.busy ? new Encoder() : shared).encode(value, registry);
}

const scratch = new Encoder(true);

/**
 * Encodes `value` into a reused scratch buffer: the result is only valid
 * until the next call (a serializer that encodes meanwhile gets its own
 * encoder).
 */
export function encodeMsgPackTransient(value: unknown, registry: SerializerRegistry): Uint8Array {
  return (scratch.busy ? new Encoder() : scratch).encode(value, registry);
}

/** Writes a 64-bit big-endian integer from its two 32-bit halves; returns the next position. */
function putU64(buf: Uint8Array, pos: number, high: number, low: number): number {
  buf[pos] = high >>> 24;
  buf[pos + 1] = high >>> 16;
  buf[pos + 2] = high >>> 8;
  buf[pos + 3] = high;
  buf[pos + 4] = low >>> 24;
  buf[pos + 5] = low >>> 16;
  buf[pos + 6] = low >>> 8;
  buf[pos + 7] = low;
  return pos + 8;
}
