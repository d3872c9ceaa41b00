/**
 * The MsgPack reader behind {@linkcode MsgPack}.
 *
 * Every read is bounds-checked against the input, and every length from the
 * input is checked against the bytes that remain before anything is
 * allocated, so a hostile frame can neither read out of bounds nor make us
 * allocate more than its own size. Short ASCII strings are built in JS, and
 * short map keys go through a small cache so repeated keys reuse one string.
 *
 * @module
 */

import { CodecError } from "./errors.ts";
import { type SerializerRegistry, TYPE_KEY } from "./serializers.ts";

/** Strings up to this many bytes are decoded in JS when they are ASCII. */
const JS_ASCII_LIMIT = 32;
/** Map keys up to this many bytes go through the key cache. */
const KEY_CACHE_LIMIT = 16;
const KEY_CACHE_SIZE = 4096;
/** Buffers up to this size keep their DataView between calls. */
const VIEW_CACHE_LIMIT = 0x100000;

/**
 * Decoding with `fatal: true` costs up to 10x more than without, so strings
 * are decoded leniently and checked for U+FFFD (the replacement character);
 * only a string holding one is decoded again strictly to tell.
 */
const textDecoder = new TextDecoder("utf-8", { ignoreBOM: true });
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const fromCharCode = String.fromCharCode;
const TWO_32 = 0x100000000;
/** `CODE_ARRAYS[n]` is a reused array of `n` char codes. */
const CODE_ARRAYS: number[][] = Array.from(
  { length: JS_ASCII_LIMIT + 1 },
  (_, n) => new Array(n).fill(0),
);

/** One slot of the key cache: the bytes of a key and its string. */
interface KeyEntry {
  bytes: Uint8Array;
  value: string;
}

// The DataView of the last buffer that held a float: consecutive frames often share one.
let lastBuffer: ArrayBufferLike | undefined;
let lastView: DataView | undefined;

const keyCache: (KeyEntry | undefined)[] = new Array(KEY_CACHE_SIZE);

/** Reads values; one instance is shared by every {@linkcode MsgPack}. */
export class Decoder {
  src: Uint8Array = new Uint8Array(0);
  pos = 0;
  end = 0;
  /** A view of the buffer under `src` for floats, set on the first float of each call. */
  view: DataView | undefined = undefined;
  /** Where `src` starts in the buffer `view` covers. */
  viewBase = 0;
  registry: SerializerRegistry | undefined = undefined;
  /** True while a `decode` runs; a serializer that decodes again gets its own decoder. */
  busy = false;
  /** Whether bin values are copies (else views into the input). */
  copyBin = false;

  decode(data: Uint8Array, registry: SerializerRegistry, copyBin: boolean): unknown {
    if (!(data instanceof Uint8Array)) {
      throw new CodecError(`MsgPack decodes a Uint8Array, got ${typeof data}`);
    }
    this.busy = true;
    this.src = data;
    this.pos = 0;
    this.end = data.length;
    this.view = undefined;
    this.registry = registry;
    this.copyBin = copyBin;
    try {
      if (this.end === 0) throw new CodecError("MsgPack data is empty");
      const value = this.read();
      if (this.pos !== this.end) {
        throw new CodecError(
          `MsgPack data has ${
            this.end - this.pos
          } trailing bytes after the value (at offset ${this.pos})`,
        );
      }
      return value;
    } catch (error) {
      throw wrapError(error);
    } finally {
      this.busy = false;
      this.registry = undefined;
      this.src = EMPTY;
      this.view = undefined;
    }
  }

  truncated(need: number): never {
    throw new CodecError(
      `MsgPack data is truncated: needs ${need} more bytes at offset ${this.pos}, ${
        this.end - this.pos
      } left`,
    );
  }

  read(): unknown {
    if (this.pos >= this.end) this.truncated(1);
    const src = this.src;
    const type = src[this.pos++];
    if (type < 0x80) return type;
    if (type < 0x90) return this.readMap(type & 0x0f);
    if (type < 0xa0) return this.readArray(type & 0x0f);
    if (type < 0xc0) return this.readString(type & 0x1f);
    if (type >= 0xe0) return type - 0x100;
    switch (type) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.readBin(this.readLength(1));
      case 0xc5:
        return this.readBin(this.readLength(2));
      case 0xc6:
        return this.readBin(this.readLength(4));
      case 0xca:
        return this.readFloat32();
      case 0xcb:
        return this.readFloat64();
      case 0xcc:
        return this.readLength(1);
      case 0xcd:
        return this.readLength(2);
      case 0xce:
        return this.readLength(4);
      case 0xcf:
        return this.readUint64();
      case 0xd0: {
        const v = this.readLength(1);
        return v < 0x80 ? v : v - 0x100;
      }
      case 0xd1: {
        const v = this.readLength(2);
        return v < 0x8000 ? v : v - 0x10000;
      }
      case 0xd2:
        return this.readLength(4) | 0;
      case 0xd3:
        return this.readInt64();
      case 0xd9:
        return this.readString(this.readLength(1));
      case 0xda:
        return this.readString(this.readLength(2));
      case 0xdb:
        return this.readString(this.readLength(4));
      case 0xdc:
        return this.readArray(this.readLength(2));
      case 0xdd:
        return this.readArray(this.readLength(4));
      case 0xde:
        return this.readMap(this.readLength(2));
      case 0xdf:
        return this.readMap(this.readLength(4));
      default:
        this.pos--;
        throw new CodecError(
          `MsgPack type byte 0x${type.toString(16)} at offset ${this.pos} is not supported (${
            type === 0xc1 ? "never used" : "ext types are not part of the aiomas protocol"
          })`,
        );
    }
  }

  /** Reads a big-endian unsigned integer of `size` (1, 2 or 4) bytes. */
  readLength(size: number): number {
    const pos = this.pos;
    if (pos + size > this.end) this.truncated(size);
    const src = this.src;
    this.pos = pos + size;
    if (size === 1) return src[pos];
    if (size === 2) return (src[pos] << 8) | src[pos + 1];
    return ((src[pos] << 24) | (src[pos + 1] << 16) | (src[pos + 2] << 8) | src[pos + 3]) >>> 0;
  }

  readFloat64(): number {
    const pos = this.pos;
    if (pos + 8 > this.end) this.truncated(8);
    this.pos = pos + 8;
    return (this.view ?? this.makeView()).getFloat64(this.viewBase + pos);
  }

  readFloat32(): number {
    const pos = this.pos;
    if (pos + 4 > this.end) this.truncated(4);
    this.pos = pos + 4;
    return (this.view ?? this.makeView()).getFloat32(this.viewBase + pos);
  }

  /** A view of the whole buffer under `src`, reused while inputs share a buffer. */
  makeView(): DataView {
    const buffer = this.src.buffer;
    this.viewBase = this.src.byteOffset;
    if (buffer === lastBuffer) return (this.view = lastView!);
    const view = new DataView(buffer);
    // Only small buffers are kept for the next call, so a big one is not held alive.
    if (buffer.byteLength <= VIEW_CACHE_LIMIT) {
      lastBuffer = buffer;
      lastView = view;
    }
    return (this.view = view);
  }

  readUint64(): number | bigint {
    const high = this.readLength(4);
    const low = this.readLength(4);
    if (high < 0x200000) return high * TWO_32 + low;
    return (BigInt(high) << 32n) | BigInt(low);
  }

  readInt64(): number | bigint {
    const high = this.readLength(4) | 0;
    const low = this.readLength(4);
    const value = high * TWO_32 + low;
    if (Number.isSafeInteger(value)) return value;
    return (BigInt(high) << 32n) | BigInt(low);
  }

  readBin(length: number): Uint8Array {
    const pos = this.pos;
    if (pos + length > this.end) this.truncated(length);
    this.pos = pos + length;
    // A copy owns its buffer; a view (zero-copy) pins the input and shares its buffer.
    return this.copyBin ? this.src.slice(pos, pos + length) : this.src.subarray(pos, pos + length);
  }

  readString(length: number): string {
    const pos = this.pos;
    const end = pos + length;
    if (end > this.end) this.truncated(length);
    const src = this.src;
    if (length <= JS_ASCII_LIMIT) {
      // Collect the codes in a reused array of this exact length: one call
      // to String.fromCharCode, no intermediate strings.
      const codes = CODE_ARRAYS[length];
      for (let i = 0; i < length; i++) {
        const c = src[pos + i];
        if (c >= 0x80) return this.readUtf8(pos, end);
        codes[i] = c;
      }
      this.pos = end;
      return fromCharCode.apply(null, codes);
    }
    return this.readUtf8(pos, end);
  }

  readUtf8(pos: number, end: number): string {
    const bytes = this.src.subarray(pos, end);
    let s = textDecoder.decode(bytes);
    if (s.includes("\uFFFD")) {
      try {
        s = strictDecoder.decode(bytes);
      } catch (error) {
        throw new CodecError(`MsgPack str at offset ${pos} is not valid UTF-8`, { cause: error });
      }
    }
    this.pos = end;
    return s;
  }

  /** Reads a map key: short string keys come from the cache. */
  readKey(): unknown {
    const pos = this.pos;
    if (pos >= this.end) this.truncated(1);
    const src = this.src;
    const type = src[pos];
    let length: number;
    let start: number;
    if (type >= 0xa0 && type < 0xc0) {
      length = type & 0x1f;
      start = pos + 1;
    } else if (type === 0xd9 && pos + 1 < this.end) {
      length = src[pos + 1];
      start = pos + 2;
    } else {
      return this.read();
    }
    const end = start + length;
    if (length > KEY_CACHE_LIMIT || end > this.end) return this.read();
    let hash = length;
    for (let i = start; i < end; i++) hash = (Math.imul(hash, 31) + src[i]) | 0;
    const slot = (hash >>> 0) & (KEY_CACHE_SIZE - 1);
    const entry = keyCache[slot];
    if (entry !== undefined && entry.bytes.length === length) {
      const bytes = entry.bytes;
      let same = true;
      for (let i = 0; i < length; i++) {
        if (bytes[i] !== src[start + i]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.pos = end;
        return entry.value;
      }
    }
    this.pos = start;
    const value = this.readString(length);
    keyCache[slot] = { bytes: src.slice(start, end), value };
    return value;
  }

  readArray(length: number): unknown[] {
    // Every element takes at least one byte: refuse lengths the input cannot hold.
    if (length > this.end - this.pos) this.truncated(length);
    const array = new Array(length);
    const src = this.src;
    const end = this.end;
    for (let i = 0; i < length; i++) {
      // Inline fast paths for the usual items of number arrays.
      const pos = this.pos;
      const type = pos < end ? src[pos] : -1;
      if (type >= 0 && type < 0x80) {
        array[i] = type;
        this.pos = pos + 1;
      } else if (type === 0xcb && pos + 9 <= end) {
        array[i] = (this.view ?? this.makeView()).getFloat64(this.viewBase + pos + 1);
        this.pos = pos + 9;
      } else {
        array[i] = this.read();
      }
    }
    return array;
  }

  readMap(length: number): unknown {
    if (length * 2 > this.end - this.pos) this.truncated(length * 2);
    const object: Record<string, unknown> = {};
    let tagged = false;
    for (let i = 0; i < length; i++) {
      const key = this.readKey();
      if (typeof key !== "string") return this.readMapAsMap(object, key, length - i);
      const value = this.read();
      if (key === "__proto__") {
        Object.defineProperty(object, key, {
          value,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      } else {
        if (key === TYPE_KEY) tagged = true;
        object[key] = value;
      }
    }
    return tagged ? this.untag(object[TYPE_KEY]) : object;
  }

  /** Continues a map whose key `key` is not a string, as a `Map`. */
  readMapAsMap(
    object: Record<string, unknown>,
    key: unknown,
    remaining: number,
  ): Map<unknown, unknown> | unknown {
    const map = new Map<unknown, unknown>(Object.entries(object));
    map.set(key, this.read());
    for (let i = 1; i < remaining; i++) {
      const k = this.readKey();
      map.set(k, this.read());
    }
    return map.has(TYPE_KEY) ? this.untag(map.get(TYPE_KEY)) : map;
  }

  untag(tag: unknown): unknown {
    // A serializer that decodes on its own gets a fresh decoder (`busy` is set).
    return this.registry!.deserialize(tag);
  }
}

const EMPTY = new Uint8Array(0);

function wrapError(error: unknown): CodecError {
  if (error instanceof CodecError) return error;
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return new CodecError("MsgPack data is nested too deeply", { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CodecError(`MsgPack decoding failed: ${message}`, { cause: error });
}

const shared = new Decoder();

/**
 * Decodes `data` with the shared decoder (or a fresh one when called from a
 * serializer); bin values are copies unless `copyBin` is false.
 */
export function decodeMsgPack(
  data: Uint8Array,
  registry: SerializerRegistry,
  copyBin: boolean,
): unknown {
  return (shared.busy ? new Decoder() : shared).decode(data, registry, copyBin);
}
