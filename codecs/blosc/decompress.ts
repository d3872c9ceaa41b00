/**
 * Blosc-1 decompression.
 *
 * @module
 */

import { CodecError } from "../codec.ts";
import { BLOSC_HEADER_SIZE, type BloscHeader, FLAG_DONT_SPLIT, readHeader } from "./header.ts";
import { MAX_EXPANSION, STREAM_DECODERS } from "./_streams.ts";
import { bitunshuffle, unshuffle } from "./_shuffle.ts";
import { inputAt, type Simd, simd, unshuffleFrom } from "./_simd.ts";
import { readU32 } from "./_util.ts";

/**
 * The default limit on the decompressed size of a frame: 256 MiB. A frame that
 * declares more is rejected before anything is allocated.
 */
export const DEFAULT_MAX_DECOMPRESSED_SIZE: number = 256 * 1024 * 1024;

// Shuffled blocks are decoded here first; reused across calls (decompress is
// synchronous and nothing keeps a reference to it).
let scratch = new Uint8Array(0);

/** Splits are only made for typesizes up to this (c-blosc's `MAX_SPLITS`). */
const MAX_SPLITS = 16;
/** Blocks with fewer elements than this are never split (c-blosc's `MIN_BUFFERSIZE`). */
const MIN_SPLIT_ELEMENTS = 128;

/** Options of {@linkcode decompress}. */
export interface DecompressOptions {
  /**
   * The largest decompressed size accepted, in bytes.
   *
   * @default {DEFAULT_MAX_DECOMPRESSED_SIZE}
   */
  maxSize?: number;
}

/**
 * Decompresses a Blosc-1 frame, whatever compressor, shuffle filter and block
 * layout produced it (BloscLZ, LZ4/LZ4HC, Snappy, zlib and zstd; byte and bit
 * shuffle; split and unsplit blocks; memcpyed frames).
 *
 * Every size and offset is checked before it is used, so a malformed frame
 * gives a `CodecError`, never an out-of-bounds read or a huge allocation.
 *
 * @example Round trip
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { compress, decompress } from "@denomas/denomas/codecs/blosc";
 *
 * const data = new Uint8Array(new Float64Array(1000).map((_, i) => i * 0.5).buffer);
 * assertEquals(decompress(compress(data)), data);
 * ```
 *
 * @param frame Exactly one frame (its `ctbytes` must equal `frame.length`).
 * @param options The size limit.
 * @returns The decompressed bytes, in a new buffer.
 * @throws {CodecError} when the frame is malformed, truncated, followed by
 * extra bytes, or decompresses to more than `maxSize` bytes.
 */
export function decompress(frame: Uint8Array, options: DecompressOptions = {}): Uint8Array {
  const maxSize = options.maxSize ?? DEFAULT_MAX_DECOMPRESSED_SIZE;
  const header = readHeader(frame);
  const { nbytes, ctbytes } = header;
  if (ctbytes !== frame.length) {
    throw new CodecError(
      ctbytes > frame.length
        ? `Truncated Blosc frame: header says ${ctbytes} bytes, got ${frame.length}`
        : `Blosc frame of ${ctbytes} bytes is followed by ${frame.length - ctbytes} extra bytes`,
    );
  }
  if (nbytes > maxSize) {
    throw new CodecError(
      `Blosc frame decompresses to ${nbytes} bytes, more than the limit of ${maxSize}`,
    );
  }
  if (header.memcpyed) {
    if (ctbytes !== nbytes + BLOSC_HEADER_SIZE) {
      throw new CodecError(
        `Invalid memcpyed Blosc frame: ${ctbytes} bytes for ${nbytes} bytes of data (expected ${
          nbytes + BLOSC_HEADER_SIZE
        })`,
      );
    }
    return frame.slice(BLOSC_HEADER_SIZE, ctbytes);
  }
  if (nbytes === 0) {
    // c-blosc writes empty input as a memcpyed frame; accept the other form.
    if (ctbytes !== BLOSC_HEADER_SIZE) {
      throw new CodecError(`Invalid Blosc frame: ${ctbytes - 16} bytes of data for 0 bytes`);
    }
    return new Uint8Array(0);
  }
  const code = header.flags >> 5;
  if (nbytes > (ctbytes - BLOSC_HEADER_SIZE) * MAX_EXPANSION[code] + 64) {
    throw new CodecError(
      `Invalid Blosc frame: ${ctbytes} bytes of ${header.compressor} cannot hold ${nbytes} bytes`,
    );
  }
  const blocksize = Math.min(header.blocksize, nbytes);
  const nblocks = Math.ceil(nbytes / blocksize);
  const dataStart = BLOSC_HEADER_SIZE + 4 * nblocks;
  if (dataStart > ctbytes) {
    throw new CodecError(
      `Invalid Blosc frame: ${nblocks} block offsets do not fit in ${ctbytes} bytes`,
    );
  }
  const out = new Uint8Array(nbytes);
  // Byte-shuffled float64 blocks (what aiomas sends) are decoded into the
  // memory of the WebAssembly kernels (by its BloscLZ decoder, for BloscLZ)
  // and unshuffled there.
  let kernels = header.shuffle === "byte" && header.typesize === 8 ? simd : undefined;
  const simdMemory = kernels?.reserve(3 * blocksize + 64);
  if (!simdMemory) kernels = undefined;
  if (header.shuffle !== "none" && !kernels && scratch.length < blocksize) {
    scratch = new Uint8Array(Math.max(blocksize, 1 << 16));
  }
  const tmp = simdMemory ?? scratch;
  for (let j = 0; j < nblocks; j++) {
    const start = readU32(frame, BLOSC_HEADER_SIZE + 4 * j);
    if (start < dataStart || start >= ctbytes) {
      throw new CodecError(
        `Invalid Blosc frame: block ${j} starts at ${start}, outside the data (${dataStart}..${ctbytes})`,
      );
    }
    const offset = j * blocksize;
    const size = Math.min(blocksize, nbytes - offset);
    // c-blosc never splits the last, shorter block (judged by the header's blocksize).
    decodeBlock(header, frame, start, size, size < header.blocksize, out, offset, tmp, j, kernels);
  }
  return out;
}

function decodeBlock(
  header: BloscHeader,
  frame: Uint8Array,
  pos: number,
  size: number,
  leftover: boolean,
  out: Uint8Array,
  offset: number,
  tmp: Uint8Array,
  block: number,
  kernels: Simd | undefined,
): void {
  const { typesize, flags, ctbytes } = header;
  const byteShuffle = header.shuffle === "byte" && typesize > 1;
  const bitShuffle = header.shuffle === "bit" && size >= typesize;
  const target = byteShuffle || bitShuffle ? tmp : out;
  let t = byteShuffle || bitShuffle ? 0 : offset;
  // The split rule of c-blosc 1.x decoders, old frames without the flag included.
  const split = (flags & FLAG_DONT_SPLIT) === 0 && typesize <= MAX_SPLITS &&
    size / typesize >= MIN_SPLIT_ELEMENTS && !leftover;
  const nsplits = split ? typesize : 1;
  const neblock = size / nsplits;
  if (!Number.isInteger(neblock)) {
    throw new CodecError(
      `Invalid Blosc frame: block ${block} of ${size} bytes cannot split into ${nsplits} streams`,
    );
  }
  const decode = STREAM_DECODERS[flags >> 5];
  // With the kernels, `target` is their memory and BloscLZ streams are copied
  // in and decoded there.
  const wasmBlosclz = kernels && flags >> 5 === 0 ? kernels.blosclzDecode : undefined;
  const input = inputAt(size);
  for (let s = 0; s < nsplits; s++) {
    if (pos + 4 > ctbytes) {
      throw new CodecError(`Truncated Blosc frame: block ${block} stream ${s} has no length`);
    }
    const cbytes = readU32(frame, pos);
    pos += 4;
    if (cbytes > ctbytes - pos) {
      throw new CodecError(
        `Invalid Blosc frame: block ${block} stream ${s} claims ${cbytes} bytes, only ${
          ctbytes - pos
        } remain`,
      );
    }
    if (cbytes === neblock) {
      // Streams that did not compress are stored as they are.
      target.set(frame.subarray(pos, pos + cbytes), t);
    } else {
      let end = -1;
      try {
        if (wasmBlosclz && cbytes + 8 <= target.length - input) {
          target.set(frame.subarray(pos, pos + cbytes), input);
          end = wasmBlosclz(input, input + cbytes, t, t + neblock);
        }
        // A stream the kernel rejects is decoded again here for the error.
        if (end < 0) end = decode(frame, pos, pos + cbytes, target, t, t + neblock);
      } catch (error) {
        if (!(error instanceof CodecError)) throw error;
        throw new CodecError(`Blosc block ${block} stream ${s}: ${error.message}`, {
          cause: error,
        });
      }
      if (end !== t + neblock) {
        throw new CodecError(
          `Blosc block ${block} stream ${s} decodes to ${end - t} bytes, expected ${neblock}`,
        );
      }
    }
    pos += cbytes;
    t += neblock;
  }
  if (byteShuffle && kernels) unshuffleFrom(kernels, tmp, size, out, offset);
  else if (byteShuffle) unshuffle(typesize, size, tmp, 0, out, offset);
  else if (bitShuffle) bitunshuffle(typesize, size, tmp, 0, out, offset);
}
