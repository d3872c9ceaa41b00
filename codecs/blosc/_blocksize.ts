/**
 * Block size and split decisions of c-blosc 1.21 for the fast compressors
 * (BloscLZ, LZ4) in its default "forward compatible" split mode.
 */

const L1 = 32 * 1024;
const MAX_SPLITS = 16;
const MIN_BUFFERSIZE = 128;

/** Whether a block of `blocksize` bytes is split into `typesize` streams. */
export function splitBlock(typesize: number, blocksize: number): boolean {
  return typesize <= MAX_SPLITS && Math.floor(blocksize / typesize) >= MIN_BUFFERSIZE;
}

/** The block size c-blosc 1.21 picks for `nbytes` of data. */
export function computeBlocksize(clevel: number, typesize: number, nbytes: number): number {
  if (nbytes < typesize) return 1;
  let blocksize = nbytes;
  if (nbytes >= L1) {
    // Level 0 stores, level 1 halves L1, and the higher levels grow it.
    const factors = [0.25, 0.5, 1, 2, 4, 4, 8, 8, 8, 8];
    blocksize = L1 * factors[clevel];
  }
  if (clevel > 0 && splitBlock(typesize, blocksize)) {
    // Split streams get at most 256 KiB each, blocks 64 KiB to 1 MiB.
    blocksize = Math.min(blocksize, 1 << 18) * typesize;
    blocksize = Math.min(Math.max(blocksize, 1 << 16), 1 << 20);
  }
  if (blocksize > nbytes) blocksize = nbytes;
  if (blocksize > typesize) blocksize = Math.floor(blocksize / typesize) * typesize;
  return blocksize;
}
