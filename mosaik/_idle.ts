/**
 * Internal: knowing when the agents of a stepped container are idle.
 *
 * @module
 */

import { delay } from "../internal/async.ts";

/**
 * Counts promises in flight (an agent's input handling, or work an agent
 * registered with `track`), so that a step can wait for all of them.
 */
export class Tracker {
  #inFlight = 0;
  /** Settled promises so far: a change between two turns means work moved. */
  #settled = 0;
  #waiters: (() => void)[] = [];

  get inFlight(): number {
    return this.#inFlight;
  }

  get settled(): number {
    return this.#settled;
  }

  track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight++;
    const done = () => {
      this.#inFlight--;
      this.#settled++;
      if (this.#inFlight === 0) {
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const wake of waiters) wake();
      }
    };
    promise.then(done, done);
    return promise;
  }

  /** Resolves once nothing is in flight. */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/** What the settling looks at besides the tracker: the clock's waiting timers. */
export interface TimerCount {
  readonly pending: number;
}

/**
 * Waits until the agents are idle: nothing tracked is in flight, and for
 * `turns` event-loop turns in a row (each a macrotask, after which every
 * microtask and ready I/O callback has run) no tracked promise settled and
 * the number of timers on the clock did not change.
 *
 * The clock itself needs no check for due timers: `ExternalClock.setTime`
 * runs every timer due by the new time, and one scheduled at or before the
 * current time runs in a microtask.
 */
export async function settle(clock: TimerCount, tracker: Tracker, turns: number): Promise<void> {
  let quiet = 0;
  let lastTimers = -1;
  let lastSettled = -1;
  while (quiet < turns) {
    await delay(0);
    if (tracker.inFlight > 0) {
      quiet = 0;
      await tracker.idle();
      continue;
    }
    const timers = clock.pending;
    const settled = tracker.settled;
    quiet = timers === lastTimers && settled === lastSettled ? quiet + 1 : 0;
    lastTimers = timers;
    lastSettled = settled;
  }
}
