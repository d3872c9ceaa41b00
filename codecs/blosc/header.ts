/**
 * The 16-byte header of a Blosc-1 frame.
 *
 * @module
 */

import { CodecError } from "../codec.ts";
import { readU32 } from "./_util.ts";

/** Size of the Blosc-1 header in bytes (and the overhead of a memcpyed frame). */
export const BLOSC_HEADER_SIZE = 16;

/** The largest `nbytes` c-blosc 1.x accepts: 2^31 - 1 - 16. */
export const BLOSC_MAX_BUFFER_SIZE = 2 ** 31 - 1 - BLOSC_HEADER_SIZE;

/** The largest element size a Blosc-1 header can record. */
export const BLOSC_MAX_TYPESIZE = 255;

/** Header flag: the blocks were byte-shuffled. */
export const FLAG_SHUFFLE = 0x01;
/** Header flag: the data follows the header uncompressed. */
export const FLAG_MEMCPYED = 0x02;
/** Header flag: the blocks were bit-shuffled. */
export const FLAG_BITSHUFFLE = 0x04;
/** Header flag: blocks are stored as one stream, not split by byte position. */
export const FLAG_DONT_SPLIT = 0x10;

/** The compressors of a Blosc-1 frame, by the code in bits 5–7 of the flags. */
export const COMPRESSOR_NAMES: readonly string[] = ["blosclz", "lz4", "snappy", "zlib", "zstd"];

/** The parsed header of a Blosc-1 frame. */
export interface BloscHeader {
  /** Format version: 1 or 2 for Blosc-1 frames. */
  readonly version: number;
  /** Format version of the compressor's stream. */
  readonly versionlz: number;
  /** The raw flags byte (see the `FLAG_*` constants). */
  readonly flags: number;
  /** Element size used by the shuffle filters and the block split. */
  readonly typesize: number;
  /** Size of the decompressed data. */
  readonly nbytes: number;
  /** Size of each block (the last one may be shorter). */
  readonly blocksize: number;
  /** Total size of the frame, header included. */
  readonly ctbytes: number;
  /** The compressor, from bits 5–7 of the flags: `"blosclz"`, `"lz4"`, `"snappy"`, `"zlib"` or `"zstd"`. */
  readonly compressor: string;
  /** Whether the data is stored uncompressed after the header. */
  readonly memcpyed: boolean;
  /** The shuffle filter the blocks went through. */
  readonly shuffle: "none" | "byte" | "bit";
}

/**
 * Reads and checks the header of a Blosc-1 frame. It does not look past the
 * header, so `frame` may be a prefix of the frame.
 *
 * @example Reading the header of a small frame from python-blosc
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { readHeader } from "@denomas/denomas/codecs/blosc";
 *
 * const frame = Uint8Array.from([2, 1, 0x13, 8, 1, 0, 0, 0, 1, 0, 0, 0, 17, 0, 0, 0, 0x90]);
 * const header = readHeader(frame);
 * assertEquals(header.nbytes, 1);
 * assertEquals(header.memcpyed, true);
 * assertEquals(header.compressor, "blosclz");
 * ```
 *
 * @param frame The frame, or at least its first 16 bytes.
 * @returns The parsed header.
 * @throws {CodecError} when the header is shorter than 16 bytes, has an
 * unsupported version, typesize 0, an unknown compressor or sizes that
 * cannot belong together.
 */
export function readHeader(frame: Uint8Array): BloscHeader {
  if (frame.length < BLOSC_HEADER_SIZE) {
    throw new CodecError(
      `A Blosc frame starts with a ${BLOSC_HEADER_SIZE}-byte header, got only ${frame.length} bytes`,
    );
  }
  const version = frame[0];
  if (version !== 1 && version !== 2) {
    throw new CodecError(
      `Unsupported Blosc format version ${version}: expected 1 or 2 (Blosc-1)`,
    );
  }
  const flags = frame[2];
  const typesize = frame[3];
  if (typesize === 0) throw new CodecError("Invalid Blosc header: typesize is 0");
  const code = flags >> 5;
  const compressor = COMPRESSOR_NAMES[code];
  if (compressor === undefined) {
    throw new CodecError(
      `Unknown Blosc compressor code ${code} in flags 0x${flags.toString(16)}: expected 0..4`,
    );
  }
  const nbytes = readU32(frame, 4);
  const blocksize = readU32(frame, 8);
  const ctbytes = readU32(frame, 12);
  if (nbytes > BLOSC_MAX_BUFFER_SIZE) {
    throw new CodecError(
      `Invalid Blosc header: nbytes ${nbytes} exceeds the Blosc-1 maximum ${BLOSC_MAX_BUFFER_SIZE}`,
    );
  }
  if (ctbytes < BLOSC_HEADER_SIZE) {
    throw new CodecError(
      `Invalid Blosc header: ctbytes ${ctbytes} is smaller than the header itself`,
    );
  }
  if (nbytes > 0 && blocksize === 0) {
    throw new CodecError(`Invalid Blosc header: blocksize 0 for ${nbytes} bytes of data`);
  }
  const memcpyed = (flags & FLAG_MEMCPYED) !== 0;
  // c-blosc applies byte shuffle when both shuffle flags are set.
  const shuffle = flags & FLAG_SHUFFLE ? "byte" : flags & FLAG_BITSHUFFLE ? "bit" : "none";
  return {
    version,
    versionlz: frame[1],
    flags,
    typesize,
    nbytes,
    blocksize,
    ctbytes,
    compressor,
    memcpyed,
    shuffle,
  };
}
