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

// Typesize 8 is the one aiomas uses. Elements are read or written as two
// 32-bit words through a DataView (any alignment); when the eight streams are
// word-aligned too, 4x4 byte tiles are transposed in registers, otherwise the
// stream side goes byte by byte.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function streamWords(bytes: Uint8Array, pos: number, n: number): Uint32Array | undefined {
  const offset = bytes.byteOffset + pos;
  return LITTLE_ENDIAN && offset % 4 === 0 && n % 4 === 0
    ? new Uint32Array(bytes.buffer, offset, n * 2)
    : undefined;
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function shuffle8(n: number, src: Uint8Array, s: number, dst: Uint8Array, d: number): void {
  const from = viewOf(src);
  const to = streamWords(dst, d, n);
  if (to) {
    const quads = n >> 2;
    for (let q = 0, e = s; q < quads; q++, e += 32) {
      transpose(
        from.getUint32(e, true),
        from.getUint32(e + 8, true),
        from.getUint32(e + 16, true),
        from.getUint32(e + 24, true),
        to,
        q,
        quads,
      );
      transpose(
        from.getUint32(e + 4, true),
        from.getUint32(e + 12, true),
        from.getUint32(e + 20, true),
        from.getUint32(e + 28, true),
        to,
        q + 4 * quads,
        quads,
      );
    }
    return;
  }
  const d1 = d + n, d2 = d1 + n, d3 = d2 + n, d4 = d3 + n, d5 = d4 + n, d6 = d5 + n, d7 = d6 + n;
  for (let i = 0; i < n; i++, s += 8) {
    const lo = from.getUint32(s, true);
    const hi = from.getUint32(s + 4, true);
    dst[d + i] = lo;
    dst[d1 + i] = lo >>> 8;
    dst[d2 + i] = lo >>> 16;
    dst[d3 + i] = lo >>> 24;
    dst[d4 + i] = hi;
    dst[d5 + i] = hi >>> 8;
    dst[d6 + i] = hi >>> 16;
    dst[d7 + i] = hi >>> 24;
  }
}

function unshuffle8(n: number, src: Uint8Array, s: number, dst: Uint8Array, d: number): void {
  const from = streamWords(src, s, n);
  if (from && LITTLE_ENDIAN && (dst.byteOffset + d) % 4 === 0) {
    const to = new Uint32Array(dst.buffer, dst.byteOffset + d, n * 2);
    const quads = n >> 2;
    for (let q = 0, e = 0; q < quads; q++, e += 8) {
      const lo = q, hi = q + 4 * quads;
      transpose(from[lo], from[lo + quads], from[lo + 2 * quads], from[lo + 3 * quads], to, e, 2);
      transpose(
        from[hi],
        from[hi + quads],
        from[hi + 2 * quads],
        from[hi + 3 * quads],
        to,
        e + 1,
        2,
      );
    }
    return;
  }
  // Build each output word from four stream bytes.
  const to = viewOf(dst);
  const s1 = s + n, s2 = s1 + n, s3 = s2 + n, s4 = s3 + n, s5 = s4 + n, s6 = s5 + n, s7 = s6 + n;
  for (let i = 0; i < n; i++, d += 8) {
    to.setUint32(d, src[s + i] | src[s1 + i] << 8 | src[s2 + i] << 16 | src[s3 + i] << 24, true);
    to.setUint32(
      d + 4,
      src[s4 + i] | src[s5 + i] << 8 | src[s6 + i] << 16 | src[s7 + i] << 24,
      true,
    );
  }
}

/**
 * Transposes the 4x4 byte matrix whose rows are the words a, b, c, d and
 * stores the rows of the result at `out[at]`, `out[at + step]`, ...
 */
function transpose(
  a: number,
  b: number,
  c: number,
  d: number,
  out: Uint32Array,
  at: number,
  step: number,
): void {
  const t0 = (a & 0x00ff00ff) | ((b & 0x00ff00ff) << 8); // a0 b0 a2 b2
  const t1 = ((a >>> 8) & 0x00ff00ff) | (b & 0xff00ff00); // a1 b1 a3 b3
  const t2 = (c & 0x00ff00ff) | ((d & 0x00ff00ff) << 8); // c0 d0 c2 d2
  const t3 = ((c >>> 8) & 0x00ff00ff) | (d & 0xff00ff00); // c1 d1 c3 d3
  out[at] = (t0 & 0xffff) | (t2 << 16);
  out[at + step] = (t1 & 0xffff) | (t3 << 16);
  out[at + 2 * step] = (t0 >>> 16) | (t2 & 0xffff0000);
  out[at + 3 * step] = (t1 >>> 16) | (t3 & 0xffff0000);
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
