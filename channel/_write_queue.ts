/**
 * The write side of a connection: frames queued in the same tick leave in
 * one write, a write is never awaited by the code that queues, and the owner
 * can see how many bytes wait so that it can hold back.
 *
 * @module
 */

import {
  EMPTY,
  giveBuffer,
  MAX_BATCH_SIZE,
  MIN_BATCH_SIZE,
  poolSize,
  takeBuffer,
} from "./_buffers.ts";
import { encodeFrame, HEADER_SIZE, writeHeader } from "./frame.ts";
import type { Conn } from "./transport.ts";

/** Payloads up to this size are copied byte by byte, which beats `set()` for tiny ones. */
const SMALL_COPY = 32;

/**
 * Queues frames and writes them in order. Frames queued before the queue
 * next gets to write are coalesced into batches of up to `MAX_BATCH_SIZE`
 * bytes. Batches come from the shared buffer pool and go back to it once
 * written, so an idle queue holds no buffer. A batch that overflows doubles
 * the size of the next ones.
 */
export class WriteQueue {
  readonly #conn: Conn;
  readonly #onError: (error: unknown) => void;
  /** The batch being filled, while frames wait. */
  #batch: Uint8Array = EMPTY;
  #length = 0;
  /** The size of the next batch. */
  #batchSize = MIN_BATCH_SIZE;
  /** Bytes of buffers held: the batch being filled and the chunks waiting or being written. */
  #capacity = 0;
  /** Chunks waiting to be written, oldest first, from `#head` on. */
  #chunks: Uint8Array[] = [];
  #head = 0;
  #buffered = 0;
  #running = false;
  #closed = false;
  #failed = false;
  #drainWaiters: (() => void)[] = [];
  #drainLevel = 0;
  #idleWaiters: (() => void)[] = [];
  readonly #run: () => void;

  /**
   * @param conn The connection to write to.
   * @param onError Called once when a write fails; the queue drops everything after.
   */
  constructor(conn: Conn, onError: (error: unknown) => void) {
    this.#conn = conn;
    this.#onError = onError;
    this.#run = () => void this.#write();
  }

  /** Bytes queued and not yet handed to the connection. */
  get bufferedAmount(): number {
    return this.#buffered;
  }

  /** Bytes of buffers held now: none once everything queued was written. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Whether a write failed or the queue was closed: frames are dropped from then on. */
  get closed(): boolean {
    return this.#closed || this.#failed;
  }

  /**
   * Queues one frame: the header and `payload`, which are always written
   * together. Does nothing once the queue is closed. `payload` is copied
   * before this returns (the channel relies on it: its payloads live in a
   * reused scratch buffer).
   */
  enqueue(payload: Uint8Array): void {
    if (this.#closed || this.#failed) return;
    const length = payload.length;
    const size = HEADER_SIZE + length;
    let batch = this.#batch;
    let offset = this.#length;
    if (size > batch.length - offset) {
      if (offset > 0) {
        // The batch overflows: the next ones are larger.
        this.#chunks.push(batch.subarray(0, offset));
        if (this.#batchSize < MAX_BATCH_SIZE) this.#batchSize <<= 1;
      } else if (batch.length > 0) {
        giveBuffer(batch.buffer);
        this.#capacity -= batch.length;
      }
      if (size > MAX_BATCH_SIZE) {
        this.#batch = EMPTY;
        this.#length = 0;
        this.#chunks.push(encodeFrame(payload));
        this.#capacity += size;
        this.#buffered += size;
        this.#schedule();
        return;
      }
      batch = this.#batch = takeBuffer(size > this.#batchSize ? poolSize(size) : this.#batchSize);
      this.#capacity += batch.length;
      this.#length = offset = 0;
    }
    writeHeader(batch, offset, length);
    offset += HEADER_SIZE;
    if (length <= SMALL_COPY) {
      for (let i = 0; i < length; i++) batch[offset + i] = payload[i];
    } else {
      batch.set(payload, offset);
    }
    this.#length = offset + length;
    this.#buffered += size;
    this.#schedule();
  }

  /**
   * Resolves once fewer than `level` bytes are queued, or the queue is closed.
   */
  drained(level: number): Promise<void> {
    if (this.#buffered < level || this.#closed || this.#failed) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#drainWaiters.push(resolve);
    // Waiters share one level: the lowest asked for.
    if (this.#drainWaiters.length === 1 || level < this.#drainLevel) this.#drainLevel = level;
    return promise;
  }

  /** Resolves once everything queued has been written (or a write failed). */
  idle(): Promise<void> {
    if (!this.#running && this.#buffered === 0) return Promise.resolve();
    if (this.#failed) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#idleWaiters.push(resolve);
    return promise;
  }

  /** Stops accepting frames; frames already queued are still written. */
  close(): void {
    this.#closed = true;
    this.#wakeDrain();
  }

  #schedule(): void {
    if (!this.#running) {
      this.#running = true;
      queueMicrotask(this.#run);
    }
  }

  /** Takes the next chunk to write, detaching the batch being filled last. */
  #take(): Uint8Array | undefined {
    const chunks = this.#chunks;
    if (this.#head < chunks.length) {
      const chunk = chunks[this.#head];
      chunks[this.#head++] = EMPTY;
      if (this.#head === chunks.length) {
        chunks.length = 0;
        this.#head = 0;
      }
      return chunk;
    }
    const length = this.#length;
    if (length === 0) return undefined;
    const batch = this.#batch;
    const chunk = batch.subarray(0, length);
    this.#batch = EMPTY;
    this.#length = 0;
    return chunk;
  }

  async #write(): Promise<void> {
    const conn = this.#conn;
    try {
      for (let chunk = this.#take(); chunk !== undefined; chunk = this.#take()) {
        let written = await conn.write(chunk);
        while (written < chunk.length) written += await conn.write(chunk.subarray(written));
        this.#buffered -= chunk.length;
        this.#capacity -= chunk.buffer.byteLength;
        giveBuffer(chunk.buffer);
        if (this.#drainWaiters.length > 0 && this.#buffered < this.#drainLevel) this.#wakeDrain();
      }
    } catch (error) {
      this.#failed = true;
      this.#chunks = [];
      this.#head = 0;
      this.#batch = EMPTY;
      this.#length = 0;
      this.#buffered = 0;
      this.#capacity = 0;
      this.#wakeDrain();
      this.#onError(error);
    }
    this.#running = false;
    const idle = this.#idleWaiters;
    if (idle.length > 0) {
      this.#idleWaiters = [];
      for (const resolve of idle) resolve();
    }
  }

  #wakeDrain(): void {
    const waiters = this.#drainWaiters;
    if (waiters.length === 0) return;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
