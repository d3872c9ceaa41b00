/**
 * WebAssembly kernels for the hot loops of typesize-8 data: byte shuffle and
 * unshuffle with SIMD (five to ten times faster than the scalar code in
 * `_shuffle.ts`) and a BloscLZ decoder (about twice as fast as the one in
 * `_blosclz.ts`, whose checks it repeats).
 *
 * The module is assembled here, byte by byte, from the few instructions it
 * needs. The shuffles take 16 elements at a time: eight 16-byte vectors,
 * transposed with three rounds of `i8x16.shuffle` (interleaving bytes, then
 * 16-bit and 32-bit lanes, or the reverse). Work happens in the module's own
 * memory: the caller copies a block or a compressed stream in, or decodes
 * straight into it, and copies the result out. Where WebAssembly or its SIMD
 * extension is missing, {@linkcode simd} is `undefined` and the callers use
 * the TypeScript code.
 *
 * @module
 */

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

const I32 = 0x7f;
const V128 = 0x7b;

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function name(s: string): number[] {
  return [...leb(s.length), ...new TextEncoder().encode(s)];
}

function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}

// Parameters of both functions: 0 src, 1 dst, 2 n (elements, a multiple of
// 16, processed), 3 stride (bytes between streams). Locals: 4 end, 5..11 the
// stream offsets k * stride, 12..35 vectors.
const SRC = 0, DST = 1, N = 2, STRIDE = 3, END = 4, OFF = 4; // OFF + k for k >= 1
const V = 12;

const get = (i: number) => [0x20, ...leb(i)];
const set = (i: number) => [0x21, ...leb(i)];
/** `i32.const n` (signed LEB128 of a 32-bit integer). */
function i32Const(n: number): number[] {
  const out = [0x41];
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && (b & 0x40))) return [...out, b];
    out.push(b | 0x80);
  }
}
const I32_ADD = [0x6a];
const I32_MUL = [0x6c];
const I32_GE_U = [0x4f];
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const BR_IF_OUT = [0x0d, 1];
const BR_LOOP = [0x0c, 0];
const END_OP = [0x0b];
const load = (offset: number) => [0xfd, 0x00, 0x00, ...leb(offset)];
const store = (offset: number) => [0xfd, 0x0b, 0x00, ...leb(offset)];
const shuffleOp = (pattern: number[]) => [0xfd, 0x0d, ...pattern];

/** `dst = shuffle(a, b, pattern)` on vector locals. */
function shuf(dst: number, a: number, b: number, pattern: number[]): number[] {
  return [...get(V + a), ...get(V + b), ...shuffleOp(pattern), ...set(V + dst)];
}

/** `local += n`. */
function bump(local: number, n: number): number[] {
  return [...get(local), ...i32Const(n), ...I32_ADD, ...set(local)];
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
  code.push(...BLOCK, ...LOOP, ...get(cursor), ...get(END), ...I32_GE_U, ...BR_IF_OUT);
  code.push(...loopBody, ...step, ...BR_LOOP, ...END_OP, ...END_OP, ...END_OP);
  const locals = [2, 8, I32, 24, V128];
  const all = [...locals, ...code];
  return [...leb(all.length), ...all];
}

function unshuffleBody(): number[] {
  const code: number[] = [];
  // v0..v7: 16 bytes of each stream.
  code.push(...get(SRC), ...load(0), ...set(V));
  for (let k = 1; k < 8; k++) {
    code.push(...get(SRC), ...get(OFF + k), ...I32_ADD, ...load(0), ...set(V + k));
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
    code.push(...store(32 * q));
    code.push(
      ...get(DST),
      ...get(V + 16 + q),
      ...get(V + 20 + q),
      ...shuffleOp(interleaveHigh(4)),
    );
    code.push(...store(32 * q + 16));
  }
  // Streams advance by 16 elements, the elements by 128 bytes.
  return body(SRC, code, [...bump(SRC, 16), ...bump(DST, 128)]);
}

function shuffleBody(): number[] {
  const code: number[] = [];
  // in0..in7: elements (2k, 2k + 1).
  for (let k = 0; k < 8; k++) code.push(...get(SRC), ...load(16 * k), ...set(V + k));
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
      code.push(...store(0));
    }
  }
  return body(DST, code, [...bump(SRC, 128), ...bump(DST, 16)]);
}

// The BloscLZ decoder (see `_blosclz.ts` for the format and the checks, which
// are the same). Parameters: 0 ip, 1 ipEnd, 2 op, 3 opEnd; it returns the
// output position reached, or a negative number for a malformed stream (the
// caller then runs the TypeScript decoder to get the error message). Runs are
// copied as 8-byte words, possibly past their end while that stays before
// opEnd; the input must be followed by at least 8 readable bytes.
const IP = 0, IP_END = 1, OP = 2, OP_END = 3, OP_START = 4, CTRL = 5, LEN = 6, CODE = 7;
const DIST = 8, REF = 9, RUN_END = 10;
const tee = (i: number) => [0x22, ...leb(i)];
const I32_SUB = [0x6b];
const I32_DIV_U = [0x6e];
const I32_AND = [0x71];
const I32_OR = [0x72];
const I32_SHL = [0x74];
const I32_SHR_U = [0x76];
const I32_EQ = [0x46];
const I32_LT_U = [0x49];
const I32_GT_U = [0x4b];
const I32_LE_U = [0x4d];
const load8 = (offset = 0) => [0x2d, 0, ...leb(offset)];
const store8 = (offset = 0) => [0x3a, 0, ...leb(offset)];
const LOAD64 = [0x29, 0, 0];
const STORE64 = [0x37, 0, 0];
const RETURN = [0x0f];
const ifThen = (cond: number[], then: number[]) => [...cond, 0x04, 0x40, ...then, ...END_OP];
const ifElse = (cond: number[], then: number[], otherwise: number[]) => [
  ...cond,
  ...[0x04, 0x40, ...then, 0x05, ...otherwise, ...END_OP],
];
/** `do body while (cond)`. */
const doWhile = (body: number[], cond: number[]) => [...LOOP, ...body, ...cond, 0x0d, 0, ...END_OP];
/** `while (!exit) body`. */
const whileNot = (exit: number[], body: number[]) => [
  ...[...BLOCK, ...LOOP, ...exit, ...BR_IF_OUT],
  ...[...body, ...BR_LOOP, ...END_OP, ...END_OP],
];
const fail = [...i32Const(0), ...i32Const(1), ...I32_SUB, ...RETURN]; // return -1
const failIf = (cond: number[]) => ifThen(cond, fail);
/** `a > b - c`, unsigned. */
const exceeds = (
  a: number,
  b: number,
  c: number,
) => [...get(a), ...get(b), ...get(c), ...I32_SUB, ...I32_GT_U];
const atEnd = [...get(IP), ...get(IP_END), ...I32_GE_U];

/** Copies `[REF, ...)` to `[OP, RUN_END)` a word at a time (REF at least 8 back or in the input). */
const wordCopy = whileNot([...get(OP), ...get(RUN_END), ...I32_GE_U], [
  ...[...get(OP), ...get(REF), ...LOAD64, ...STORE64],
  ...[...bump(OP, 8), ...bump(REF, 8)],
]);
const byteCopy = whileNot([...get(OP), ...get(RUN_END), ...I32_GE_U], [
  ...[...get(OP), ...get(REF), ...load8(), ...store8()],
  ...[...bump(OP, 1), ...bump(REF, 1)],
]);
/** Whether words may be written up to 8 bytes past RUN_END. */
const roomForWords = [...get(RUN_END), ...i32Const(8), ...I32_ADD, ...get(OP_END), ...I32_LE_U];

function blosclzMatch(): number[] {
  // A short period: eight bytes one by one, then words from the nearest
  // multiple of the period at least 8 back (the output repeats with it too).
  const period = [
    ...Array.from({ length: 8 }, (_, k) => [...get(OP), ...get(REF), ...load8(k), ...store8(k)])
      .flat(),
    ...bump(OP, 8),
    ...[...get(OP), ...get(DIST), ...i32Const(7), ...get(DIST), ...I32_ADD, ...get(DIST)],
    ...[...I32_DIV_U, ...I32_MUL, ...I32_SUB, ...set(REF)],
  ];
  return [
    ...[...get(CTRL), ...i32Const(5), ...I32_SHR_U, ...i32Const(2), ...I32_ADD, ...set(LEN)],
    ...ifThen(
      [...get(LEN), ...i32Const(9), ...I32_EQ],
      doWhile([
        ...failIf(atEnd),
        ...[...get(IP), ...load8(), ...tee(CODE), ...get(LEN), ...I32_ADD, ...set(LEN)],
        ...bump(IP, 1),
      ], [...get(CODE), ...i32Const(255), ...I32_EQ]),
    ),
    ...failIf(atEnd),
    ...[...get(IP), ...load8(), ...set(CODE), ...bump(IP, 1)],
    ...[...get(CTRL), ...i32Const(31), ...I32_AND, ...i32Const(8), ...I32_SHL],
    ...[...get(CODE), ...I32_ADD, ...i32Const(1), ...I32_ADD, ...set(DIST)],
    // Distance 8192 here means the far-match marker (31, 255).
    ...ifThen([...get(DIST), ...i32Const(8192), ...I32_EQ], [
      ...failIf([...get(IP), ...i32Const(2), ...I32_ADD, ...get(IP_END), ...I32_GT_U]),
      ...[...get(IP), ...load8(), ...i32Const(8), ...I32_SHL, ...get(IP), ...load8(1), ...I32_OR],
      ...[...i32Const(8192), ...I32_ADD, ...set(DIST), ...bump(IP, 2)],
    ]),
    ...failIf(exceeds(LEN, OP_END, OP)),
    ...failIf(exceeds(DIST, OP, OP_START)),
    ...[...get(OP), ...get(DIST), ...I32_SUB, ...set(REF)],
    ...[...get(OP), ...get(LEN), ...I32_ADD, ...set(RUN_END)],
    ...ifElse(roomForWords, [
      ...ifThen([...get(DIST), ...i32Const(8), ...I32_LT_U], period),
      ...wordCopy,
    ], byteCopy),
    ...[...get(RUN_END), ...set(OP)],
  ];
}

function blosclzLiterals(): number[] {
  return [
    ...[...get(CTRL), ...i32Const(1), ...I32_ADD, ...set(LEN)],
    ...failIf(exceeds(LEN, OP_END, OP)),
    ...failIf(exceeds(LEN, IP_END, IP)),
    ...[...get(OP), ...get(LEN), ...I32_ADD, ...set(RUN_END)],
    ...[...get(IP), ...set(REF), ...get(IP), ...get(LEN), ...I32_ADD, ...set(IP)],
    ...ifElse(roomForWords, wordCopy, byteCopy),
    ...[...get(RUN_END), ...set(OP)],
  ];
}

function blosclzBody(): number[] {
  const code = [
    ...[...get(OP), ...set(OP_START)],
    ...failIf(atEnd),
    // The first control byte's top three bits are ignored.
    ...[...get(IP), ...load8(), ...i32Const(31), ...I32_AND, ...set(CTRL), ...bump(IP, 1)],
    ...doWhile([
      ...ifElse([...get(CTRL), ...i32Const(32), ...I32_GE_U], blosclzMatch(), blosclzLiterals()),
      ...ifThen(atEnd, [...get(OP), ...RETURN]),
      ...[...get(IP), ...load8(), ...set(CTRL), ...bump(IP, 1)],
    ], i32Const(1)),
    ...get(OP),
    ...END_OP,
  ];
  const all = [1, 7, I32, ...code];
  return [...leb(all.length), ...all];
}

const MAGIC_AND_VERSION = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const EXPORT_FUNC = 0x00;
const EXPORT_MEMORY = 0x02;

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const kernelType = [0x60, 4, I32, I32, I32, I32, 0]; // (i32 x 4) -> ()
  const decoderType = [0x60, 4, I32, I32, I32, I32, 1, I32]; // (i32 x 4) -> i32
  const exports = [
    ...[...name("memory"), EXPORT_MEMORY, 0],
    ...[...name("shuffle8"), EXPORT_FUNC, 0],
    ...[...name("unshuffle8"), EXPORT_FUNC, 1],
    ...[...name("blosclz"), EXPORT_FUNC, 2],
  ];
  return new Uint8Array([
    ...MAGIC_AND_VERSION,
    ...section(1, [2, ...kernelType, ...decoderType]), // types
    ...section(3, [3, 0, 0, 1]), // the functions' types
    ...section(5, [1, 0x00, 1]), // one memory, at least one page
    ...section(7, [4, ...exports]),
    ...section(10, [3, ...shuffleBody(), ...unshuffleBody(), ...blosclzBody()]),
  ]);
}

/**
 * The most memory the kernels may keep (it never shrinks): room for three
 * blocks of up to 8 MiB; c-blosc 1.x writes at most 1 MiB blocks for
 * typesize 8.
 */
const MAX_MEMORY = 24 * 1024 * 1024 + 65536;

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
  blosclz: (ip: number, ipEnd: number, op: number, opEnd: number) => number;
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
      blosclz: exports.blosclz as Simd["blosclz"],
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
function outputAt(size: number): number {
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
