/**
 * The timer handle both clocks return, and the heap the external clock
 * keeps its timers in.
 *
 * @module
 */

import type { TimerHandle } from "./clock.ts";

/** A handle whose cancellation runs `onCancel` once, unless the call already ran. */
export class Timer implements TimerHandle {
  readonly when: number;
  #cancelled = false;
  #done = false;
  #onCancel: () => void;

  constructor(when: number, onCancel: () => void) {
    this.when = when;
    this.#onCancel = onCancel;
  }

  get cancelled(): boolean {
    return this.#cancelled;
  }

  get done(): boolean {
    return this.#done;
  }

  /** Marks the call as run; returns false when it was cancelled. */
  markDone(): boolean {
    if (this.#cancelled || this.#done) return false;
    this.#done = true;
    return true;
  }

  cancel(): void {
    if (this.#cancelled || this.#done) return;
    this.#cancelled = true;
    this.#onCancel();
  }

  [Symbol.dispose](): void {
    this.cancel();
  }
}

/** An entry of the heap. */
export interface HeapEntry {
  readonly when: number;
  readonly seq: number;
}

function less(a: HeapEntry, b: HeapEntry): boolean {
  return a.when < b.when || (a.when === b.when && a.seq < b.seq);
}

/** Min-heap of timer entries. */
export class TimerHeap<E extends HeapEntry> {
  #items: E[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): E | undefined {
    return this.#items[0];
  }

  push(entry: E): void {
    const items = this.#items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): E | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && less(items[l], items[m])) m = l;
        if (r < items.length && less(items[r], items[m])) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m], items[i]];
        i = m;
      }
    }
    return top;
  }

  /** Removes every entry for which `keep` is false, then restores heap order. */
  filter(keep: (entry: E) => boolean): void {
    const kept = this.#items.filter(keep);
    this.#items = [];
    for (const entry of kept) this.push(entry);
  }
}
