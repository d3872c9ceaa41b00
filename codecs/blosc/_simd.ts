/**
 * Byte shuffle and unshuffle for typesize 8 with WebAssembly SIMD, five to
 * ten times faster than the scalar code in `_shuffle.ts`.
 *
 * The module is assembled here, byte by byte, from the few instructions it
 * needs: for 16 elements at a time it loads eight 16-byte vectors and
 * transposes them with three rounds of `i8x16.shuffle` (interleaving bytes,
 * then 16-bit and 32-bit lanes, or the reverse), then stores eight vectors.
 * Work happens in the module's own memory: the caller copies a block in,
 * or decodes straight into it, and copies the result out. Where WebAssembly
 * or its SIMD extension is missing, {@linkcode simd} is `undefined` and the
 * callers use the scalar code.
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

// The BloscLZ encoder: exactly `blosclzCompress` of `_blosclz.ts` (same
// output; see there for the reasoning), with the hash table at `table` in
// this memory, cleared at each call. Parameters: 0 start, 1 end, 2 op,
// 3 opLimit, 4 skipShift, 5 table; returns the output end or -1.
const E_START = 0, E_END = 1, E_OP = 2, E_LIMIT = 3, E_SKIP = 4, E_TABLE = 5;
const E_SHIFT = 6, E_MATCH_LIMIT = 7, E_SCAN_LIMIT = 8, E_OP_START = 9, E_CHECKPOINT = 10;
const E_ANCHOR = 11, E_IP = 12, E_MISSES = 13, E_SEQ = 14, E_SLOT = 15, E_REF = 16;
const E_DIST = 17, E_MP = 18, E_RP = 19, E_DIFF = 20, E_LEN = 21, E_N = 22, E_MISS = 23;
const E_LOCALS = 18;
const I32_XOR = [0x73];
const I32_SHR_S = [0x75];
const I32_CLZ = [0x67];
const I32_CTZ = [0x68];
const I32_NE = [0x47];
const I32_GT_S = [0x4a];
const SELECT = [0x1b];
const load32 = [0x28, 0, 0];
const store32 = [0x36, 0, 0];
const MEMORY_COPY = [0xfc, 0x0a, 0, 0];
const MEMORY_FILL = [0xfc, 0x0b, 0];
const br = (depth: number) => [0x0c, depth];
const brIf = (depth: number) => [0x0d, depth];
/** `block { loop { body } }`, where `br 1` leaves and `br 0` repeats. */
const blockLoop = (body: number[]) => [...BLOCK, ...LOOP, ...body, ...END_OP, ...END_OP];
/** max(a, b) of two values already computed as code. */
const maxOf = (a: number[], b: number[]) => [...a, ...b, ...a, ...b, ...I32_GT_S, ...SELECT];
const minOf = (a: number[], b: number[]) => [...a, ...b, ...a, ...b, ...[0x48], ...SELECT];
/** The address of the table slot of the 4 bytes at `[at]`. */
const slotOf = (at: number[]) => [
  ...[...at, ...load32, ...i32Const(0x9e3779b1), ...I32_MUL, ...get(E_SHIFT), ...I32_SHR_U],
  ...[...i32Const(2), ...I32_SHL, ...get(E_TABLE), ...I32_ADD],
];

/** Literal runs of up to 32 bytes from `anchor` to `to`; leaves anchor at `to`. */
function writeLiteralsTo(to: number[]): number[] {
  return blockLoop([
    ...[...get(E_ANCHOR), ...to, ...I32_GE_U, ...brIf(1)],
    ...[...minOf(i32Const(32), [...to, ...get(E_ANCHOR), ...I32_SUB]), ...set(E_N)],
    ...[...get(E_OP), ...get(E_N), ...i32Const(1), ...I32_SUB, ...store8()],
    ...[...get(E_OP), ...i32Const(1), ...I32_ADD, ...get(E_ANCHOR), ...get(E_N), ...MEMORY_COPY],
    ...[...get(E_OP), ...i32Const(1), ...I32_ADD, ...get(E_N), ...I32_ADD, ...set(E_OP)],
    ...[...get(E_ANCHOR), ...get(E_N), ...I32_ADD, ...set(E_ANCHOR)],
    ...br(0),
  ]);
}

function writeMatchCode(): number[] {
  const far = [...get(E_DIST), ...i32Const(8191), ...I32_GT_U];
  // high = far ? 31 : (dist - 1) >> 8, kept in E_N
  const high = [
    ...[...i32Const(31), ...get(E_DIST), ...i32Const(1), ...I32_SUB, ...i32Const(8), ...I32_SHR_U],
    ...[...far, ...SELECT, ...set(E_N)],
  ];
  const emit = (value: number[]) => [
    ...[...get(E_OP), ...value, ...store8()],
    ...bump(E_OP, 1),
  ];
  return [
    ...high,
    ...ifElse(
      [...get(E_LEN), ...i32Const(8), ...I32_LE_U],
      emit([...get(E_LEN), ...i32Const(2), ...I32_SUB, ...i32Const(5), ...I32_SHL, ...get(E_N), ...I32_OR]),
      [
        ...emit([...i32Const(7 << 5), ...get(E_N), ...I32_OR]),
        ...[...get(E_LEN), ...i32Const(9), ...I32_SUB, ...set(E_LEN)],
        ...whileNot([...get(E_LEN), ...i32Const(255), ...I32_LT_U], [
          ...emit(i32Const(255)),
          ...[...get(E_LEN), ...i32Const(255), ...I32_SUB, ...set(E_LEN)],
        ]),
        ...emit(get(E_LEN)),
      ],
    ),
    ...ifElse(far, [
      ...emit(i32Const(255)),
      ...emit([...get(E_DIST), ...i32Const(8192), ...I32_SUB, ...i32Const(8), ...I32_SHR_U]),
      ...emit([...get(E_DIST), ...i32Const(8192), ...I32_SUB]),
    ], emit([...get(E_DIST), ...i32Const(1), ...I32_SUB])),
  ];
}

function blosclzEncoderBody(): number[] {
  const length = [...get(E_END), ...get(E_START), ...I32_SUB];
  const hashLog = maxOf(
    i32Const(8),
    minOf(i32Const(14), [...i32Const(32), ...length, ...i32Const(1), ...I32_SUB, ...I32_CLZ, ...I32_SUB]),
  );
  const prologue = [
    ...failIf([...length, ...i32Const(16), ...I32_LT_U]),
    ...[...i32Const(32), ...hashLog, ...I32_SUB, ...set(E_SHIFT)],
    // Clear the 4 << hashLog bytes of the table.
    ...[...get(E_TABLE), ...i32Const(0), ...i32Const(4), ...hashLog, ...I32_SHL, ...MEMORY_FILL],
    ...[...get(E_END), ...i32Const(8), ...I32_SUB, ...set(E_MATCH_LIMIT)],
    ...[...get(E_MATCH_LIMIT), ...i32Const(4), ...I32_SUB, ...set(E_SCAN_LIMIT)],
    ...[...get(E_OP), ...set(E_OP_START)],
    ...[...get(E_START), ...maxOf(i32Const(4096), [...length, ...i32Const(3), ...I32_SHR_U])],
    ...[...I32_ADD, ...set(E_CHECKPOINT)],
    ...[...get(E_START), ...set(E_ANCHOR), ...get(E_START), ...i32Const(1), ...I32_ADD, ...set(E_IP)],
  ];
  // Depths inside the main loop body: 0 = "continue" block, 1 = loop, 2 = exit.
  const miss = [
    ...[...get(E_IP), ...i32Const(1), ...I32_ADD, ...get(E_MISSES), ...get(E_SKIP), ...I32_SHR_U],
    ...[...I32_ADD, ...set(E_IP), ...bump(E_MISSES, 1)],
    ...ifThen([...get(E_IP), ...get(E_CHECKPOINT), ...I32_GE_U], [
      // Give up on data that has not compressed at all so far.
      ...failIf([
        ...[...get(E_OP), ...get(E_OP_START), ...I32_SUB, ...i32Const(32), ...I32_MUL],
        ...[...get(E_IP), ...get(E_START), ...I32_SUB, ...i32Const(31), ...I32_MUL, ...I32_GT_S],
      ]),
      ...[...get(E_END), ...set(E_CHECKPOINT)],
    ]),
  ];
  const extend = [
    ...[...get(E_IP), ...i32Const(4), ...I32_ADD, ...set(E_MP)],
    ...[...get(E_REF), ...i32Const(4), ...I32_ADD, ...set(E_RP)],
    ...blockLoop([
      ...ifThen([...get(E_MP), ...get(E_SCAN_LIMIT), ...I32_GT_U], [
        ...blockLoop([
          ...[...get(E_MP), ...get(E_MATCH_LIMIT), ...I32_GE_U, ...brIf(1)],
          ...[...get(E_MP), ...load8(), ...get(E_RP), ...load8(), ...I32_NE, ...brIf(1)],
          ...[...bump(E_MP, 1), ...bump(E_RP, 1), ...br(0)],
        ]),
        ...br(2),
      ]),
      ...[...get(E_MP), ...load32, ...get(E_RP), ...load32, ...I32_XOR, ...set(E_DIFF)],
      ...ifThen([...get(E_DIFF), ...i32Const(0), ...I32_NE], [
        ...[...get(E_MP), ...get(E_DIFF), ...I32_CTZ, ...i32Const(3), ...I32_SHR_U, ...I32_ADD],
        ...[...set(E_MP), ...br(2)],
      ]),
      ...[...bump(E_MP, 4), ...bump(E_RP, 4), ...br(0)],
    ]),
  ];
  const backward = blockLoop([
    ...[...get(E_IP), ...get(E_ANCHOR), ...I32_LE_U, ...brIf(1)],
    ...[...get(E_REF), ...get(E_START), ...I32_LE_U, ...brIf(1)],
    ...[...get(E_IP), ...load8(0), ...get(E_REF), ...i32Const(1), ...I32_SUB, ...load8()],
    ...[...get(E_IP), ...i32Const(1), ...I32_SUB, ...load8(), ...I32_NE, ...brIf(1)],
    ...[...get(E_IP), ...i32Const(1), ...I32_SUB, ...set(E_IP)],
    ...[...get(E_REF), ...i32Const(1), ...I32_SUB, ...set(E_REF), ...br(0)],
  ]);
  const literals = [...get(E_IP), ...get(E_ANCHOR), ...I32_SUB];
  const body = [
    ...[...get(E_IP), ...get(E_SCAN_LIMIT), ...I32_GE_U, ...brIf(2)],
    ...BLOCK, // "continue" leaves this block
    ...[...get(E_IP), ...load32, ...set(E_SEQ)],
    ...[...slotOf(get(E_IP)), ...set(E_SLOT)],
    ...[...get(E_SLOT), ...load32, ...set(E_REF)], // position - start + 1, or 0
    ...[...get(E_SLOT), ...get(E_IP), ...get(E_START), ...I32_SUB, ...i32Const(1), ...I32_ADD, ...store32],
    ...[...i32Const(1), ...set(E_MISS)],
    ...ifThen([...get(E_REF), ...i32Const(0), ...I32_NE], [
      ...[...get(E_REF), ...get(E_START), ...I32_ADD, ...i32Const(1), ...I32_SUB, ...set(E_REF)],
      ...[...get(E_IP), ...get(E_REF), ...I32_SUB, ...set(E_DIST)],
      ...ifThen([...get(E_DIST), ...i32Const(8192 + 65535), ...I32_LE_U], [
        ...[...get(E_REF), ...load32, ...get(E_SEQ), ...I32_NE, ...set(E_MISS)],
      ]),
    ]),
    ...ifThen(get(E_MISS), [...miss, ...br(1)]),
    ...extend,
    // A far match costs two more bytes; short ones are not worth it.
    ...ifThen([
      ...[...get(E_DIST), ...i32Const(8191), ...I32_GT_U],
      ...[...get(E_MP), ...get(E_IP), ...I32_SUB, ...i32Const(5), ...I32_LT_U, ...I32_AND],
    ], [...bump(E_IP, 1), ...br(1)]),
    ...[...i32Const(0), ...set(E_MISSES)],
    ...backward,
    ...[...get(E_MP), ...get(E_IP), ...I32_SUB, ...set(E_LEN)],
    ...failIf([
      ...[...get(E_OP), ...literals, ...I32_ADD, ...literals, ...i32Const(5), ...I32_SHR_U, ...I32_ADD],
      ...[...i32Const(7), ...I32_ADD, ...get(E_LEN), ...i32Const(255), ...I32_DIV_U, ...I32_ADD],
      ...[...get(E_LIMIT), ...I32_GT_S],
    ]),
    ...writeLiteralsTo(get(E_IP)),
    ...writeMatchCode(),
    ...[...get(E_MP), ...tee(E_IP), ...set(E_ANCHOR)],
    // Index the last positions of the match so the next run finds it.
    ...ifThen([...get(E_IP), ...get(E_SCAN_LIMIT), ...I32_LT_U], [
      ...slotOf([...get(E_IP), ...i32Const(2), ...I32_SUB]),
      ...[...get(E_IP), ...i32Const(2), ...I32_SUB, ...get(E_START), ...I32_SUB, ...i32Const(1)],
      ...[...I32_ADD, ...store32],
    ]),
    ...END_OP, // end of the "continue" block
    ...br(0),
  ];
  const tail = [...get(E_END), ...get(E_ANCHOR), ...I32_SUB];
  const code = [
    ...prologue,
    ...blockLoop(body),
    ...failIf([
      ...[...get(E_OP), ...tail, ...I32_ADD, ...tail, ...i32Const(5), ...I32_SHR_U, ...I32_ADD],
      ...[...i32Const(1), ...I32_ADD, ...get(E_LIMIT), ...I32_GT_S],
    ]),
    ...writeLiteralsTo(get(E_END)),
    ...get(E_OP),
    ...END_OP,
  ];
  const all = [1, E_LOCALS, I32, ...code];
  return [...leb(all.length), ...all];
}

const MAGIC_AND_VERSION = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const EXPORT_FUNC = 0x00;
const EXPORT_MEMORY = 0x02;

export function moduleBytes(): Uint8Array<ArrayBuffer> {
  const kernelType = [0x60, 4, I32, I32, I32, I32, 0]; // (i32 x 4) -> ()
  const decoderType = [0x60, 4, I32, I32, I32, I32, 1, I32]; // (i32 x 4) -> i32
  const encoderType = [0x60, 6, I32, I32, I32, I32, I32, I32, 1, I32]; // (i32 x 6) -> i32
  const exports = [
    ...[...name("memory"), EXPORT_MEMORY, 0],
    ...[...name("shuffle8"), EXPORT_FUNC, 0],
    ...[...name("unshuffle8"), EXPORT_FUNC, 1],
    ...[...name("blosclz"), EXPORT_FUNC, 2],
    ...[...name("blosclzCompress"), EXPORT_FUNC, 3],
  ];
  return new Uint8Array([
    ...MAGIC_AND_VERSION,
    ...section(1, [3, ...kernelType, ...decoderType, ...encoderType]), // types
    ...section(3, [4, 0, 0, 1, 2]), // the functions' types
    ...section(5, [1, 0x00, 1]), // one memory, at least one page
    ...section(7, [5, ...exports]),
    ...section(10, [4, ...shuffleBody(), ...unshuffleBody(), ...blosclzBody(), ...blosclzEncoderBody()]),
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
   * `blosclzCompress` of `_blosclz.ts` (the same output) on this memory, with
   * a hash table of up to 64 KiB at `table`.
   */
  blosclzCompress: (
    start: number,
    end: number,
    op: number,
    opLimit: number,
    skipShift: number,
    table: number,
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
      blosclz: exports.blosclz as Simd["blosclz"],
      blosclzCompress: exports.blosclzCompress as Simd["blosclzCompress"],
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
