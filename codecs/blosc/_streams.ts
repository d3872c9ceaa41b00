/**
 * Stream decoders by Blosc compressor code, and how far each can expand its
 * input (used to reject frames that claim absurd sizes before allocating).
 */

import { inflateSync, zstdDecompressSync } from "node:zlib";
import { CodecError } from "../codec.ts";
import { blosclzDecompress } from "./_blosclz.ts";
import { lz4Decompress } from "./_lz4.ts";
import { snappyDecompress } from "./_snappy.ts";

/** Decodes `src[ip, ipEnd)` into exactly `dst[op, opEnd)` or throws. */
export type StreamDecoder = (
  src: Uint8Array,
  ip: number,
  ipEnd: number,
  dst: Uint8Array,
  op: number,
  opEnd: number,
) => number;

/**
 * Decoders indexed by compressor code (0 blosclz, 1 lz4, 2 snappy, 3 zlib,
 * 4 zstd).
 */
export const STREAM_DECODERS: readonly StreamDecoder[] = [
  blosclzDecompress,
  lz4Decompress,
  snappyDecompress,
  viaNodeZlib("zlib", (input, max) => inflateSync(input, { maxOutputLength: max })),
  viaNodeZlib("zstd", (input, max) => zstdDecompressSync(input, { maxOutputLength: max })),
];

/**
 * The largest ratio of output to input each format can reach (BloscLZ and LZ4
 * add at most 255 bytes of match per input byte, Snappy's best copy is 64
 * bytes in 3, deflate's is 258 bytes in about 2 bits); zstd has no useful
 * bound, so frames using it are limited by the size limit alone.
 */
export const MAX_EXPANSION: readonly number[] = [256, 256, 32, 1032, Infinity];

function viaNodeZlib(
  name: string,
  inflate: (input: Uint8Array, maxOutputLength: number) => Uint8Array,
): StreamDecoder {
  return (src, ip, ipEnd, dst, op, opEnd) => {
    let out: Uint8Array;
    try {
      // One byte more than allowed, so "too long" is told apart from "exact".
      out = inflate(src.subarray(ip, ipEnd), opEnd - op + 1);
    } catch (error) {
      throw new CodecError(
        `Corrupt ${name} stream: ${error instanceof Error ? error.message : error}`,
        { cause: error },
      );
    }
    if (out.length > opEnd - op) {
      throw new CodecError(`${name} stream decodes to more than the declared ${opEnd - op} bytes`);
    }
    dst.set(out, op);
    return op + out.length;
  };
}
