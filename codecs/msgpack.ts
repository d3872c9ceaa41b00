/**
 * The MsgPack codec, byte-compatible with Python aiomas' `MsgPack`.
 *
 * @module
 */

import { toRegistry } from "./_registry.ts";
import { type Codec, DETACHED_DECODE, TRANSIENT_ENCODE } from "./codec.ts";
import type { Serializer, SerializerRegistry } from "./serializers.ts";
import { encodeMsgPack, encodeMsgPackTransient } from "./_msgpack_encoder.ts";
import { decodeMsgPack, decodeMsgPackDetached } from "./_msgpack_decoder.ts";

/**
 * MsgPack as Python's `msgpack.packb(data, use_bin_type=True)` writes it.
 *
 * What is written:
 * - `null` and `undefined` as nil, booleans as true/false;
 * - safe integers (`Number.isSafeInteger`) in the smallest int format
 *   (positive fixint, uint8…uint64 for positive values, negative fixint,
 *   int8…int64 for negative ones), as Python does;
 * - every other number (non-integral, `-0`, `NaN`, `±Infinity`, integral
 *   values beyond 2^53) as float64;
 * - `bigint` as an int (smallest format) when it fits in int64/uint64, else a
 *   {@linkcode CodecError};
 * - strings as str (UTF-8; a lone surrogate becomes U+FFFD), `Uint8Array`
 *   (and subclasses such as `Buffer`) as bin. Other typed arrays and
 *   `DataView`s are refused with a `CodecError` instead of being silently
 *   turned into bytes, since they would come back as a `Uint8Array`: wrap
 *   them yourself or register a serializer;
 * - arrays as array, plain objects (own enumerable string keys) and `Map`s as
 *   map;
 * - any other object through the serializer registry as
 *   `{"__type__": [typeid, data]}`, or a `CodecError` when none matches.
 *
 * What is read: ints as numbers, or `bigint` outside the safe range; floats
 * (float64 and float32) as numbers; str as strings (invalid UTF-8 is an
 * error); bin as a `Uint8Array` **view into the input** (no copy: do not reuse
 * the input buffer while decoded values are alive); arrays as arrays; maps as
 * plain objects when every key is a string (a `__proto__` key becomes an own
 * property) and as a `Map` otherwise, so int keys survive; every map with a
 * `__type__` key is replaced by `serializers.deserialize(...)`. Ext types,
 * the unused byte 0xc1, truncated data and trailing bytes are rejected with a
 * `CodecError`.
 *
 * A Python float with an integral value (`2.0`) arrives as the JS number `2`
 * and is written back as the int `2`: JS has one number type.
 *
 * Encoded results are views into a shared chunk of memory that later calls
 * never overwrite (allocating a buffer per message would cost more than the
 * encoding). A result keeps its chunk alive while it lives: 16 KiB, or 4x the
 * largest recent message up to 8 MiB. Copy it (`bytes.slice()`) to keep it
 * long, and never transfer its `buffer`.
 *
 * @example Round trip
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { MsgPack } from "@denomas/denomas/codecs";
 *
 * const codec = new MsgPack();
 * const bytes = codec.encode([0, 17, ["agents/3/method", [1, 2.5, "x"], {}]]);
 * assertEquals(bytes[0], 0x93);
 * assertEquals(codec.decode(bytes), [0, 17, ["agents/3/method", [1, 2.5, "x"], {}]]);
 * assertEquals(codec.decode(codec.encode(new Map([[1, "one"]]))), new Map([[1, "one"]]));
 * assertEquals(codec.decode(codec.encode(2n ** 63n)), 2n ** 63n);
 * ```
 */
export class MsgPack implements Codec {
  /** The wire name, `"msgpack"`. */
  readonly name: string = "msgpack";
  /** The extra serializers of this instance. */
  readonly serializers: SerializerRegistry;

  /**
   * Creates a MsgPack codec.
   *
   * @param serializers A registry, or serializers to register in type id
   * order. Default: none.
   */
  constructor(serializers?: SerializerRegistry | readonly Serializer[]) {
    this.serializers = toRegistry(serializers);
  }

  /**
   * Encodes `value`.
   *
   * @throws {CodecError} when a part of `value` cannot be written.
   */
  encode(value: unknown): Uint8Array {
    return encodeMsgPack(value, this.serializers);
  }

  /** Internal: `encode` into a reused buffer, valid until the next transient encode. */
  [TRANSIENT_ENCODE](value: unknown): Uint8Array {
    return encodeMsgPackTransient(value, this.serializers);
  }

  /**
   * Decodes one value that fills `data` exactly.
   *
   * @throws {CodecError} for malformed, truncated or trailing data and for
   * unknown type ids.
   */
  decode(data: Uint8Array): unknown {
    return decodeMsgPack(data, this.serializers);
  }

  /** Internal: `decode` with bin values copied, so that `data` may be reused. */
  [DETACHED_DECODE](data: Uint8Array): unknown {
    return decodeMsgPackDetached(data, this.serializers);
  }
}
