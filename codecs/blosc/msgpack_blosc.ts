/**
 * The `MsgPackBlosc` codec of aiomas: MsgPack bytes in a Blosc-1 frame.
 *
 * @module
 */

import type { Codec, CodecClass } from "../codec.ts";
import { MsgPack } from "../msgpack.ts";
import type { Serializer, SerializerRegistry } from "../serializers.ts";
import { compress, type CompressOptions } from "./compress.ts";
import { decompress, type DecompressOptions } from "./decompress.ts";

/** Options of {@linkcode MsgPackBlosc.configure}: compression and the size limit. */
export interface MsgPackBloscOptions extends CompressOptions, DecompressOptions {}

/**
 * MsgPack compressed with Blosc-1, as Python aiomas' `MsgPackBlosc` writes it
 * (`blosc.compress(msgpack_bytes, typesize=8)`: level 9, byte shuffle,
 * BloscLZ). Messages under 128 bytes or that do not compress travel as
 * memcpyed frames, exactly as python-blosc sends them. Decoding accepts any
 * Blosc-1 frame (see {@linkcode decompress}) up to
 * {@linkcode DEFAULT_MAX_DECOMPRESSED_SIZE} bytes of MsgPack, then reads it
 * like {@linkcode MsgPack}.
 *
 * @example Round trip
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { MsgPackBlosc } from "@denomas/denomas/codecs/blosc";
 *
 * const codec = new MsgPackBlosc();
 * const message = [0, 1, ["series", [Array.from({ length: 1000 }, (_, i) => i * 0.5)], {}]];
 * const bytes = codec.encode(message);
 * assertEquals(bytes[0], 2); // a Blosc-1 frame
 * assertEquals(codec.decode(bytes), message);
 * ```
 */
export class MsgPackBlosc implements Codec {
  /** The wire name, `"msgpackblosc"`. */
  readonly name: string = "msgpackblosc";
  /** The extra serializers of this instance (shared with its MsgPack codec). */
  readonly serializers: SerializerRegistry;
  readonly #msgpack: MsgPack;
  readonly #options: MsgPackBloscOptions;

  /**
   * Creates a codec for one connection.
   *
   * @param serializers A registry, or serializers to register in type id
   * order. Default: none.
   * @param options Compression options and the decompressed size limit.
   * Default: python-blosc's settings and 256 MiB.
   */
  constructor(
    serializers?: SerializerRegistry | readonly Serializer[],
    options: MsgPackBloscOptions = {},
  ) {
    this.#msgpack = new MsgPack(serializers);
    this.serializers = this.#msgpack.serializers;
    this.#options = { ...options };
  }

  /**
   * A codec class with fixed options, to pass as the `codec` option of
   * channels, RPC and containers.
   *
   * @example A lower size limit and LZ4
   * ```ts
   * import { deepStrictEqual as assertEquals } from "node:assert/strict";
   * import { MsgPackBlosc } from "@denomas/denomas/codecs/blosc";
   *
   * const Codec = MsgPackBlosc.configure({ compressor: "lz4", maxSize: 1 << 20 });
   * const codec = new Codec();
   * assertEquals(codec.name, "msgpackblosc");
   * assertEquals(codec.decode(codec.encode({ a: "x".repeat(500) })), { a: "x".repeat(500) });
   * ```
   *
   * @param options Compression options and the decompressed size limit.
   * @returns A class whose constructor takes only the serializers.
   */
  static configure(options: MsgPackBloscOptions): CodecClass {
    const fixed = { ...options };
    return class extends MsgPackBlosc {
      constructor(serializers?: SerializerRegistry | readonly Serializer[]) {
        super(serializers, fixed);
      }
    };
  }

  /**
   * Encodes `value` as MsgPack and compresses it into one Blosc-1 frame.
   *
   * @throws {CodecError} when a part of `value` cannot be written.
   */
  encode(value: unknown): Uint8Array {
    return compress(this.#msgpack.encode(value), this.#options);
  }

  /**
   * Decompresses one Blosc-1 frame that fills `data` exactly and decodes the
   * MsgPack inside.
   *
   * @throws {CodecError} for a malformed or oversized frame, and for
   * malformed MsgPack or unknown type ids inside it.
   */
  decode(data: Uint8Array): unknown {
    return this.#msgpack.decode(decompress(data, this.#options));
  }
}
