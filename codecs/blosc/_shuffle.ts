/**
 * Byte and bit shuffle filters of Blosc-1, applied to one block at a time.
 *
 * Byte shuffle groups byte `j` of every element together (stream `j`), so the
 * slowly changing high bytes of numbers form long runs. Bit shuffle does the
 * same with single bits. Bytes past the last whole element are copied
 * unchanged, and so is a whole block whose element count is not a multiple of
 * eight under bit shuffle: that is what c-blosc 1.x (Blosc format version 2)
 * does.
 *
 * @module
 */

/**
 * Byte-shuffles `size` bytes of `src` starting at `srcPos` into `dst` at
 * `dstPos`: `dst[j * n + i] = src[i * typesize + j]` for `n` whole elements.
 */
export function shuffle(
  typesize: number,
  size: number,
  src: Uint8Array,
  srcPos: number,
  dst: Uint8Array,
  dstPos: number,
): void {
  const n = Math.floor(size / typesize);
  if (typesize === 8) {
    shuffle8(n, src, srcPos, dst, dstPos);
  } else {
    for (let j = 0; j < typesize; j++) {
      let s = srcPos + j;
      const d = dstPos + j * n;
      for (let i = 0; i < n; i++, s += typesize) dst[d + i] = src[s];
    }
  }
  const whole = n * typesize;
  if (whole < size) dst.set(src.subarray(srcPos + whole, srcPos + size), dstPos + whole);
}

/** The inverse of {@linkcode shuffle}: `dst[i * typesize + j] = src[j * n + i]`. */
export function unshuffle(
  typesize: number,
  size: number,
  src: Uint8Array,
  srcPos: number,
  dst: Uint8Array,
  dstPos: number,
): void {
  const n = Math.floor(size / typesize);
  if (typesize === 8) {
    unshuffle8(n, src, srcPos, dst, dstPos);
  } else {
    for (let j = 0; j < typesize; j++) {
      let d = dstPos + j;
      const s = srcPos + j * n;
      for (let i = 0; i < n; i++, d += typesize) dst[d] = src[s + i];
    }
  }
  const whole = n * typesize;
  if (whole < size) dst.set(src.subarray(srcPos + whole, srcPos + size), dstPos + whole);
}

// Typesize 8 is the one aiomas uses. Four elements at a time: the eight
// streams are read or written as 32-bit words through DataViews (any
// alignment), and each 4x4 byte tile is transposed in registers. The code is
// written out in full because TurboFan does not always inline a helper here.

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function shuffle8(n: number, src: Uint8Array, s: number, dst: Uint8Array, d: number): void {
  const from = viewOf(src);
  const to = viewOf(dst);
  const d1 = d + n, d2 = d1 + n, d3 = d2 + n, d4 = d3 + n, d5 = d4 + n, d6 = d5 + n, d7 = d6 + n;
  let i = 0;
  for (; i + 4 <= n; i += 4, s += 32) {
    // Low words of elements i..i+3 hold bytes 0-3, the high words bytes 4-7.
    let a = from.getInt32(s, true), b = from.getInt32(s + 8, true);
    let c = from.getInt32(s + 16, true), e = from.getInt32(s + 24, true);
    let t0 = (a & 0x00ff00ff) | ((b & 0x00ff00ff) << 8);
    let t1 = ((a >>> 8) & 0x00ff00ff) | (b & 0xff00ff00);
    let t2 = (c & 0x00ff00ff) | ((e & 0x00ff00ff) << 8);
    let t3 = ((c >>> 8) & 0x00ff00ff) | (e & 0xff00ff00);
    to.setInt32(d + i, (t0 & 0xffff) | (t2 << 16), true);
    to.setInt32(d1 + i, (t1 & 0xffff) | (t3 << 16), true);
    to.setInt32(d2 + i, (t0 >>> 16) | (t2 & 0xffff0000), true);
    to.setInt32(d3 + i, (t1 >>> 16) | (t3 & 0xffff0000), true);
    a = from.getInt32(s + 4, true), b = from.getInt32(s + 12, true);
    c = from.getInt32(s + 20, true), e = from.getInt32(s + 28, true);
    t0 = (a & 0x00ff00ff) | ((b & 0x00ff00ff) << 8);
    t1 = ((a >>> 8) & 0x00ff00ff) | (b & 0xff00ff00);
    t2 = (c & 0x00ff00ff) | ((e & 0x00ff00ff) << 8);
    t3 = ((c >>> 8) & 0x00ff00ff) | (e & 0xff00ff00);
    to.setInt32(d4 + i, (t0 & 0xffff) | (t2 << 16), true);
    to.setInt32(d5 + i, (t1 & 0xffff) | (t3 << 16), true);
    to.setInt32(d6 + i, (t0 >>> 16) | (t2 & 0xffff0000), true);
    to.setInt32(d7 + i, (t1 >>> 16) | (t3 & 0xffff0000), true);
  }
  for (; i < n; i++, s += 8) {
    dst[d + i] = src[s];
    dst[d1 + i] = src[s + 1];
    dst[d2 + i] = src[s + 2];
    dst[d3 + i] = src[s + 3];
    dst[d4 + i] = src[s + 4];
    dst[d5 + i] = src[s + 5];
    dst[d6 + i] = src[s + 6];
    dst[d7 + i] = src[s + 7];
  }
}

function unshuffle8(n: number, src: Uint8Array, s: number, dst: Uint8Array, d: number): void {
  const from = viewOf(src);
  const to = viewOf(dst);
  const s1 = s + n, s2 = s1 + n, s3 = s2 + n, s4 = s3 + n, s5 = s4 + n, s6 = s5 + n, s7 = s6 + n;
  let i = 0;
  for (; i + 4 <= n; i += 4, d += 32) {
    // Streams 0-3 give the low words of elements i..i+3, streams 4-7 the high.
    let a = from.getInt32(s + i, true), b = from.getInt32(s1 + i, true);
    let c = from.getInt32(s2 + i, true), e = from.getInt32(s3 + i, true);
    let t0 = (a & 0x00ff00ff) | ((b & 0x00ff00ff) << 8);
    let t1 = ((a >>> 8) & 0x00ff00ff) | (b & 0xff00ff00);
    let t2 = (c & 0x00ff00ff) | ((e & 0x00ff00ff) << 8);
    let t3 = ((c >>> 8) & 0x00ff00ff) | (e & 0xff00ff00);
    to.setInt32(d, (t0 & 0xffff) | (t2 << 16), true);
    to.setInt32(d + 8, (t1 & 0xffff) | (t3 << 16), true);
    to.setInt32(d + 16, (t0 >>> 16) | (t2 & 0xffff0000), true);
    to.setInt32(d + 24, (t1 >>> 16) | (t3 & 0xffff0000), true);
    a = from.getInt32(s4 + i, true), b = from.getInt32(s5 + i, true);
    c = from.getInt32(s6 + i, true), e = from.getInt32(s7 + i, true);
    t0 = (a & 0x00ff00ff) | ((b & 0x00ff00ff) << 8);
    t1 = ((a >>> 8) & 0x00ff00ff) | (b & 0xff00ff00);
    t2 = (c & 0x00ff00ff) | ((e & 0x00ff00ff) << 8);
    t3 = ((c >>> 8) & 0x00ff00ff) | (e & 0xff00ff00);
    to.setInt32(d + 4, (t0 & 0xffff) | (t2 << 16), true);
    to.setInt32(d + 12, (t1 & 0xffff) | (t3 << 16), true);
    to.setInt32(d + 20, (t0 >>> 16) | (t2 & 0xffff0000), true);
    to.setInt32(d + 28, (t1 >>> 16) | (t3 & 0xffff0000), true);
  }
  for (; i < n; i++, d += 8) {
    dst[d] = src[s + i];
    dst[d + 1] = src[s1 + i];
    dst[d + 2] = src[s2 + i];
    dst[d + 3] = src[s3 + i];
    dst[d + 4] = src[s4 + i];
    dst[d + 5] = src[s5 + i];
    dst[d + 6] = src[s6 + i];
    dst[d + 7] = src[s7 + i];
  }
}

/**
 * Bit-shuffles a block (the bitshuffle library's layout, as c-blosc uses it):
 * for byte `j` and bit `k` of the elements, row `j * 8 + k` holds that bit of
 * every element, element `i` at bit `i % 8` of row byte `i / 8`.
 */
export function bitshuffle(
  typesize: number,
  size: number,
  src: Uint8Array,
  srcPos: number,
  dst: Uint8Array,
  dstPos: number,
): void {
  const n = Math.floor(size / typesize);
  if (n % 8 !== 0) {
    dst.set(src.subarray(srcPos, srcPos + size), dstPos);
    return;
  }
  const rowBytes = n >> 3;
  for (let j = 0; j < typesize; j++) {
    for (let g = 0; g < rowBytes; g++) {
      // Gather byte j of the eight elements of group g, then emit one byte per bit.
      let e = srcPos + g * 8 * typesize + j;
      let lo = 0, hi = 0;
      for (let b = 0; b < 4; b++, e += typesize) lo |= src[e] << (b * 8);
      for (let b = 0; b < 4; b++, e += typesize) hi |= src[e] << (b * 8);
      let row = dstPos + j * 8 * rowBytes + g;
      for (let k = 0; k < 8; k++, row += rowBytes) dst[row] = gatherBit(lo, hi, k);
    }
  }
  const whole = n * typesize;
  if (whole < size) dst.set(src.subarray(srcPos + whole, srcPos + size), dstPos + whole);
}

/** The inverse of {@linkcode bitshuffle}. */
export function bitunshuffle(
  typesize: number,
  size: number,
  src: Uint8Array,
  srcPos: number,
  dst: Uint8Array,
  dstPos: number,
): void {
  const n = Math.floor(size / typesize);
  if (n % 8 !== 0) {
    dst.set(src.subarray(srcPos, srcPos + size), dstPos);
    return;
  }
  const rowBytes = n >> 3;
  for (let j = 0; j < typesize; j++) {
    for (let g = 0; g < rowBytes; g++) {
      // The eight row bytes (bits 0..7 of byte j) of group g.
      let row = srcPos + j * 8 * rowBytes + g;
      let lo = 0, hi = 0;
      for (let k = 0; k < 4; k++, row += rowBytes) lo |= src[row] << (k * 8);
      for (let k = 0; k < 4; k++, row += rowBytes) hi |= src[row] << (k * 8);
      let e = dstPos + g * 8 * typesize + j;
      for (let i = 0; i < 8; i++, e += typesize) dst[e] = gatherBit(lo, hi, i);
    }
  }
  const whole = n * typesize;
  if (whole < size) dst.set(src.subarray(srcPos + whole, srcPos + size), dstPos + whole);
}

// Bit `k` of each of the eight bytes packed in (lo, hi), as one byte: an 8x8
// bit-matrix column read.
function gatherBit(lo: number, hi: number, k: number): number {
  const a = (lo >>> k) & 0x01010101;
  const b = (hi >>> k) & 0x01010101;
  // The multiplier moves byte i's bit to bit 24 + i without overlapping carries.
  return ((a * 0x01020408) >>> 24 & 0x0f) | (((b * 0x01020408) >>> 24 & 0x0f) << 4);
}
