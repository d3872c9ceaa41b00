/** The timer handle both clocks return. Not exported from `mod.ts`. */

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
