/**
 * The clock contract shared by the real-time and the external clock.
 *
 * @module
 */

/**
 * A point in time: clock seconds (as returned by {@linkcode Clock.time}) or a
 * date. Dates are converted to clock seconds with
 * `date - clock.utcnow() + clock.time()`.
 */
export type ClockTime = number | Date | Temporal.Instant | Temporal.ZonedDateTime;

/** Options for {@linkcode Clock.sleep} and {@linkcode Clock.sleepUntil}. */
export interface SleepOptions {
  /**
   * Cancels the sleep: the promise rejects with `signal.reason` and the
   * sleeper is removed from the clock.
   */
  readonly signal?: AbortSignal;
}

/**
 * A call scheduled with {@linkcode Clock.callIn} or {@linkcode Clock.callAt}.
 *
 * @example Cancelling a scheduled call
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { ExternalClock } from "@denomas/denomas/clocks";
 *
 * const clock = new ExternalClock("2026-01-01T00:00:00Z");
 * const calls: string[] = [];
 * const handle = clock.callIn(5, (name: string) => calls.push(name), "late");
 * handle.cancel();
 * clock.setTime(10);
 * await Promise.resolve();
 * assertEquals(handle.cancelled, true);
 * assertEquals(calls.length, 0);
 * ```
 */
export interface TimerHandle extends Disposable {
  /** The clock time (seconds) at which the call is due. */
  readonly when: number;
  /** Whether {@linkcode TimerHandle.cancel} was called before the call ran. */
  readonly cancelled: boolean;
  /** Whether the call has run. */
  readonly done: boolean;
  /** Cancels the call if it has not run yet. Idempotent. */
  cancel(): void;
}

/**
 * A source of time for agents. Containers hand one to their agents, so the
 * same agent code runs in real time or in simulated time.
 *
 * @example Sleeping on an external clock
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { type Clock, ExternalClock } from "@denomas/denomas/clocks";
 *
 * async function work(clock: Clock): Promise<number> {
 *   await clock.sleep(60);
 *   return clock.time();
 * }
 * const clock = new ExternalClock("2026-01-01T00:00:00Z");
 * const done = work(clock);
 * clock.setTime(60);
 * assertEquals(await done, 60);
 * ```
 */
export interface Clock {
  /**
   * The current time in seconds. Consecutive calls never go backwards; the
   * starting value is clock-specific.
   */
  time(): number;
  /** The current date in UTC. */
  utcnow(): Temporal.ZonedDateTime;
  /**
   * Resolves with `value` after `dt` seconds of clock time. Bad arguments
   * reject the promise (it never throws).
   *
   * @throws {RangeError} when `dt` is negative or not a number.
   */
  sleep<T = undefined>(dt: number, value?: T, options?: SleepOptions): Promise<T>;
  /**
   * Resolves with `value` at clock time `t` (seconds or a date). A time in
   * seconds that has already passed resolves at once. Bad arguments reject
   * the promise (it never throws).
   *
   * @throws {RangeError} when `t` is a date at or before {@linkcode Clock.utcnow}.
   */
  sleepUntil<T = undefined>(t: ClockTime, value?: T, options?: SleepOptions): Promise<T>;
  /**
   * Calls `fn(...args)` after `dt` seconds of clock time. Errors thrown by
   * `fn` are reported like errors in a `setTimeout` callback.
   *
   * @throws {RangeError} when `dt` is negative or not a number.
   */
  callIn<A extends unknown[]>(dt: number, fn: (...args: A) => unknown, ...args: A): TimerHandle;
  /**
   * Calls `fn(...args)` at clock time `t` (seconds or a date).
   *
   * @throws {RangeError} when `t` is a date at or before {@linkcode Clock.utcnow}.
   */
  callAt<A extends unknown[]>(t: ClockTime, fn: (...args: A) => unknown, ...args: A): TimerHandle;
}
