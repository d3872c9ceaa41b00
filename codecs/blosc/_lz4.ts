/**
 * The LZ4 block format, written from its published description.
 *
 * A block is a sequence of sequences: a token (high nibble: literal count,
 * low nibble: match length - 4, 15 meaning "add the following bytes, each 255
 * continuing"), the literals, a little-endian 16-bit distance and the match
 * length extension. The last sequence has literals only. Encoders must end
 * with at least 5 literals and start the last match at least 12 bytes before
 * the end.
 *
 * @module
 */

import { CodecError } from "../codec.ts";
import { firstCheckpoint, hashBits, HashTable } from "./_hash_table.ts";
import { copyMatch } from "./_blosclz.ts";

const MIN_MATCH = 4;
const LAST_LITERALS = 5;
const MF_LIMIT = 12;
const MAX_DISTANCE = 65535;

/**
 * Decompresses the LZ4 block `src[ip, ipEnd)` into `dst[op, opEnd)`.
 *
 * @returns The output position after the last byte written.
 * @throws {CodecError} when the block is truncated, refers before the start of
 * the output or would write past `opEnd`.
 */
export function lz4Decompress(
  src: Uint8Array,
  ip: number,
  ipEnd: number,
  dst: Uint8Array,
  op: number,
  opEnd: number,
): number {
  const opStart = op;
  const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  for (;;) {
    if (ip >= ipEnd) throw truncated();
    const token = src[ip++];
    let literals = token >> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (ip >= ipEnd) throw truncated();
        b = src[ip++];
        literals += b;
      } while (b === 255);
    }
    if (literals > ipEnd - ip) throw truncated();
    if (literals > opEnd - op) throw tooLong(opEnd - opStart);
    if (literals < 64) {
      for (let i = 0; i < literals; i++) dst[op + i] = src[ip + i];
    } else {
      dst.set(src.subarray(ip, ip + literals), op);
    }
    ip += literals;
    op += literals;
    if (ip === ipEnd) return op; // the last sequence has no match
    if (ip + 2 > ipEnd) throw truncated();
    const dist = src[ip] | src[ip + 1] << 8;
    ip += 2;
    if (dist === 0 || dist > op - opStart) {
      throw new CodecError(
        `Corrupt LZ4 block: a match reaches ${dist} bytes back at output offset ${op - opStart}`,
      );
    }
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do {
        if (ip >= ipEnd) throw truncated();
        b = src[ip++];
        len += b;
      } while (b === 255);
    }
    len += MIN_MATCH;
    if (len > opEnd - op) throw tooLong(opEnd - opStart);
    op = copyMatch(dst, view, op, dist, len);
  }
}

function truncated(): CodecError {
  return new CodecError("Truncated LZ4 block");
}

function tooLong(declared: number): CodecError {
  return new CodecError(`LZ4 block decodes to more than the declared ${declared} bytes`);
}

const hashTable = new HashTable();

/**
 * Compresses `src[start, end)` as an LZ4 block into `dst` from `op`, writing
 * nothing at or after `opLimit`. Greedy LZ77 over a hash of four-byte
 * sequences, accelerating through data that does not match (`skipShift`).
 *
 * @returns The output position after the block, or -1 when it does not fit.
 */
export function lz4Compress(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  op: number,
  opLimit: number,
  skipShift: number,
): number {
  const length = end - start;
  const hashLog = hashBits(length);
  const shift = 32 - hashLog;
  const table = hashTable.entries;
  const shiftBy = hashTable.begin(start, length);
  // Unaligned 32-bit reads; TurboFan turns these into single loads.
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const matchLimit = end - LAST_LITERALS;
  const scanLimit = end - MF_LIMIT;
  const opStart = op;
  let checkpoint = firstCheckpoint(start, length);
  let anchor = start;
  let ip = start + 1;
  let misses = 0;
  while (ip < scanLimit) {
    const seq = view.getInt32(ip, true);
    const h = Math.imul(seq, 0x9e3779b1) >>> shift;
    let ref = table[h] - shiftBy;
    table[h] = ip + shiftBy;
    if (ref < start || ip - ref > MAX_DISTANCE || view.getInt32(ref, true) !== seq) {
      ip += 1 + (misses++ >> skipShift);
      if (ip >= checkpoint) {
        // Give up on data that has not compressed at all so far.
        if ((op - opStart) * 32 > (ip - start) * 31) return -1;
        checkpoint = end;
      }
      continue;
    }
    misses = 0;
    let mp = ip + MIN_MATCH;
    let rp = ref + MIN_MATCH;
    const wordLimit = matchLimit - 4;
    while (mp <= wordLimit && view.getInt32(mp, true) === view.getInt32(rp, true)) {
      mp += 4;
      rp += 4;
    }
    while (mp < matchLimit && src[mp] === src[rp]) {
      mp++;
      rp++;
    }
    while (ip > anchor && ref > start && src[ip - 1] === src[ref - 1]) {
      ip--;
      ref--;
    }
    const literals = ip - anchor;
    const len = mp - ip;
    if (op + literals + ((literals / 255) | 0) + ((len / 255) | 0) + 5 > opLimit) return -1;
    op = writeSequence(src, anchor, literals, dst, op, len - MIN_MATCH);
    dst[op++] = ip - ref;
    dst[op++] = (ip - ref) >> 8;
    if (len - MIN_MATCH >= 15) op = writeLength(dst, op, len - MIN_MATCH - 15);
    ip = mp;
    anchor = ip;
    if (ip < scanLimit) {
      const p = ip - 2;
      table[Math.imul(view.getInt32(p, true), 0x9e3779b1) >>> shift] = p + shiftBy;
    }
  }
  const literals = end - anchor;
  if (op + literals + ((literals / 255) | 0) + 2 > opLimit) return -1;
  return writeSequence(src, anchor, literals, dst, op, 0);
}

/** Writes a token and the literals of one sequence. */
function writeSequence(
  src: Uint8Array,
  from: number,
  literals: number,
  dst: Uint8Array,
  op: number,
  matchCode: number,
): number {
  dst[op++] = (Math.min(literals, 15) << 4) | Math.min(matchCode, 15);
  if (literals >= 15) op = writeLength(dst, op, literals - 15);
  if (literals < 64) {
    for (let i = 0; i < literals; i++) dst[op + i] = src[from + i];
  } else {
    dst.set(src.subarray(from, from + literals), op);
  }
  return op + literals;
}

function writeLength(dst: Uint8Array, op: number, rest: number): number {
  while (rest >= 255) {
    dst[op++] = 255;
    rest -= 255;
  }
  dst[op++] = rest;
  return op;
}
