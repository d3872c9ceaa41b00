/**
 * WebAssembly kernels for the hot loops of Blosc: byte shuffle and unshuffle
 * of typesize-8 data with SIMD (five to ten times faster than the scalar code
 * in `_shuffle.ts`), and the BloscLZ decoder and encoder of
 * `_wasm_blosclz.ts` (faster than `_blosclz.ts`, whose bytes and checks they
 * repeat).
 *
 * The module is assembled here, byte by byte, from the few instructions it
 * needs (`_wasm.ts`). The shuffles take 16 elements at a time: eight 16-byte
 * vectors, transposed with three rounds of `i8x16.shuffle` (interleaving
 * bytes, then 16-bit and 32-bit lanes, or the reverse). Work happens in the
 * module's own memory: the caller copies a block or a compressed stream in,
 * or decodes straight into it, and copies the result out. Where WebAssembly or
 * its SIMD extension is missing, {@linkcode simd} is `undefined` and the
 * callers use the TypeScript code.
 *
 * @module
 */

import {
  bump,
  funcBody,
  get,
  I32,
  I32_ADD,
  I32_GE_U,
  I32_MUL,
  i32Const,
  loadV128,
  name,
  section,
  set,
  shuffleOp,
  storeV128,
  V128,
  whileNot,
} from "./_wasm.ts";
import { blosclzDecoderBody, blosclzEncoderBody } from "./_wasm_blosclz.ts";
import { firstCheckpoint, HASH_LOG_MAX, hashBits } from "./_hash_table.ts";

// Lane patterns of i8x16.shuffle over the 32 bytes of two vectors (a, b).
const lanes = (f: (i: number) => number) => Array.from({ length: 16 }, (_, i) => f(i));
/** Interleave the low halves of a and b, in units of `w` bytes. */
const interleaveLow = (w: number) =>
  lanes((i) => ((i / w | 0) % 2) * 16 + ((i / (2 * w)) | 0) * w + (i % w));
/** Interleave the high halves of a and b, in units of `w` bytes. */
const interleaveHigh = (w: number) => interleaveLow(w).map((x) => x + 8);
/** The even units of w bytes of a then b. */
const evens = (w: number) => lanes((i) => ((i / w) | 0) * 2 * w + (i % w));
/** The odd units of w bytes of a then b. */
const odds = (w: number) => evens(w).map((x) => x + w);

// Parameters of both functions: 0 src, 1 dst, 2 n (elements, a multiple of
// 16, processed), 3 stride (bytes between streams). Locals: 4 end, 5..11 the
// stream offsets k * stride, 12..35 vectors.
const SRC = 0, DST = 1, N = 2, STRIDE = 3, END = 4, OFF = 4; // OFF + k for k >= 1
const V = 12;

/** `dst = shuffle(a, b, pattern)` on vector locals. */
function shuf(dst: number, a: number, b: number, pattern: number[]): number[] {
  return [...get(V + a), ...get(V + b), ...shuffleOp(pattern), ...set(V + dst)];
}

/**
 * A function body: its locals, a prologue setting END to `cursor + n` and the
 * stream offsets, then `loopBody` and `step` repeated while `cursor < END`.
 */
function body(cursor: number, loopBody: number[], step: number[]): number[] {
  const code = [...get(cursor), ...get(N), ...I32_ADD, ...set(END)];
  for (let k = 1; k < 8; k++) {
    code.push(...get(STRIDE), ...i32Const(k), ...I32_MUL, ...set(OFF + k));
  }
  code.push(...whileNot([...get(cursor), ...get(END), ...I32_GE_U], [...loopBody, ...step]));
  return funcBody([[8, I32], [24, V128]], code);
}

function unshuffleBody(): number[] {
  const code: number[] = [];
  // v0..v7: 16 bytes of each stream.
  code.push(...get(SRC), ...loadV128(0), ...set(V));
  for (let k = 1; k < 8; k++) {
    code.push(...get(SRC), ...get(OFF + k), ...I32_ADD, ...loadV128(0), ...set(V + k));
  }
  // Bytes: a0 a1 = (v0, v1), b = (v2, v3), c = (v4, v5), d = (v6, v7) at 8..15.
  for (let p = 0; p < 4; p++) {
    code.push(...shuf(8 + 2 * p, 2 * p, 2 * p + 1, interleaveLow(1)));
    code.push(...shuf(9 + 2 * p, 2 * p, 2 * p + 1, interleaveHigh(1)));
  }
  // 16-bit lanes: e0..e3 from (a, b) at 16..19, f0..f3 from (c, d) at 20..23.
  for (let h = 0; h < 2; h++) {
    code.push(...shuf(16 + 2 * h, 8 + h, 10 + h, interleaveLow(2)));
    code.push(...shuf(17 + 2 * h, 8 + h, 10 + h, interleaveHigh(2)));
    code.push(...shuf(20 + 2 * h, 12 + h, 14 + h, interleaveLow(2)));
    code.push(...shuf(21 + 2 * h, 12 + h, 14 + h, interleaveHigh(2)));
  }
  // 32-bit lanes: elements 2q, 2q + 1 from (e_q/2.., f..) stored in order.
  for (let q = 0; q < 4; q++) {
    code.push(...get(DST), ...get(V + 16 + q), ...get(V + 20 + q), ...shuffleOp(interleaveLow(4)));
    code.push(...storeV128(32 * q));
    code.push(
      ...get(DST),
      ...get(V + 16 + q),
      ...get(V + 20 + q),
      ...shuffleOp(interleaveHigh(4)),
    );
    code.push(...storeV128(32 * q + 16));
  }
  // Streams advance by 16 elements, the elements by 128 bytes.
  return body(SRC, code, [...bump(SRC, 16), ...bump(DST, 128)]);
}

function shuffleBody(): number[] {
  const code: number[] = [];
  // in0..in7: elements (2k, 2k + 1).
  for (let k = 0; k < 8; k++) code.push(...get(SRC), ...loadV128(16 * k), ...set(V + k));
  // 32-bit lanes: e_q (bytes 0-3) and f_q (bytes 4-7) of elements 4q..4q+3.
  for (let q = 0; q < 4; q++) {
    code.push(...shuf(16 + q, 2 * q, 2 * q + 1, evens(4)));
    code.push(...shuf(20 + q, 2 * q, 2 * q + 1, odds(4)));
  }
  // 16-bit lanes: a_h, b_h from (e_2h, e_2h+1); c_h, d_h from (f_2h, f_2h+1).
  for (let h = 0; h < 2; h++) {
    code.push(...shuf(8 + h, 16 + 2 * h, 17 + 2 * h, evens(2)));
    code.push(...shuf(10 + h, 16 + 2 * h, 17 + 2 * h, odds(2)));
    code.push(...shuf(12 + h, 20 + 2 * h, 21 + 2 * h, evens(2)));
    code.push(...shuf(14 + h, 20 + 2 * h, 21 + 2 * h, odds(2)));
  }
  // Bytes: stream 2p from the even bytes of pair p, stream 2p + 1 from the odd.
  for (let p = 0; p < 4; p++) {
    for (let odd = 0; odd < 2; odd++) {
      const k = 2 * p + odd;
      code.push(...get(DST));
      if (k > 0) code.push(...get(OFF + k), ...I32_ADD);
      code.push(
        ...get(V + 8 + 2 * p),
        ...get(V + 9 + 2 * p),
        ...shuffleOp(odd ? odds(1) : evens(1)),
      );
      code.push(...storeV128(0));
    }
  }
  return body(DST, code, [...bump(SRC, 128), ...bump(DST, 16)]);
}

const MAGIC_AND_VERSION = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const EXPORT_FUNC = 0x00;
const EXPORT_MEMORY = 0x02;

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const kernelType = [0x60, 4, I32, I32, I32, I32, 0]; // (i32 x 4) -> ()
  const decoderType = [0x60, 4, I32, I32, I32, I32, 1, I32]; // (i32 x 4) -> i32
  const encoderType = [0x60, 9, ...Array(9).fill(I32), 1, I32]; // (i32 x 9) -> i32
  const exports = [
    ...[...name("memory"), EXPORT_MEMORY, 0],
    ...[...name("shuffle8"), EXPORT_FUNC, 0],
    ...[...name("unshuffle8"), EXPORT_FUNC, 1],
    ...[...name("blosclzDecode"), EXPORT_FUNC, 2],
    ...[...name("blosclzEncode"), EXPORT_FUNC, 3],
  ];
  return new Uint8Array([
    ...MAGIC_AND_VERSION,
    ...section(1, [3, ...kernelType, ...decoderType, ...encoderType]), // types
    ...section(3, [4, 0, 0, 1, 2]), // the functions' types
    ...section(5, [1, 0x00, 1]), // one memory, at least one page
    ...section(7, [5, ...exports]),
    ...section(10, [
      4,
      ...shuffleBody(),
      ...unshuffleBody(),
      ...blosclzDecoderBody(),
      ...blosclzEncoderBody(),
    ]),
  ]);
}

/**
 * The most memory the kernels may keep (it never shrinks): room for three
 * blocks of up to 8 MiB and the encoder's hash table; c-blosc 1.x writes at
 * most 1 MiB blocks for typesize 8.
 */
const MAX_MEMORY = 24 * 1024 * 1024 + 2 * 65536;

type Kernel = (src: number, dst: number, n: number, stride: number) => void;

/** The SIMD kernels and their memory. */
export interface Simd {
  /** Memory of the kernels; grown by {@linkcode Simd.reserve}. */
  memory: WebAssembly.Memory;
  /** Byte-shuffles `n` elements (a multiple of 16) at `src` into streams `stride` apart at `dst`. */
  shuffle8: Kernel;
  /** The inverse of `shuffle8`. */
  unshuffle8: Kernel;
  /**
   * Decodes the BloscLZ stream at `[ip, ipEnd)` into `[op, opEnd)`; returns
   * the end of the output, or a negative number for a malformed stream. At
   * least 8 bytes of memory must follow `ipEnd`.
   */
  blosclzDecode: (ip: number, ipEnd: number, op: number, opEnd: number) => number;
  /**
   * Encodes `[ip, end)` as a BloscLZ stream at `op`, as `blosclzCompress`
   * of `_blosclz.ts` does, with the hash table at `table`; returns the end
   * of the output or -1. See `_wasm_blosclz.ts` for the parameters.
   */
  blosclzEncode: (
    ip: number,
    end: number,
    op: number,
    limit: number,
    skipShift: number,
    shift: number,
    shiftBy: number,
    table: number,
    checkpoint: number,
  ) => number;
  /**
   * Makes the memory at least `size` bytes and returns a view of all of it,
   * or `undefined` when it cannot grow that far (the caller then uses the
   * scalar code).
   */
  reserve(size: number): Uint8Array | undefined;
}

function instantiate(): Simd | undefined {
  try {
    if (typeof WebAssembly !== "object") return undefined;
    const bytes = moduleBytes();
    if (!WebAssembly.validate(bytes)) return undefined;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    const exports = instance.exports as Record<string, unknown>;
    const memory = exports.memory as WebAssembly.Memory;
    let view = new Uint8Array(memory.buffer);
    return {
      memory,
      shuffle8: exports.shuffle8 as Kernel,
      unshuffle8: exports.unshuffle8 as Kernel,
      blosclzDecode: exports.blosclzDecode as Simd["blosclzDecode"],
      blosclzEncode: exports.blosclzEncode as Simd["blosclzEncode"],
      reserve(size: number): Uint8Array | undefined {
        if (size > MAX_MEMORY) return undefined;
        if (memory.buffer.byteLength < size) {
          try {
            memory.grow(Math.ceil((size - memory.buffer.byteLength) / 65536));
          } catch {
            return undefined;
          }
        }
        if (view.buffer !== memory.buffer) view = new Uint8Array(memory.buffer);
        return view;
      },
    };
  } catch {
    return undefined;
  }
}

/** The kernels, or `undefined` where WebAssembly SIMD is not available. */
export const simd: Simd | undefined = instantiate();

/** Where {@linkcode shuffleInto} puts the shuffled block: after the input, aligned. */
export function outputAt(size: number): number {
  return (size + 15) & ~15;
}

/**
 * Where compressed streams of a block of `size` bytes are copied for the
 * BloscLZ decoder: after the block and its unshuffled copy. The decoder may
 * read 8 bytes past a stream, so `mem` must hold the stream plus 8 bytes
 * from here; memory reserved for three blocks leaves room for any stream
 * shorter than the block.
 */
export function inputAt(size: number): number {
  return outputAt(outputAt(size) + size);
}

/**
 * Byte-shuffles `data[offset, offset + size)` with typesize 8 into the SIMD
 * memory, which must hold twice `size` plus 16 bytes (see
 * {@linkcode Simd.reserve}).
 *
 * @returns The position of the shuffled block in `mem`.
 */
export function shuffleInto(
  kernels: Simd,
  mem: Uint8Array,
  data: Uint8Array,
  offset: number,
  size: number,
): number {
  const n = size >>> 3;
  const n16 = n & ~15;
  const out = outputAt(size);
  if (n16 > 0) {
    mem.set(data.subarray(offset, offset + n16 * 8), 0);
    kernels.shuffle8(0, out, n16, n);
  }
  for (let i = n16; i < n; i++) {
    const e = offset + i * 8;
    for (let j = 0; j < 8; j++) mem[out + j * n + i] = data[e + j];
  }
  if (n * 8 < size) mem.set(data.subarray(offset + n * 8, offset + size), out + n * 8);
  return out;
}

/**
 * Unshuffles (typesize 8) the shuffled block of `size` bytes at the start of
 * the SIMD memory into `dst` at `offset`. The memory must hold twice `size`
 * plus 16 bytes.
 */
export function unshuffleFrom(
  kernels: Simd,
  mem: Uint8Array,
  size: number,
  dst: Uint8Array,
  offset: number,
): void {
  const n = size >>> 3;
  const n16 = n & ~15;
  if (n16 > 0) {
    const out = outputAt(size);
    kernels.unshuffle8(0, out, n16, n);
    dst.set(mem.subarray(out, out + n16 * 8), offset);
  }
  for (let i = n16; i < n; i++) {
    const e = offset + i * 8;
    for (let j = 0; j < 8; j++) dst[e + j] = mem[j * n + i];
  }
  if (n * 8 < size) dst.set(mem.subarray(n * 8, size), offset + n * 8);
}

/** Bytes of the encoder's hash table: 2^14 positions. */
const TABLE_BYTES = 4 << HASH_LOG_MAX;

/**
 * The memory {@linkcode StreamEncoder} needs for blocks of `size` bytes: the
 * block and its shuffled copy (see {@linkcode shuffleInto}), then the hash
 * table and the output of one stream, each with room to overrun by 32 bytes.
 */
export function encoderMemory(size: number): number {
  return inputAt(size) + 64 + TABLE_BYTES + size + 64;
}

/**
 * Compresses the BloscLZ streams of one frame with the WebAssembly encoder,
 * from blocks placed at {@linkcode outputAt} in the kernels' memory.
 */
export class StreamEncoder {
  readonly #kernels: Simd;
  readonly #mem: Uint8Array;
  readonly #table: number;
  readonly #out: number;
  /** Bytes at the start of the table cleared since the range last began. */
  #cleared = 0;
  /** Where the range of shifted positions continues. */
  #next = 1;

  /** `mem` must hold {@linkcode encoderMemory} of `blocksize`. */
  constructor(kernels: Simd, mem: Uint8Array, blocksize: number) {
    this.#kernels = kernels;
    this.#mem = mem;
    this.#table = inputAt(blocksize) + 64;
    this.#out = this.#table + TABLE_BYTES;
  }

  /**
   * Encodes `mem[start, end)` into `dst` from `op`, writing nothing at or
   * after `limit`; the same bytes as `blosclzCompress` of `_blosclz.ts`.
   *
   * @returns The end of the stream in `dst`, or -1 when it does not fit.
   */
  encode(
    start: number,
    end: number,
    dst: Uint8Array,
    op: number,
    limit: number,
    skipShift: number,
  ): number {
    const length = end - start;
    if (length < 16) return -1;
    // Positions are stored shifted into a range no earlier stream used, so
    // their entries read as misses. The memory held other data before this
    // frame: the part of the table a stream uses is cleared on first use,
    // and again whenever the range runs out.
    if (this.#next + length + 1 > 0x7fffffff) [this.#cleared, this.#next] = [0, 1];
    const bits = hashBits(length);
    const used = 4 << bits;
    if (used > this.#cleared) {
      this.#mem.fill(0, this.#table + this.#cleared, this.#table + used);
      this.#cleared = used;
    }
    const shiftBy = this.#next - start;
    this.#next += length + 1;
    const out = this.#out;
    const stop = this.#kernels.blosclzEncode(
      start,
      end,
      out,
      out + limit - op,
      skipShift,
      32 - bits,
      shiftBy,
      this.#table,
      firstCheckpoint(start, length),
    );
    if (stop < 0) return -1;
    dst.set(this.#mem.subarray(out, stop), op);
    return op + stop - out;
  }
}
