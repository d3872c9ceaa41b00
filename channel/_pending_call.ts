/**
 * A call waiting for its reply: how it resolves, rejects, times out and is
 * aborted.
 *
 * @module
 */

import { TimeoutError } from "../errors.ts";
import type { CallTable } from "./_call_table.ts";
import type { Deadlines } from "./_deadlines.ts";

/** What the pending calls of one channel share. */
export interface CallOwner {
  readonly calls: CallTable<PendingCall>;
  readonly deadlines: Deadlines<PendingCall>;
  readonly peer: string;
}

/** A call waiting for its reply. */
export class PendingCall {
  readonly owner: CallOwner;
  readonly id: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
  signal: AbortSignal | undefined = undefined;
  /** The timeout in milliseconds, when there is one. */
  timeout = 0;
  deadline = 0;
  heapIndex = -1;

  constructor(
    owner: CallOwner,
    id: number,
    resolve: (value: unknown) => void,
    reject: (reason: unknown) => void,
  ) {
    this.owner = owner;
    this.id = id;
    this.resolve = resolve;
    this.reject = reject;
  }

  /** Called by the signal's abort event. */
  handleEvent(): void {
    this.cancel(this.signal!.reason);
  }

  /** Called by the deadlines when the timeout passed. */
  expire(): void {
    this.cancel(new TimeoutError(`call ${this.id} to ${this.owner.peer}`, this.timeout));
  }

  /** Gives up: forgets the call (a late reply is dropped) and rejects it. */
  cancel(reason: unknown): void {
    if (!this.owner.calls.remove(this)) return;
    this.disarm();
    this.reject(reason);
  }

  /** Stops the timeout and the abort listener. */
  disarm(): void {
    if (this.heapIndex >= 0) this.owner.deadlines.remove(this);
    this.signal?.removeEventListener("abort", this);
  }
}
