/**
 * The memory a connection holds, in one place: the sizes of its read and
 * write buffers, and the pool they come from and go back to.
 *
 * An idle connection holds one small read buffer (the one its pending read
 * fills) and no write buffer. A connection's read size adapts to what it
 * receives: a read that fills its buffer doubles the next one (up to
 * {@linkcode MAX_READ_SIZE}), two in a row that use less than a quarter
 * halve it (down to {@linkcode MIN_READ_SIZE}). A frame larger than that
 * grows its own buffer as its bytes arrive, at most doubling what was
 * received, up to the frame's size: a header alone reserves nothing. Write
 * batches exist only while frames wait to be written; a batch that
 * overflows doubles the size of the next ones (up to
 * {@linkcode MAX_BATCH_SIZE}), and they stay at that size, since a batch is
 * held only until it is written.
 *
 * Buffers of the power-of-two sizes from {@linkcode MIN_READ_SIZE} to
 * {@linkcode MAX_READ_SIZE} are shared by all connections through a pool,
 * so that resizing and writing allocate nothing in the steady state; the
 * pool keeps at most {@linkcode POOL_BYTES} of each size.
 *
 * @module
 */

/** The read size of a new or idle connection, and the smallest buffer: 1 KiB. */
export const MIN_READ_SIZE = 1024;

/** The largest read buffer a connection keeps between frames: 64 KiB. */
export const MAX_READ_SIZE = 64 * 1024;

/** The first write batch of a connection, and the smallest: 1 KiB. */
export const MIN_BATCH_SIZE = 1024;

/**
 * The largest write batch: 64 KiB. Frames queued in the same tick are
 * coalesced into batches up to this size; larger frames are written on their
 * own.
 */
export const MAX_BATCH_SIZE = 64 * 1024;

/** The pool keeps at most this many bytes of each buffer size: 1 MiB. */
export const POOL_BYTES = 1024 * 1024;

const MIN_SHIFT = 31 - Math.clz32(Math.min(MIN_READ_SIZE, MIN_BATCH_SIZE));
const MAX_SHIFT = 31 - Math.clz32(Math.max(MAX_READ_SIZE, MAX_BATCH_SIZE));
/** Free buffers by size class: `pool[log2(size) - MIN_SHIFT]`. */
const pool: Uint8Array[][] = Array.from({ length: MAX_SHIFT - MIN_SHIFT + 1 }, () => []);

/** The free buffers of `size` bytes, or `undefined` when `size` is not a pooled size. */
function freeList(size: number): Uint8Array[] | undefined {
  return (size & (size - 1)) === 0 ? pool[31 - Math.clz32(size) - MIN_SHIFT] : undefined;
}

/**
 * The smallest pooled size that holds `size` bytes: a power of two from
 * the smallest minimum up; `size` must be at most the largest maximum.
 */
export function poolSize(size: number): number {
  return size <= 1 << MIN_SHIFT ? 1 << MIN_SHIFT : 1 << (32 - Math.clz32(size - 1));
}

/**
 * A buffer of `size` bytes (a pooled size), from the pool when it has one.
 * Its bytes are not cleared.
 */
export function takeBuffer(size: number): Uint8Array {
  return freeList(size)?.pop() ?? new Uint8Array(size);
}

/**
 * Gives a buffer back for reuse. Only a buffer nothing else uses may be given
 * back; buffers of other sizes, and those above the pool's bound, are left
 * to the garbage collector.
 */
export function giveBuffer(buffer: ArrayBufferLike): void {
  const size = buffer.byteLength;
  const free = freeList(size);
  if (free !== undefined && free.length * size < POOL_BYTES) free.push(new Uint8Array(buffer));
}

/** The buffer of no bytes: what a reader or write queue holds while it holds none. */
export const EMPTY: Uint8Array = new Uint8Array(0);

/** What a channel holds in buffers, for tests and diagnostics. */
export interface BufferUsage {
  /** Bytes of the read buffer. */
  readonly read: number;
  /** Bytes of write buffers, batches and large frames. */
  readonly write: number;
}
