/**
 * Per-call timeouts of one channel on a single timer.
 *
 * A timer per call is costly (in Deno 2.9 each `setTimeout` makes a Node-style
 * `Timeout` object), and calls with a timeout usually finish long before it.
 * So the calls wait in a binary heap ordered by deadline, leave it as soon as
 * their reply arrives, and one timer is armed for the earliest deadline. The
 * timer is only moved when a call with an earlier deadline arrives; when it
 * fires, it expires what is due and re-arms for the next deadline.
 *
 * @module
 */

/** Something with a deadline: a pending call. */
export interface Expiring {
  /** When it expires, in `performance.now()` milliseconds. */
  deadline: number;
  /** Its place in the heap, `-1` when not in one. */
  heapIndex: number;
  /** Called once when the deadline passes while it is still in the heap. */
  expire(): void;
}

/** A deadline-ordered heap with one timer. */
export class Deadlines<T extends Expiring> {
  #heap: T[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The deadline the timer is armed for. */
  #armedFor = Infinity;
  readonly #onTimer = (): void => this.#fire();

  /** How many entries wait. */
  get size(): number {
    return this.#heap.length;
  }

  /** Adds `item`; its `deadline` must be set. */
  add(item: T): void {
    const heap = this.#heap;
    item.heapIndex = heap.length;
    heap.push(item);
    this.#up(item.heapIndex);
    if (item.deadline < this.#armedFor) this.#arm(item.deadline);
  }

  /** Removes `item` if it is in the heap. The timer stays as it is. */
  remove(item: T): void {
    const index = item.heapIndex;
    if (index < 0) return;
    item.heapIndex = -1;
    const heap = this.#heap;
    const last = heap.pop()!;
    if (index === heap.length) return;
    heap[index] = last;
    last.heapIndex = index;
    this.#up(index);
    this.#down(last.heapIndex);
  }

  /** Forgets every entry (without expiring them) and stops the timer. */
  clear(): void {
    for (const item of this.#heap) item.heapIndex = -1;
    this.#heap = [];
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Infinity;
  }

  #arm(deadline: number): void {
    clearTimeout(this.#timer);
    this.#armedFor = deadline;
    this.#timer = setTimeout(this.#onTimer, Math.max(0, deadline - performance.now()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const heap = this.#heap;
    const now = performance.now();
    while (heap.length > 0 && heap[0].deadline <= now) {
      const item = heap[0];
      this.remove(item);
      item.expire();
    }
    if (heap.length > 0 && this.#timer === undefined) this.#arm(heap[0].deadline);
  }

  #up(index: number): void {
    const heap = this.#heap;
    const item = heap[index];
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (heap[parent].deadline <= item.deadline) break;
      heap[index] = heap[parent];
      heap[index].heapIndex = index;
      index = parent;
    }
    heap[index] = item;
    item.heapIndex = index;
  }

  #down(index: number): void {
    const heap = this.#heap;
    const length = heap.length;
    const item = heap[index];
    while (true) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && heap[right].deadline < heap[left].deadline ? right : left;
      if (heap[child].deadline >= item.deadline) break;
      heap[index] = heap[child];
      heap[index].heapIndex = index;
      index = child;
    }
    heap[index] = item;
    item.heapIndex = index;
  }
}
