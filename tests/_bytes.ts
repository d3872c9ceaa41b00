/**
 * Byte helpers for tests that build wire data by hand.
 *
 * @module
 */

/** The bytes of `parts`, one after the other, in a new array. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
