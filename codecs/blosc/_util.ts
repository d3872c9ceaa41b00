/** Little-endian integer helpers shared by the frame reader and writer. */

/** Reads a little-endian uint32. */
export function readU32(bytes: Uint8Array, pos: number): number {
  return (bytes[pos] | bytes[pos + 1] << 8 | bytes[pos + 2] << 16 | bytes[pos + 3] << 24) >>> 0;
}

/** Writes a little-endian uint32. */
export function writeU32(bytes: Uint8Array, pos: number, value: number): void {
  bytes[pos] = value;
  bytes[pos + 1] = value >>> 8;
  bytes[pos + 2] = value >>> 16;
  bytes[pos + 3] = value >>> 24;
}
