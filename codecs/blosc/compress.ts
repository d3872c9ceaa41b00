/**
 * Blosc-1 compression, laid out the way c-blosc 1.21 lays out its frames.
 *
 * @module
 */

import { CodecError } from "../codec.ts";
import {
  BLOSC_HEADER_SIZE,
  BLOSC_MAX_BUFFER_SIZE,
  BLOSC_MAX_TYPESIZE,
  FLAG_BITSHUFFLE,
  FLAG_DONT_SPLIT,
  FLAG_MEMCPYED,
  FLAG_SHUFFLE,
} from "./header.ts";
import { computeBlocksize, splitBlock } from "./_blocksize.ts";
import { blosclzCompress } from "./_blosclz.ts";
import { lz4Compress } from "./_lz4.ts";
import { bitshuffle, shuffle } from "./_shuffle.ts";
import { encoderMemory, outputAt, shuffleInto, simd, StreamEncoder } from "./_simd.ts";
import { writeU32 } from "./_util.ts";

/** The compressors {@linkcode compress} can write. */
export type Compressor = "blosclz" | "lz4";

/** The shuffle filters of Blosc-1. */
export type Shuffle = "none" | "byte" | "bit";

/** Options of {@linkcode compress}; the defaults are those of python-blosc in aiomas. */
export interface CompressOptions {
  /**
   * Element size for the shuffle filter and the block split, 1 to 255.
   *
   * @default {8}
   */
  typesize?: number;
  /**
   * Compression level, 0 (store) to 9 (best). It sets the block size as
   * c-blosc does and how hard the compressor looks for matches.
   *
   * @default {9}
   */
  clevel?: number;
  /**
   * Shuffle filter applied to each block before compression.
   *
   * @default {"byte"}
   */
  shuffle?: Shuffle;
  /**
   * Stream compressor.
   *
   * @default {"blosclz"}
   */
  compressor?: Compressor;
}

/** Inputs smaller than this are stored, not compressed (c-blosc's `MIN_BUFFERSIZE`). */
const MIN_COMPRESSED_SIZE = 128;

const COMPRESSOR_CODES: Record<Compressor, number> = { blosclz: 0, lz4: 1 };

// Scratch space reused across calls; results are always copied out of it.
let scratchOut = new Uint8Array(0);
let scratchTmp = new Uint8Array(0);

/**
 * Compresses `data` into one Blosc-1 frame that python-blosc (c-blosc 1.x)
 * reads: the same block size, split and flags as c-blosc 1.21 with these
 * options, and a memcpyed frame when the data is smaller than 128 bytes or
 * does not compress.
 *
 * @example Compressing float64 data
 * ```ts
 * import { ok as assert } from "node:assert/strict";
 * import { compress, readHeader } from "@denomas/denomas/codecs/blosc";
 *
 * const data = new Uint8Array(new Float64Array(10_000).map((_, i) => i * 0.5).buffer);
 * const frame = compress(data, { clevel: 9, compressor: "blosclz" });
 * assert(frame.length < data.length / 4);
 * assert(readHeader(frame).shuffle === "byte");
 * ```
 *
 * @param data The bytes to compress.
 * @param options Typesize, level, shuffle filter and compressor.
 * @returns A new buffer holding the frame.
 * @throws {CodecError} for an option out of range or data larger than the
 * Blosc-1 limit of 2^31 - 17 bytes.
 */
export function compress(data: Uint8Array, options: CompressOptions = {}): Uint8Array {
  const typesize = options.typesize ?? 8;
  const clevel = options.clevel ?? 9;
  const filter = options.shuffle ?? "byte";
  const compressor = options.compressor ?? "blosclz";
  checkInteger("typesize", typesize, 1, BLOSC_MAX_TYPESIZE);
  checkInteger("clevel", clevel, 0, 9);
  if (!Object.hasOwn(COMPRESSOR_CODES, compressor)) {
    throw new CodecError(`Unknown Blosc compressor "${compressor}": expected "blosclz" or "lz4"`);
  }
  const code = COMPRESSOR_CODES[compressor];
  if (filter !== "none" && filter !== "byte" && filter !== "bit") {
    throw new CodecError(`Unknown Blosc shuffle "${filter}": expected "none", "byte" or "bit"`);
  }
  const nbytes = data.length;
  if (nbytes > BLOSC_MAX_BUFFER_SIZE) {
    throw new CodecError(
      `Cannot Blosc-compress ${nbytes} bytes: the Blosc-1 limit is ${BLOSC_MAX_BUFFER_SIZE}`,
    );
  }
  const blocksize = computeBlocksize(clevel, typesize, nbytes);
  let flags = code << 5;
  if (filter === "byte") flags |= FLAG_SHUFFLE;
  if (filter === "bit") flags |= FLAG_BITSHUFFLE;
  if (!splitBlock(typesize, blocksize)) flags |= FLAG_DONT_SPLIT;

  if (clevel > 0 && nbytes >= MIN_COMPRESSED_SIZE) {
    const size = compressBlocks(data, flags, typesize, blocksize, clevel);
    if (size > 0) {
      const frame = scratchOut.slice(0, size);
      writeHeaderTo(frame, flags, typesize, nbytes, blocksize, size);
      return frame;
    }
  }
  const frame = new Uint8Array(BLOSC_HEADER_SIZE + nbytes);
  writeHeaderTo(frame, flags | FLAG_MEMCPYED, typesize, nbytes, blocksize, frame.length);
  frame.set(data, BLOSC_HEADER_SIZE);
  return frame;
}

/**
 * Writes the block table and blocks into `scratchOut` after the header.
 *
 * @returns The frame size, or 0 when the frame would not be smaller than a
 * memcpyed one.
 */
function compressBlocks(
  data: Uint8Array,
  flags: number,
  typesize: number,
  blocksize: number,
  clevel: number,
): number {
  const nbytes = data.length;
  const maxbytes = nbytes + BLOSC_HEADER_SIZE;
  if (scratchOut.length < maxbytes) scratchOut = new Uint8Array(Math.max(maxbytes, 1 << 16));
  const out = scratchOut;
  const nblocks = Math.ceil(nbytes / blocksize);
  let pos = BLOSC_HEADER_SIZE + 4 * nblocks;
  if (pos > maxbytes) return 0;
  const byteShuffle = (flags & FLAG_SHUFFLE) !== 0 && typesize > 1;
  const bitShuffle = (flags & FLAG_BITSHUFFLE) !== 0;
  const lz4 = flags >> 5 === 1;
  // With the WebAssembly kernels, blocks are shuffled into their memory (with
  // SIMD for typesize 8), and BloscLZ streams are encoded there too.
  const mem = simd?.reserve(encoderMemory(blocksize));
  const kernels = mem ? simd : undefined;
  const encoder = kernels && mem && !lz4 ? new StreamEncoder(kernels, mem, blocksize) : undefined;
  if ((byteShuffle || bitShuffle) && !kernels && scratchTmp.length < blocksize) {
    scratchTmp = new Uint8Array(Math.max(blocksize, 1 << 16));
  }
  const tmp = mem ?? scratchTmp;
  const at = mem ? outputAt(blocksize) : 0;
  // Higher levels accelerate more slowly through data that does not match.
  const skipShift = clevel >= 7 ? 6 : clevel >= 4 ? 5 : 4;
  for (let j = 0; j < nblocks; j++) {
    writeU32(out, BLOSC_HEADER_SIZE + 4 * j, pos);
    const offset = j * blocksize;
    const size = Math.min(blocksize, nbytes - offset);
    let src = data;
    let s = offset;
    if (byteShuffle && typesize === 8 && kernels && mem) {
      [src, s] = [mem, shuffleInto(kernels, mem, data, offset, size)];
    } else if (byteShuffle) {
      shuffle(typesize, size, data, offset, tmp, at);
      [src, s] = [tmp, at];
    } else if (bitShuffle && size >= typesize) {
      bitshuffle(typesize, size, data, offset, tmp, at);
      [src, s] = [tmp, at];
    } else if (encoder && mem) {
      mem.set(data.subarray(offset, offset + size), at);
      [src, s] = [mem, at];
    }
    // Like c-blosc, split full blocks into one stream per byte of the element.
    const nsplits = (flags & FLAG_DONT_SPLIT) === 0 && size === blocksize ? typesize : 1;
    const neblock = size / nsplits;
    for (let k = 0; k < nsplits; k++, s += neblock) {
      if (pos + 4 > maxbytes) return 0;
      const begin = pos + 4;
      // A compressed stream must be shorter than its input (a length equal
      // to the input's marks a stream stored as it is); we also want it to
      // save at least 1/32, or decoding costs more than the bytes saved.
      const limit = Math.min(begin + neblock - 1 - (neblock >> 5), maxbytes);
      let end = encoder
        ? encoder.encode(s, s + neblock, out, begin, limit, skipShift)
        : (lz4 ? lz4Compress : blosclzCompress)(src, s, s + neblock, out, begin, limit, skipShift);
      if (end < 0) {
        if (begin + neblock > maxbytes) return 0;
        out.set(src.subarray(s, s + neblock), begin);
        end = begin + neblock;
      }
      writeU32(out, pos, end - begin);
      pos = end;
    }
  }
  return pos;
}

function writeHeaderTo(
  out: Uint8Array,
  flags: number,
  typesize: number,
  nbytes: number,
  blocksize: number,
  ctbytes: number,
): void {
  out[0] = 2; // format version of c-blosc 1.x
  out[1] = 1; // stream format version of BloscLZ and LZ4
  out[2] = flags;
  out[3] = typesize;
  writeU32(out, 4, nbytes);
  writeU32(out, 8, blocksize);
  writeU32(out, 12, ctbytes);
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new CodecError(`Blosc ${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}
