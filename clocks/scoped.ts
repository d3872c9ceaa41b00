/**
 * A view of a clock whose sleeps and timers end together, when a signal
 * aborts: containers and agents use it so that shutting them down leaves no
 * timer behind.
 *
 * @module
 */

import type { Clock, ClockTime, SleepOptions, TimerHandle } from "./clock.ts";

/**
 * Wraps a clock so that everything scheduled through the wrapper is
 * cancelled when `signal` aborts: pending sleeps reject with
 * `signal.reason`, pending timers are cancelled, and later calls to
 * {@linkcode ScopedClock.sleep} reject at once. Time itself is the base
 * clock's. Each container offers one as `container.clock`, and each agent as
 * `agent.clock`.
 *
 * @example Sleeps end when the scope closes
 * ```ts
 * import { rejects as assertRejects, strictEqual as assertEquals } from "node:assert/strict";
 * import { ExternalClock, ScopedClock } from "@denomas/denomas/clocks";
 *
 * const base = new ExternalClock("2026-01-01T00:00:00Z");
 * const scope = new AbortController();
 * const clock = new ScopedClock(base, scope.signal);
 * const sleeping = clock.sleep(60);
 * clock.callIn(30, () => {});
 * assertEquals(base.pending, 2);
 * scope.abort(new Error("shut down"));
 * await assertRejects(sleeping, /shut down/);
 * assertEquals(base.pending, 0);
 * ```
 */
export class ScopedClock implements Clock {
  /** The clock this view schedules on. */
  readonly base: Clock;
  /** Aborts when the scope ends. */
  readonly signal: AbortSignal;
  readonly #timers = new Set<TimerHandle>();

  /**
   * Creates a view of `base` that ends with `signal`.
   *
   * @param base The clock to schedule on.
   * @param signal Ends the scope.
   */
  constructor(base: Clock, signal: AbortSignal) {
    this.base = base;
    this.signal = signal;
    signal.addEventListener("abort", () => {
      for (const timer of this.#timers) timer.cancel();
      this.#timers.clear();
    }, { once: true });
  }

  /** The base clock's time in seconds. */
  time(): number {
    return this.base.time();
  }

  /** The base clock's date. */
  utcnow(): Temporal.ZonedDateTime {
    return this.base.utcnow();
  }

  /**
   * Sleeps on the base clock; rejects with the scope's reason when it ends.
   *
   * @throws {RangeError} when `dt` is negative.
   */
  sleep<T = undefined>(dt: number, value?: T, options?: SleepOptions): Promise<T> {
    return this.base.sleep(dt, value, { signal: this.#signalFor(options) });
  }

  /**
   * Sleeps until `t` on the base clock; rejects with the scope's reason when it ends.
   *
   * @throws {RangeError} when `t` is a date that is not in the future.
   */
  sleepUntil<T = undefined>(t: ClockTime, value?: T, options?: SleepOptions): Promise<T> {
    return this.base.sleepUntil(t, value, { signal: this.#signalFor(options) });
  }

  /**
   * Schedules `fn(...args)` in `dt` seconds, unless the scope ends first.
   *
   * @throws {RangeError} when `dt` is negative, or the scope has ended.
   */
  callIn<A extends unknown[]>(dt: number, fn: (...args: A) => unknown, ...args: A): TimerHandle {
    this.#checkOpen();
    return this.#track((run) => this.base.callIn(dt, run), fn, args);
  }

  /**
   * Schedules `fn(...args)` at `t`, unless the scope ends first.
   *
   * @throws {RangeError} when `t` is a date that is not in the future, or the scope has ended.
   */
  callAt<A extends unknown[]>(t: ClockTime, fn: (...args: A) => unknown, ...args: A): TimerHandle {
    this.#checkOpen();
    return this.#track((run) => this.base.callAt(t, run), fn, args);
  }

  #signalFor(options: SleepOptions | undefined): AbortSignal {
    return options?.signal ? AbortSignal.any([this.signal, options.signal]) : this.signal;
  }

  #checkOpen(): void {
    if (this.signal.aborted) {
      throw new RangeError("Cannot schedule a call: the clock's scope has ended", {
        cause: this.signal.reason,
      });
    }
  }

  #track<A extends unknown[]>(
    schedule: (run: () => unknown) => TimerHandle,
    fn: (...args: A) => unknown,
    args: A,
  ): TimerHandle {
    const timers = this.#timers;
    const inner = schedule(() => {
      timers.delete(handle);
      return fn(...args);
    });
    const handle: TimerHandle = {
      get when() {
        return inner.when;
      },
      get cancelled() {
        return inner.cancelled;
      },
      get done() {
        return inner.done;
      },
      cancel() {
        timers.delete(handle);
        inner.cancel();
      },
      [Symbol.dispose]() {
        this.cancel();
      },
    };
    timers.add(handle);
    return handle;
  }
}
