/**
 * Decoder of the raw Snappy format (python-blosc can still write it):
 * a varint of the decompressed length, then elements whose tag's low two bits
 * say literal (0), copy with an 11-bit distance (1), a 16-bit one (2) or a
 * 32-bit one (3).
 *
 * @module
 */

import { CodecError } from "../codec.ts";
import { copyMatch } from "./_blosclz.ts";

/**
 * Decompresses the Snappy stream `src[ip, ipEnd)` into `dst[op, opEnd)`.
 *
 * @returns The output position after the last byte written.
 * @throws {CodecError} when the stream is corrupt or its length disagrees with
 * the space given.
 */
export function snappyDecompress(
  src: Uint8Array,
  ip: number,
  ipEnd: number,
  dst: Uint8Array,
  op: number,
  opEnd: number,
): number {
  const opStart = op;
  const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  let declared = 0;
  for (let shift = 0;; shift += 7) {
    if (ip >= ipEnd || shift > 28) throw corrupt("bad length preamble");
    const b = src[ip++];
    declared += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (declared > opEnd - op) {
    throw new CodecError(
      `Snappy stream declares ${declared} bytes, more than the ${opEnd - op} expected`,
    );
  }
  const end = op + declared;
  while (ip < ipEnd) {
    const tag = src[ip++];
    const kind = tag & 3;
    if (kind === 0) {
      let len = (tag >> 2) + 1;
      if (len > 60) {
        const n = len - 60;
        if (ip + n > ipEnd) throw corrupt("truncated literal length");
        len = 0;
        for (let i = 0; i < n; i++) len += src[ip + i] * 2 ** (8 * i);
        len += 1;
        ip += n;
      }
      if (len > ipEnd - ip) throw corrupt("truncated literal");
      if (len > end - op) throw corrupt("output longer than declared");
      dst.set(src.subarray(ip, ip + len), op);
      ip += len;
      op += len;
      continue;
    }
    let len: number;
    let dist: number;
    if (kind === 1) {
      if (ip >= ipEnd) throw corrupt("truncated copy");
      len = ((tag >> 2) & 7) + 4;
      dist = ((tag >> 5) << 8) | src[ip++];
    } else if (kind === 2) {
      if (ip + 2 > ipEnd) throw corrupt("truncated copy");
      len = (tag >> 2) + 1;
      dist = src[ip] | src[ip + 1] << 8;
      ip += 2;
    } else {
      if (ip + 4 > ipEnd) throw corrupt("truncated copy");
      len = (tag >> 2) + 1;
      dist = (src[ip] | src[ip + 1] << 8 | src[ip + 2] << 16 | src[ip + 3] << 24) >>> 0;
      ip += 4;
    }
    if (dist === 0 || dist > op - opStart) throw corrupt(`copy reaches ${dist} bytes back`);
    if (len > end - op) throw corrupt("output longer than declared");
    op = copyMatch(dst, view, op, dist, len);
  }
  if (op !== end) throw corrupt(`decoded ${op - opStart} bytes, declared ${declared}`);
  return op;
}

function corrupt(what: string): CodecError {
  return new CodecError(`Corrupt Snappy stream: ${what}`);
}
