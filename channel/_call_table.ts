/**
 * The calls of one channel that wait for a reply, by id.
 *
 * Ids are handed out in order, so a call sits in slot `id & mask` of an
 * array. This avoids a `Map` in the hot path: a `Map` that sees an insert
 * and a delete per call rehashes all the time, and V8 links each obsolete
 * table to its successor, so one promoted table keeps every later one (and
 * the calls they held) alive until a full collection.
 *
 * @module
 */

/**
 * Slots to start with. Small, since every connection has a table (most
 * server-side ones never call) and it doubles when half full.
 */
const INITIAL_CAPACITY = 16;

/** An entry: anything with a numeric id. */
export interface Identified {
  readonly id: number;
}

/** Pending calls by id: add, take on reply, remove on cancel, drain on close. */
export class CallTable<T extends Identified> {
  #slots: (T | undefined)[] = new Array(INITIAL_CAPACITY).fill(undefined);
  #mask = INITIAL_CAPACITY - 1;
  /** Calls displaced from their slot by a newer id while still waiting. */
  #overflow: Map<number, T> | undefined;
  #size = 0;

  /** How many calls wait. */
  get size(): number {
    return this.#size;
  }

  /** Adds a call; its id must not be in the table. */
  add(call: T): void {
    if (this.#size >= this.#slots.length >> 1) this.#grow();
    const index = call.id & this.#mask;
    const displaced = this.#slots[index];
    if (displaced !== undefined) (this.#overflow ??= new Map()).set(displaced.id, displaced);
    this.#slots[index] = call;
    this.#size++;
  }

  /** Removes and returns the call with `id`, or `undefined` when there is none. */
  take(id: unknown): T | undefined {
    if (typeof id !== "number") return undefined;
    const index = id & this.#mask;
    const call = this.#slots[index];
    if (call !== undefined && call.id === id) {
      this.#slots[index] = undefined;
      this.#size--;
      return call;
    }
    const overflow = this.#overflow;
    if (overflow === undefined) return undefined;
    const displaced = overflow.get(id);
    if (displaced === undefined) return undefined;
    overflow.delete(id);
    this.#size--;
    return displaced;
  }

  /** Removes `call` if it is still in the table; returns whether it was. */
  remove(call: T): boolean {
    const index = call.id & this.#mask;
    if (this.#slots[index] === call) {
      this.#slots[index] = undefined;
      this.#size--;
      return true;
    }
    if (this.#overflow?.get(call.id) === call) {
      this.#overflow.delete(call.id);
      this.#size--;
      return true;
    }
    return false;
  }

  /** Removes and returns every call, oldest id first. */
  drain(): T[] {
    const calls: T[] = [];
    for (const call of this.#slots) if (call !== undefined) calls.push(call);
    if (this.#overflow) calls.push(...this.#overflow.values());
    calls.sort((a, b) => a.id - b.id);
    this.#slots = new Array(INITIAL_CAPACITY).fill(undefined);
    this.#mask = INITIAL_CAPACITY - 1;
    this.#overflow = undefined;
    this.#size = 0;
    return calls;
  }

  #grow(): void {
    const old = this.#slots;
    const capacity = old.length * 2;
    const slots: (T | undefined)[] = new Array(capacity).fill(undefined);
    const mask = capacity - 1;
    const overflow = this.#overflow;
    this.#overflow = undefined;
    const place = (call: T) => {
      const index = call.id & mask;
      const present = slots[index];
      if (present === undefined) slots[index] = call;
      else if (present.id < call.id) {
        (this.#overflow ??= new Map()).set(present.id, present);
        slots[index] = call;
      } else (this.#overflow ??= new Map()).set(call.id, call);
    };
    for (const call of old) if (call !== undefined) place(call);
    if (overflow) { for (const call of overflow.values()) place(call); }
    this.#slots = slots;
    this.#mask = mask;
  }
}
