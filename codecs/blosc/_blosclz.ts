/**
 * The BloscLZ stream format (a FastLZ level-2 variant), written from its
 * published description.
 *
 * A stream is a sequence of instructions, each starting with a control byte:
 * - `ctrl < 32`: a literal run of `ctrl + 1` bytes follows.
 * - otherwise a match: length field `ctrl >> 5` (1–6 give lengths 3–8; 7 means
 *   9 plus the following bytes, each 255 continuing), then the low byte of
 *   `distance - 1` whose high 5 bits are `ctrl & 31`. The value 31/255 marks a
 *   far match: two big-endian bytes follow giving `distance - 8192`.
 * The first control byte's top three bits are ignored. Decoders of c-blosc
 * 1.21 stop before copying a match that ends the stream, so our encoder always
 * ends with literals.
 *
 * @module
 */

import { CodecError } from "../codec.ts";
import { firstCheckpoint, hashBits, HashTable } from "./_hash_table.ts";

/** Largest distance of a near match (13 bits, minus the far-match marker). */
const MAX_NEAR = 8191;
/** Largest distance of a far match. */
const MAX_FAR = 8192 + 65535;
/** Longest literal run of one instruction. */
const MAX_LITERALS = 32;
/** Bytes at the end of a stream that are always written as literals. */
const TAIL_LITERALS = 8;

/**
 * Decompresses the BloscLZ stream `src[ip, ipEnd)` into `dst[op, opEnd)`.
 *
 * @returns The output position after the last byte written.
 * @throws {CodecError} when the stream is truncated, refers before the start of
 * the output or would write past `opEnd`.
 */
export function blosclzDecompress(
  src: Uint8Array,
  ip: number,
  ipEnd: number,
  dst: Uint8Array,
  op: number,
  opEnd: number,
): number {
  const opStart = op;
  const from = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  // Away from the ends, short runs are copied as whole 32-bit words, possibly
  // a few bytes past the run (those are overwritten next): fewer branches on
  // run lengths, which vary too much to predict. Reads stay inside `src`,
  // writes inside `[op, opEnd)`.
  const ipSafe = Math.min(ipEnd, src.length - 32);
  const opSafe = opEnd - 32;
  if (ip >= ipEnd) throw new CodecError("Empty BloscLZ stream");
  let ctrl = src[ip++] & 31;
  for (;;) {
    if (ctrl >= 32) {
      let len = (ctrl >> 5) + 2;
      if (len === 9) {
        let code: number;
        do {
          if (ip >= ipEnd) throw truncated();
          code = src[ip++];
          len += code;
        } while (code === 255);
      }
      if (ip >= ipEnd) throw truncated();
      const code = src[ip++];
      const high = ctrl & 31;
      let dist = (high << 8) + code + 1;
      if (code === 255 && high === 31) {
        if (ip + 2 > ipEnd) throw truncated();
        dist = ((src[ip] << 8) | src[ip + 1]) + MAX_NEAR + 1;
        ip += 2;
      }
      if (len > opEnd - op) throw tooLong(opEnd - opStart);
      if (dist > op - opStart) {
        throw new CodecError(
          `Corrupt BloscLZ stream: a match reaches ${dist} bytes back at output offset ${
            op - opStart
          }`,
        );
      }
      if (len <= 16 && dist >= 4 && op <= opSafe) {
        // Word copies read only bytes already written when dist >= 4.
        const ref = op - dist;
        view.setInt32(op, view.getInt32(ref, true), true);
        view.setInt32(op + 4, view.getInt32(ref + 4, true), true);
        if (len > 8) {
          view.setInt32(op + 8, view.getInt32(ref + 8, true), true);
          view.setInt32(op + 12, view.getInt32(ref + 12, true), true);
        }
        op += len;
      } else {
        op = copyMatch(dst, view, op, dist, len);
      }
    } else {
      const len = ctrl + 1;
      if (ip <= ipSafe && op <= opSafe) {
        view.setInt32(op, from.getInt32(ip, true), true);
        view.setInt32(op + 4, from.getInt32(ip + 4, true), true);
        if (len > 8) {
          view.setInt32(op + 8, from.getInt32(ip + 8, true), true);
          view.setInt32(op + 12, from.getInt32(ip + 12, true), true);
          if (len > 16) {
            view.setInt32(op + 16, from.getInt32(ip + 16, true), true);
            view.setInt32(op + 20, from.getInt32(ip + 20, true), true);
            view.setInt32(op + 24, from.getInt32(ip + 24, true), true);
            view.setInt32(op + 28, from.getInt32(ip + 28, true), true);
          }
        }
        if (len > ipEnd - ip) throw truncated();
      } else {
        if (len > opEnd - op) throw tooLong(opEnd - opStart);
        if (len > ipEnd - ip) throw truncated();
        for (let i = 0; i < len; i++) dst[op + i] = src[ip + i];
      }
      op += len;
      ip += len;
    }
    if (ip >= ipEnd) break;
    ctrl = src[ip++];
  }
  return op;
}

/**
 * Copies an LZ77 match of `len` bytes from `dist` bytes back; returns the new
 * position. `view` is a DataView over `dst`.
 */
export function copyMatch(
  dst: Uint8Array,
  view: DataView,
  op: number,
  dist: number,
  len: number,
): number {
  const ref = op - dist;
  if (len < 32) {
    // Short copies (nearly all of them) are cheaper inline than a builtin
    // call. Four bytes at a time when the source lies at least four back;
    // otherwise byte by byte, which also repeats short patterns right.
    let i = 0;
    if (dist >= 4) {
      for (; i + 4 <= len; i += 4) view.setInt32(op + i, view.getInt32(ref + i, true), true);
    }
    for (; i < len; i++) dst[op + i] = dst[ref + i];
  } else if (dist === 1) {
    dst.fill(dst[ref], op, op + len);
  } else if (dist >= len) {
    dst.copyWithin(op, ref, ref + len);
  } else {
    // Overlapping: the pattern repeats every `dist` bytes, so copy in
    // doubling chunks that never overlap.
    let left = len;
    let o = op;
    while (left > 0) {
      const n = Math.min(o - ref, left);
      dst.copyWithin(o, ref, ref + n);
      o += n;
      left -= n;
    }
  }
  return op + len;
}

function truncated(): CodecError {
  return new CodecError("Truncated BloscLZ stream");
}

function tooLong(declared: number): CodecError {
  return new CodecError(`BloscLZ stream decodes to more than the declared ${declared} bytes`);
}

const hashTable = new HashTable();

/**
 * Compresses `src[start, end)` as a BloscLZ stream into `dst` from `op`,
 * writing nothing at or after `opLimit`.
 *
 * Greedy LZ77 over a hash of four-byte sequences; `skipShift` controls how fast
 * the scan accelerates through data that does not match (lower is faster and
 * compresses less).
 *
 * @returns The output position after the stream, or -1 when it does not fit
 * before `opLimit` (the caller then stores the bytes raw).
 */
export function blosclzCompress(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  op: number,
  opLimit: number,
  skipShift: number,
): number {
  const length = end - start;
  if (length < 16) return -1;
  const hashLog = hashBits(length);
  const shift = 32 - hashLog;
  const table = hashTable.entries;
  const shiftBy = hashTable.begin(start, length);
  // Unaligned 32-bit reads; TurboFan turns these into single loads.
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const out = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  const matchLimit = end - TAIL_LITERALS; // matches never extend past this
  const scanLimit = matchLimit - 4;
  const wordLimit = matchLimit - 4;
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
    const dist = ip - ref;
    if (ref < start || dist > MAX_FAR || view.getInt32(ref, true) !== seq) {
      ip += 1 + (misses++ >> skipShift);
      if (ip >= checkpoint) {
        // Give up on data that has not compressed at all so far: storing it
        // raw is smaller and much faster to decode.
        if ((op - opStart) * 32 > (ip - start) * 31) return -1;
        checkpoint = end;
      }
      continue;
    }
    // Extend forwards, then backwards over bytes still pending as literals.
    let mp = ip + 4;
    let rp = ref + 4;
    for (;;) {
      if (mp > wordLimit) {
        while (mp < matchLimit && src[mp] === src[rp]) {
          mp++;
          rp++;
        }
        break;
      }
      const diff = view.getInt32(mp, true) ^ view.getInt32(rp, true);
      if (diff !== 0) {
        // The first differing byte is the lowest nonzero one (little endian).
        mp += (31 - Math.clz32(diff & -diff)) >> 3;
        break;
      }
      mp += 4;
      rp += 4;
    }
    if (dist > MAX_NEAR && mp - ip < 5) {
      // A far match costs two more bytes; short ones are not worth it.
      ip++;
      continue;
    }
    misses = 0;
    while (ip > anchor && ref > start && src[ip - 1] === src[ref - 1]) {
      ip--;
      ref--;
    }
    const len = mp - ip;
    // Worst case: literals with one control byte per 32, then the match.
    const literals = ip - anchor;
    if (op + literals + (literals >> 5) + 7 + (len < 255 ? 0 : (len / 255) | 0) > opLimit) {
      return -1;
    }
    if (literals === 0) {
      // The match follows the previous one directly.
    } else if (literals <= MAX_LITERALS && op + 36 <= opLimit) {
      // One literal run, copied as whole words (the extra bytes written are
      // overwritten next, and stay before opLimit).
      dst[op] = literals - 1;
      const o = op + 1;
      out.setInt32(o, view.getInt32(anchor, true), true);
      if (literals > 4) {
        out.setInt32(o + 4, view.getInt32(anchor + 4, true), true);
        for (let i = 8; i < literals; i += 4) {
          out.setInt32(o + i, view.getInt32(anchor + i, true), true);
        }
      }
      op = o + literals;
    } else {
      op = writeLiterals(src, anchor, ip, dst, op);
    }
    if (len <= 8 && dist <= MAX_NEAR) {
      dst[op] = ((len - 2) << 5) | ((dist - 1) >> 8);
      dst[op + 1] = (dist - 1) & 255;
      op += 2;
    } else {
      op = writeMatch(dst, op, len, dist);
    }
    ip = mp;
    anchor = ip;
    if (ip < scanLimit) {
      // Index the last positions of the match so the next run finds it.
      const p = ip - 2;
      table[Math.imul(view.getInt32(p, true), 0x9e3779b1) >>> shift] = p + shiftBy;
    }
  }
  const literals = end - anchor;
  if (op + literals + (literals >> 5) + 1 > opLimit) return -1;
  return writeLiterals(src, anchor, end, dst, op);
}

function writeLiterals(
  src: Uint8Array,
  from: number,
  to: number,
  dst: Uint8Array,
  op: number,
): number {
  while (from < to) {
    const n = Math.min(MAX_LITERALS, to - from);
    dst[op++] = n - 1;
    for (let i = 0; i < n; i++) dst[op + i] = src[from + i];
    op += n;
    from += n;
  }
  return op;
}

function writeMatch(dst: Uint8Array, op: number, len: number, dist: number): number {
  const far = dist > MAX_NEAR;
  const high = far ? 31 : (dist - 1) >> 8;
  if (len <= 8) {
    dst[op++] = ((len - 2) << 5) | high;
  } else {
    dst[op++] = (7 << 5) | high;
    let rest = len - 9;
    while (rest >= 255) {
      dst[op++] = 255;
      rest -= 255;
    }
    dst[op++] = rest;
  }
  if (far) {
    const d = dist - MAX_NEAR - 1;
    dst[op++] = 255;
    dst[op++] = d >> 8;
    dst[op++] = d & 255;
  } else {
    dst[op++] = (dist - 1) & 255;
  }
  return op;
}
