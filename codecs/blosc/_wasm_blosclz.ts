/**
 * The BloscLZ decoder and encoder as WebAssembly function bodies, for the
 * module of `_simd.ts`. They follow `_blosclz.ts` step by step: the decoder
 * makes the same checks, and the encoder writes the same bytes (the tests
 * compare both on many inputs). 8-byte loads and stores and the absence of
 * bounds checks make the decoder about twice as fast and the encoder about a
 * third faster.
 *
 * @module
 */

import {
  BLOCK,
  br,
  brIf,
  bump,
  doWhile,
  END_OP,
  funcBody,
  get,
  I32,
  I32_ADD,
  I32_AND,
  I32_DIV_U,
  I32_EQ,
  I32_GE_U,
  I32_GT_U,
  I32_LE_U,
  I32_LT_S,
  I32_LT_U,
  I32_MUL,
  I32_NE,
  I32_OR,
  I32_SHL,
  I32_SHR_U,
  I32_SUB,
  I32_WRAP_I64,
  i32Const,
  I64,
  I64_CTZ,
  I64_NE,
  I64_SHR_U,
  I64_XOR,
  i64Const,
  ifElse,
  ifThen,
  load32,
  load64,
  load8,
  loadV128,
  LOOP,
  RETURN,
  SELECT,
  set,
  store32,
  store64,
  store8,
  storeV128,
  tee,
  whileNot,
} from "./_wasm.ts";

// The BloscLZ decoder (see `_blosclz.ts` for the format and the checks, which
// are the same). Parameters: 0 ip, 1 ipEnd, 2 op, 3 opEnd; it returns the
// output position reached, or a negative number for a malformed stream (the
// caller then runs the TypeScript decoder to get the error message). Runs are
// copied as 8-byte words, possibly past their end while that stays before
// opEnd; the input must be followed by at least 8 readable bytes.
const IP = 0, IP_END = 1, OP = 2, OP_END = 3, OP_START = 4, CTRL = 5, LEN = 6, CODE = 7;
const DIST = 8, REF = 9, RUN_END = 10;
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
  ...[...get(OP), ...get(REF), ...load64(), ...store64()],
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

/** The body of `blosclzDecode(ip, ipEnd, op, opEnd) -> end or -1`. */
export function blosclzDecoderBody(): number[] {
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
  ];
  return funcBody([[7, I32]], code);
}

// The BloscLZ encoder: `blosclzCompress` of `_blosclz.ts` with the hash table
// in memory. Parameters: 0 ip (the stream's start), 1 end, 2 op, 3 limit,
// 4 skipShift, 5 shift (32 - hash bits), 6 shiftBy (added to positions in the
// table), 7 table (address), 8 checkpoint. It returns the output end, or -1
// when the stream does not fit before `limit`. It reads up to 32 bytes past
// `end` and writes up to 32 bytes past `limit`.
const E_IP = 0, E_END = 1, E_OP = 2, E_LIMIT = 3, E_SKIP = 4, E_SHIFT = 5, E_SHIFT_BY = 6;
const E_TABLE = 7, E_CHECKPOINT = 8, E_START = 9, E_ANCHOR = 10, E_MISSES = 11;
const E_MATCH_LIMIT = 12, E_SCAN_LIMIT = 13, E_SEQ = 14, E_SLOT = 15, E_REF = 16, E_DIST = 17;
const E_MP = 18, E_RP = 19, E_LEN = 20, E_LITS = 21, E_OP_START = 22, E_N = 23, E_DIFF = 24;
const MAX_NEAR = 8191;
const MAX_FAR = 8192 + 65535;
const HASH_MULTIPLIER = 0x9e3779b1;
const returnMinusOne = [...i32Const(-1), ...RETURN];

/** The table slot of four bytes (`sequence` leaves them on the stack). */
const slotOf = (sequence: number[]) => [
  ...get(E_TABLE),
  ...[...sequence, ...i32Const(HASH_MULTIPLIER), ...I32_MUL],
  ...[...get(E_SHIFT), ...I32_SHR_U, ...i32Const(2), ...I32_SHL, ...I32_ADD],
];

/** Copies 32 bytes from `[E_ANCHOR]` to `[E_OP + 1]`, more than a literal run needs. */
const copy32Literals = [
  ...[...get(E_OP), ...get(E_ANCHOR), ...loadV128(), ...storeV128(1)],
  ...[...get(E_OP), ...get(E_ANCHOR), ...loadV128(16), ...storeV128(17)],
];

/** Writes `[E_ANCHOR, to)` as literal runs of at most 32 bytes; E_ANCHOR ends at `to`. */
const writeLiterals = (to: number[]) =>
  whileNot([...get(E_ANCHOR), ...to, ...I32_GE_U], [
    // n = min(32, to - anchor)
    ...[...to, ...get(E_ANCHOR), ...I32_SUB, ...tee(E_N), ...i32Const(32), ...get(E_N)],
    ...[...i32Const(32), ...I32_LT_U, ...SELECT, ...set(E_N)],
    ...[...get(E_OP), ...get(E_N), ...i32Const(1), ...I32_SUB, ...store8()],
    ...copy32Literals,
    ...[...get(E_OP), ...i32Const(1), ...I32_ADD, ...get(E_N), ...I32_ADD, ...set(E_OP)],
    ...[...get(E_ANCHOR), ...get(E_N), ...I32_ADD, ...set(E_ANCHOR)],
  ]);

const isFar = [...get(E_DIST), ...i32Const(MAX_NEAR), ...I32_GT_U];

/** Any match: a length byte run for lengths over 8, then a near or far distance. */
const writeMatch = [
  // E_N: the high bits of the control byte (31 marks a far match).
  ...[...i32Const(31), ...get(E_DIST), ...i32Const(1), ...I32_SUB, ...i32Const(8), ...I32_SHR_U],
  ...[...isFar, ...SELECT, ...set(E_N)],
  ...ifElse([...get(E_LEN), ...i32Const(8), ...I32_LE_U], [
    ...[...get(E_OP), ...get(E_LEN), ...i32Const(2), ...I32_SUB, ...i32Const(5), ...I32_SHL],
    ...[...get(E_N), ...I32_OR, ...store8(), ...bump(E_OP, 1)],
  ], [
    ...[...get(E_OP), ...i32Const(7 << 5), ...get(E_N), ...I32_OR, ...store8(), ...bump(E_OP, 1)],
    ...bump(E_LEN, -9),
    ...whileNot([...get(E_LEN), ...i32Const(255), ...I32_LT_U], [
      ...[...get(E_OP), ...i32Const(255), ...store8(), ...bump(E_OP, 1), ...bump(E_LEN, -255)],
    ]),
    ...[...get(E_OP), ...get(E_LEN), ...store8(), ...bump(E_OP, 1)],
  ]),
  ...ifElse(isFar, [
    ...[...get(E_DIST), ...i32Const(MAX_NEAR + 1), ...I32_SUB, ...set(E_N)],
    ...[...get(E_OP), ...i32Const(255), ...store8()],
    ...[...get(E_OP), ...get(E_N), ...i32Const(8), ...I32_SHR_U, ...store8(1)],
    ...[...get(E_OP), ...get(E_N), ...store8(2), ...bump(E_OP, 3)],
  ], [
    ...[...get(E_OP), ...get(E_DIST), ...i32Const(1), ...I32_SUB, ...store8(), ...bump(E_OP, 1)],
  ]),
];

/** Extends the match at E_IP / E_REF forwards into E_MP, up to E_MATCH_LIMIT. */
const extendMatch = [
  ...[...get(E_IP), ...i32Const(4), ...I32_ADD, ...set(E_MP)],
  ...[...get(E_REF), ...i32Const(4), ...I32_ADD, ...set(E_RP)],
  ...BLOCK, // done
  ...BLOCK, // to the byte tail
  ...LOOP, // eight bytes at a time
  ...[...get(E_MP), ...i32Const(8), ...I32_ADD, ...get(E_MATCH_LIMIT), ...I32_GT_U, ...brIf(1)],
  ...[...get(E_MP), ...load64(), ...get(E_RP), ...load64(), ...I64_XOR, ...tee(E_DIFF)],
  ...ifThen([...i64Const(0), ...I64_NE], [
    // The first differing byte is the lowest nonzero one (little endian).
    ...[...get(E_MP), ...get(E_DIFF), ...I64_CTZ, ...i64Const(3), ...I64_SHR_U, ...I32_WRAP_I64],
    ...[...I32_ADD, ...set(E_MP), ...br(3)],
  ]),
  ...[...bump(E_MP, 8), ...bump(E_RP, 8), ...br(0)],
  ...END_OP,
  ...END_OP,
  ...LOOP, // the last bytes one at a time
  ...[...get(E_MP), ...get(E_MATCH_LIMIT), ...I32_GE_U, ...brIf(1)],
  ...[...get(E_MP), ...load8(), ...get(E_RP), ...load8(), ...I32_NE, ...brIf(1)],
  ...[...bump(E_MP, 1), ...bump(E_RP, 1), ...br(0)],
  ...END_OP,
  ...END_OP,
];

/** Moves E_IP / E_REF back over bytes still pending as literals that match too. */
const extendBackwards = [
  ...BLOCK,
  ...LOOP,
  ...[...get(E_IP), ...get(E_ANCHOR), ...I32_LE_U, ...brIf(1)],
  ...[...get(E_REF), ...get(E_START), ...I32_LE_U, ...brIf(1)],
  ...[...get(E_IP), ...i32Const(1), ...I32_SUB, ...load8()],
  ...[...get(E_REF), ...i32Const(1), ...I32_SUB, ...load8(), ...I32_NE, ...brIf(1)],
  ...[...bump(E_IP, -1), ...bump(E_REF, -1), ...br(0)],
  ...END_OP,
  ...END_OP,
];

/** `op + literals + literals / 32 + extra > limit`: the worst case does not fit. */
const overflows = (extra: number[]) => [
  ...[...get(E_OP), ...get(E_LITS), ...I32_ADD, ...get(E_LITS), ...i32Const(5), ...I32_SHR_U],
  ...[...I32_ADD, ...extra, ...I32_ADD, ...get(E_LIMIT), ...I32_GT_U],
];

/** The body of `blosclzEncode(...) -> end or -1`; see the parameters above. */
export function blosclzEncoderBody(): number[] {
  // A miss: step on, faster after many misses; give up on data that has not
  // compressed at all by the checkpoint.
  const miss = [
    ...[...get(E_IP), ...i32Const(1), ...I32_ADD, ...get(E_MISSES), ...get(E_SKIP), ...I32_SHR_U],
    ...[...I32_ADD, ...set(E_IP), ...bump(E_MISSES, 1)],
    ...ifThen([...get(E_IP), ...get(E_CHECKPOINT), ...I32_GE_U], [
      ...ifThen([
        ...[...get(E_OP), ...get(E_OP_START), ...I32_SUB, ...i32Const(32), ...I32_MUL],
        ...[...get(E_IP), ...get(E_START), ...I32_SUB, ...i32Const(31), ...I32_MUL, ...I32_GT_U],
      ], returnMinusOne),
      ...[...get(E_END), ...set(E_CHECKPOINT)],
    ]),
  ];
  const emit = [
    ...[...get(E_MP), ...get(E_IP), ...I32_SUB, ...set(E_LEN)],
    ...[...get(E_IP), ...get(E_ANCHOR), ...I32_SUB, ...set(E_LITS)],
    // E_N: the bytes a long length takes, without a division for most matches.
    ...[...i32Const(0), ...set(E_N)],
    ...ifThen([...get(E_LEN), ...i32Const(255), ...I32_GE_U], [
      ...[...get(E_LEN), ...i32Const(255), ...I32_DIV_U, ...set(E_N)],
    ]),
    ...ifThen(overflows([...i32Const(7), ...get(E_N), ...I32_ADD]), returnMinusOne),
    ...ifThen([...get(E_LITS), ...i32Const(0), ...I32_NE], [
      ...ifElse([
        ...[...get(E_LITS), ...i32Const(32), ...I32_LE_U],
        ...[...get(E_OP), ...i32Const(36), ...I32_ADD, ...get(E_LIMIT), ...I32_LE_U, ...I32_AND],
      ], [
        ...[...get(E_OP), ...get(E_LITS), ...i32Const(1), ...I32_SUB, ...store8()],
        ...copy32Literals,
        ...[...get(E_OP), ...i32Const(1), ...I32_ADD, ...get(E_LITS), ...I32_ADD, ...set(E_OP)],
      ], writeLiterals(get(E_IP))),
    ]),
    ...ifElse([
      ...[...get(E_LEN), ...i32Const(8), ...I32_LE_U],
      ...[...get(E_DIST), ...i32Const(MAX_NEAR), ...I32_LE_U, ...I32_AND],
    ], [
      ...[...get(E_OP), ...get(E_LEN), ...i32Const(2), ...I32_SUB, ...i32Const(5), ...I32_SHL],
      ...[...get(E_DIST), ...i32Const(1), ...I32_SUB, ...i32Const(8), ...I32_SHR_U, ...I32_OR],
      ...store8(),
      ...[...get(E_OP), ...get(E_DIST), ...i32Const(1), ...I32_SUB, ...store8(1), ...bump(E_OP, 2)],
    ], writeMatch),
  ];
  const scan = [
    ...BLOCK, // 1: out of the scan
    ...LOOP, // 0: the next position
    ...[...get(E_IP), ...get(E_SCAN_LIMIT), ...I32_GE_U, ...brIf(1)],
    ...[
      ...slotOf([...get(E_IP), ...load32(), ...tee(E_SEQ)]),
      ...tee(E_SLOT),
      ...load32(),
      ...get(E_SHIFT_BY),
      ...I32_SUB,
    ],
    ...set(E_REF),
    ...[...get(E_SLOT), ...get(E_IP), ...get(E_SHIFT_BY), ...I32_ADD, ...store32()],
    ...[...get(E_IP), ...get(E_REF), ...I32_SUB, ...set(E_DIST)],
    ...BLOCK, // a hit
    ...BLOCK, // a miss
    ...[...get(E_REF), ...get(E_START), ...I32_LT_S, ...brIf(0)],
    ...[...get(E_DIST), ...i32Const(MAX_FAR), ...I32_GT_U, ...brIf(0)],
    ...[...get(E_REF), ...load32(), ...get(E_SEQ), ...I32_EQ, ...brIf(1)],
    ...END_OP,
    ...miss,
    ...br(1), // the next position
    ...END_OP,
    ...extendMatch,
    // A far match costs two more bytes; short ones are not worth it.
    ...ifThen([
      ...[
        ...isFar,
        ...get(E_MP),
        ...get(E_IP),
        ...I32_SUB,
        ...i32Const(5),
        ...I32_LT_U,
        ...I32_AND,
      ],
    ], [...bump(E_IP, 1), ...br(1)]),
    ...[...i32Const(0), ...set(E_MISSES)],
    ...extendBackwards,
    ...emit,
    ...[...get(E_MP), ...tee(E_IP), ...set(E_ANCHOR)],
    // Index the last positions of the match so the next run finds it.
    ...ifThen([...get(E_IP), ...get(E_SCAN_LIMIT), ...I32_LT_U], [
      ...[...get(E_IP), ...i32Const(2), ...I32_SUB, ...set(E_N)],
      ...[
        ...slotOf([...get(E_N), ...load32()]),
        ...get(E_N),
        ...get(E_SHIFT_BY),
        ...I32_ADD,
        ...store32(),
      ],
    ]),
    ...br(0),
    ...END_OP,
    ...END_OP,
  ];
  const code = [
    ...[...get(E_IP), ...tee(E_START), ...tee(E_ANCHOR), ...i32Const(1), ...I32_ADD, ...set(E_IP)],
    ...[...get(E_OP), ...set(E_OP_START)],
    ...[...get(E_END), ...i32Const(8), ...I32_SUB, ...tee(E_MATCH_LIMIT)],
    ...[...i32Const(4), ...I32_SUB, ...set(E_SCAN_LIMIT)],
    ...scan,
    ...[...get(E_END), ...get(E_ANCHOR), ...I32_SUB, ...set(E_LITS)],
    ...ifThen(overflows(i32Const(1)), returnMinusOne),
    ...writeLiterals(get(E_END)),
    ...get(E_OP),
  ];
  return funcBody([[15, I32], [1, I64]], code);
}
