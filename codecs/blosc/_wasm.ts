/**
 * A tiny WebAssembly assembler: the encodings of the few instructions our
 * kernels use, as arrays of bytes to concatenate into function bodies.
 *
 * @module
 */

/** Value types. */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const V128 = 0x7b;

/** Unsigned LEB128. */
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

/** A length-prefixed UTF-8 name. */
export function name(s: string): number[] {
  return [...leb(s.length), ...new TextEncoder().encode(s)];
}

/** A module section. */
export function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}

/** A function body from its local declarations (count, type pairs) and code. */
export function funcBody(locals: number[][], code: number[]): number[] {
  const all = [...leb(locals.length), ...locals.flat(), ...code, ...END_OP];
  return [...leb(all.length), ...all];
}

export const get = (i: number): number[] => [0x20, ...leb(i)];
export const set = (i: number): number[] => [0x21, ...leb(i)];
export const tee = (i: number): number[] => [0x22, ...leb(i)];

/** `i32.const n` (signed LEB128 of a 32-bit integer). */
export function i32Const(n: number): number[] {
  const out = [0x41];
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && (b & 0x40))) return [...out, b];
    out.push(b | 0x80);
  }
}

export const I32_EQ = [0x46];
export const I32_NE = [0x47];
export const I32_LT_S = [0x48];
export const I32_LT_U = [0x49];
export const I32_GT_U = [0x4b];
export const I32_LE_U = [0x4d];
export const I32_GE_U = [0x4f];
export const I32_ADD = [0x6a];
export const I32_SUB = [0x6b];
export const I32_MUL = [0x6c];
export const I32_DIV_U = [0x6e];
export const I32_AND = [0x71];
export const I32_OR = [0x72];
export const I32_SHL = [0x74];
export const I32_SHR_U = [0x76];
export const I32_WRAP_I64 = [0xa7];
export const I64_NE = [0x52];
export const I64_CTZ = [0x7a];
export const I64_XOR = [0x85];
export const I64_SHR_U = [0x88];
export const i64Const = (n: number): number[] => [0x42, n & 0x3f]; // 0..63 only
export const SELECT = [0x1b];
export const RETURN = [0x0f];

/** Memory access with a static `offset`. */
export const load32 = (offset = 0): number[] => [0x28, 0, ...leb(offset)];
export const store32 = (offset = 0): number[] => [0x36, 0, ...leb(offset)];
export const load64 = (offset = 0): number[] => [0x29, 0, ...leb(offset)];
export const store64 = (offset = 0): number[] => [0x37, 0, ...leb(offset)];
export const load8 = (offset = 0): number[] => [0x2d, 0, ...leb(offset)];
export const store8 = (offset = 0): number[] => [0x3a, 0, ...leb(offset)];
export const loadV128 = (offset = 0): number[] => [0xfd, 0x00, 0x00, ...leb(offset)];
export const storeV128 = (offset = 0): number[] => [0xfd, 0x0b, 0x00, ...leb(offset)];
export const shuffleOp = (pattern: number[]): number[] => [0xfd, 0x0d, ...pattern];

export const BLOCK = [0x02, 0x40];
export const LOOP = [0x03, 0x40];
export const END_OP = [0x0b];
/** `br depth`: to the end of a block or the start of a loop, `depth` levels out. */
export const br = (depth: number): number[] => [0x0c, ...leb(depth)];
export const brIf = (depth: number): number[] => [0x0d, ...leb(depth)];

export const ifThen = (cond: number[], then: number[]): number[] => [
  ...cond,
  ...[0x04, 0x40, ...then, ...END_OP],
];
export const ifElse = (cond: number[], then: number[], otherwise: number[]): number[] => [
  ...cond,
  ...[0x04, 0x40, ...then, 0x05, ...otherwise, ...END_OP],
];
/** `do body while (cond)`; inside `body`, depth 0 is the loop. */
export const doWhile = (body: number[], cond: number[]): number[] => [
  ...LOOP,
  ...body,
  ...cond,
  ...brIf(0),
  ...END_OP,
];
/**
 * `while (!exit) body`; inside `body`, `br(0)` continues and `br(1)` breaks
 * (one more for each enclosing `if` in between).
 */
export const whileNot = (exit: number[], body: number[]): number[] => [
  ...[...BLOCK, ...LOOP, ...exit, ...brIf(1)],
  ...[...body, ...br(0), ...END_OP, ...END_OP],
];

/** `local += n`. */
export function bump(local: number, n: number): number[] {
  return [...get(local), ...i32Const(n), ...I32_ADD, ...set(local)];
}
