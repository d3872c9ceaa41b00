/**
 * What the examples take from Python so that mosaik sees the same failures
 * as from the Python originals: built-in exception names and the check of
 * keyword arguments.
 *
 * @module
 */

/** Python's `ValueError`. */
export class ValueError extends Error {
  override name = "ValueError";
}

/** Python's `RuntimeError`. */
export class RuntimeError extends Error {
  override name = "RuntimeError";
}

/** Rejects keyword arguments a Python signature would not take. */
export function noOtherParams(
  method: string,
  params: Record<string, unknown>,
  known: string[],
): void {
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) {
      throw new TypeError(`${method}() got an unexpected keyword argument '${key}'`);
    }
  }
}
