/**
 * The MsgPack codec, byte-compatible with Python aiomas' `MsgPack`.
 *
 * @module
 */

import { toRegistry } from "./_registry.ts";
import type { Codec, CodecClass } from "./codec.ts";
import { addFastPaths, withoutDetachedDecode } from "./_fast_paths.ts";
import type { Serializer, SerializerRegistry } from "./serializers.ts";
import { encodeMsgPack, encodeMsgPackTransient } from "./_msgpack_encoder.ts";
import { decodeMsgPack } from "./_msgpack_decoder.ts";

/** Options of {@linkcode MsgPack}. */
export interface MsgPackOptions {
  /**
   * Whether decoded bin values are views into the input instead of copies.
   * A view saves a copy but shares its `buffer` with the rest of the input
   * (so `byteOffset` is not 0 and `buffer.byteLength` is not the value's
   * length), keeps all of the input alive while it lives, and changes when
   * the input is written to. Over a channel, each frame then gets a buffer
   * of its own instead of the channel's reused read buffer.
   *
   * @default {false}
   */
  readonly zeroCopy?: boolean;
}

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
 * error); bin as a `Uint8Array` that owns its memory (`byteOffset` 0,
 * `buffer.byteLength` its length, so `new Float64Array(bytes.buffer)` sees
 * exactly the value; {@linkcode MsgPackOptions.zeroCopy} makes it a view into
 * the input instead); arrays as arrays; maps as plain objects when every key
 * is a string (a `__proto__` key becomes an own property) and as a `Map`
 * otherwise, so int keys survive; every map with a `__type__` key is
 * replaced by `serializers.deserialize(...)`. Ext types,
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
  readonly #copyBin: boolean;

  static {
    addFastPaths(MsgPack, {
      transientEncode(value) {
        return encodeMsgPackTransient(value, this.serializers);
      },
      detachedDecode(data) {
        return decodeMsgPack(data, this.serializers, true);
      },
    });
  }

  /**
   * Creates a MsgPack codec.
   *
   * @param serializers A registry, or serializers to register in type id
   * order. Default: none.
   * @param options Whether decoded bytes are views ({@linkcode MsgPackOptions}).
   */
  constructor(
    serializers?: SerializerRegistry | readonly Serializer[],
    options: MsgPackOptions = {},
  ) {
    this.serializers = toRegistry(serializers);
    this.#copyBin = options.zeroCopy !== true;
    if (!this.#copyBin) withoutDetachedDecode(this);
  }

  /**
   * A codec class with fixed options, to pass as the `codec` option of
   * channels, RPC and containers.
   *
   * @example Bytes as views into the input
   * ```ts
   * import { strictEqual as assertEquals } from "node:assert/strict";
   * import { MsgPack } from "@denomas/denomas/codecs";
   *
   * const ZeroCopy = MsgPack.configure({ zeroCopy: true });
   * const data = new MsgPack().encode([new Uint8Array([1, 2, 3])]).slice();
   * const [view] = new ZeroCopy().decode(data) as [Uint8Array];
   * assertEquals(view.buffer, data.buffer);
   * const [copy] = new MsgPack().decode(data) as [Uint8Array];
   * assertEquals(copy.buffer.byteLength, 3);
   * ```
   *
   * @param options The options every instance gets.
   * @returns A class whose constructor takes only the serializers.
   */
  static configure(options: MsgPackOptions): CodecClass {
    const fixed = { ...options };
    return class extends MsgPack {
      constructor(serializers?: SerializerRegistry | readonly Serializer[]) {
        super(serializers, fixed);
      }
    };
  }

  /**
   * Encodes `value`.
   *
   * @throws {CodecError} when a part of `value` cannot be written.
   */
  encode(value: unknown): Uint8Array {
    return encodeMsgPack(value, this.serializers);
  }

  /**
   * Decodes one value that fills `data` exactly.
   *
   * @throws {CodecError} for malformed, truncated or trailing data and for
   * unknown type ids.
   */
  decode(data: Uint8Array): unknown {
    return decodeMsgPack(data, this.serializers, this.#copyBin);
  }
}
