/**
 * Blosc-1 compression and the `MsgPackBlosc` codec of aiomas, as an optional
 * entry point: the core of denomas never loads it.
 *
 * `compress` writes frames python-blosc reads (c-blosc 1.21's block layout,
 * BloscLZ or LZ4, byte shuffle by default); `decompress` reads every Blosc-1
 * frame python-blosc writes. `MsgPackBlosc` is the MsgPack codec with its
 * bytes compressed this way, wire-compatible with Python aiomas.
 *
 * The hot loops run as small WebAssembly kernels assembled in memory from
 * our own code: BloscLZ encoding and decoding, and the byte shuffle of 8-byte
 * elements (the default). They are used when the runtime supports
 * WebAssembly SIMD (the memory they keep is at most 24 MiB and 128 KiB);
 * TypeScript code that writes the same bytes runs otherwise.
 *
 * @example Compress and decompress
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { compress, decompress } from "@denomas/denomas/codecs/blosc";
 *
 * const data = new TextEncoder().encode("denomas ".repeat(100));
 * const frame = compress(data);
 * assertEquals(frame.length < data.length, true);
 * assertEquals(decompress(frame), data);
 * ```
 *
 * @module
 */
export {
  BLOSC_HEADER_SIZE,
  BLOSC_MAX_BUFFER_SIZE,
  BLOSC_MAX_TYPESIZE,
  type BloscHeader,
  COMPRESSOR_NAMES,
  FLAG_BITSHUFFLE,
  FLAG_DONT_SPLIT,
  FLAG_MEMCPYED,
  FLAG_SHUFFLE,
  readHeader,
} from "./header.ts";
export { compress, type CompressOptions, type Compressor, type Shuffle } from "./compress.ts";
export { decompress, type DecompressOptions, DEFAULT_MAX_DECOMPRESSED_SIZE } from "./decompress.ts";
export { MsgPackBlosc, type MsgPackBloscOptions } from "./msgpack_blosc.ts";
// The codec contract, so the types MsgPackBlosc uses are documented here too.
export type { Codec, CodecClass } from "../codec.ts";
export type {
  Constructor,
  FallbackSerializer,
  Serializer,
  SerializerRegistry,
} from "../serializers.ts";
