/**
 * The match-finder table of the compressors, reused across calls without
 * clearing: each call stores positions shifted into a fresh range of values,
 * so entries left by earlier calls read as positions before its input.
 */

/** Number of entries of the largest table (log2). */
export const HASH_LOG_MAX = 14;

/** Size (log2) of the table for an input of `length` bytes: 8 to 14. */
export function hashBits(length: number): number {
  return Math.max(8, Math.min(HASH_LOG_MAX, 32 - Math.clz32(Math.max(length, 2) - 1)));
}

/**
 * Where a compressor that has saved nothing so far gives up on an input of
 * `length` bytes from `start`: storing it raw is smaller and faster to decode.
 */
export function firstCheckpoint(start: number, length: number): number {
  return start + Math.max(4096, length >> 3);
}

/** A reusable hash table of positions. */
export class HashTable {
  /** Entries: shifted positions. */
  readonly entries: Int32Array = new Int32Array(1 << HASH_LOG_MAX);
  #next = 1;

  /**
   * Starts a call over `src[start, start + length)`.
   *
   * @returns The offset to add to positions before storing them (and to
   * subtract after loading); anything loaded then reads below `start`.
   */
  begin(start: number, length: number): number {
    if (this.#next + length + 1 > 0x7fffffff) {
      this.entries.fill(0);
      this.#next = 1;
    }
    const offset = this.#next - start;
    this.#next += length + 1;
    return offset;
  }
}
