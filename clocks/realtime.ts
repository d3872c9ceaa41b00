/**
 * The default clock: follows the system's monotonic and wall clocks.
 *
 * @module
 */

import { asPromise } from "../internal/async.ts";
import type { Clock, ClockTime, SleepOptions, TimerHandle } from "./clock.ts";
import { checkDelay, sleepOn, toClockSeconds } from "./_time.ts";
import { Timer } from "./_timer.ts";

/** The longest delay `setTimeout` accepts, in milliseconds. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * A real-time clock. {@linkcode RealtimeClock.time} is monotonic seconds
 * (`performance.now() / 1000`), {@linkcode RealtimeClock.utcnow} is the system
 * date in UTC. Sleeps and timers use `setTimeout`, so a pending one keeps the
 * process alive until it fires or is cancelled.
 *
 * @example Sleeping for a short while
 * ```ts
 * import { ok as assert } from "node:assert/strict";
 * import { RealtimeClock } from "@denomas/denomas/clocks";
 *
 * const clock = new RealtimeClock();
 * const start = clock.time();
 * const value = await clock.sleep(0.01, "woke");
 * assert(value === "woke");
 * assert(clock.time() - start >= 0.01);
 * ```
 */
export class RealtimeClock implements Clock {
  /** Monotonic seconds. */
  time(): number {
    return performance.now() / 1000;
  }

  /** The system date in UTC. */
  utcnow(): Temporal.ZonedDateTime {
    return Temporal.Now.zonedDateTimeISO("UTC");
  }

  /**
   * Resolves with `value` after `dt` seconds.
   *
   * @throws {RangeError} when `dt` is negative.
   */
  sleep<T = undefined>(dt: number, value?: T, options?: SleepOptions): Promise<T> {
    return asPromise(() => {
      checkDelay(dt);
      return this.#sleepAt(this.time() + dt, value as T, options?.signal);
    });
  }

  /**
   * Resolves with `value` at `t` (seconds or a date).
   *
   * @throws {RangeError} when `t` is a date that is not in the future.
   */
  sleepUntil<T = undefined>(t: ClockTime, value?: T, options?: SleepOptions): Promise<T> {
    return asPromise(() =>
      this.#sleepAt(toClockSeconds(t, this.time(), this.utcnow()), value as T, options?.signal)
    );
  }

  /**
   * Calls `fn(...args)` after `dt` seconds.
   *
   * @throws {RangeError} when `dt` is negative.
   */
  callIn<A extends unknown[]>(dt: number, fn: (...args: A) => unknown, ...args: A): TimerHandle {
    checkDelay(dt);
    return this.#schedule(this.time() + dt, () => fn(...args));
  }

  /**
   * Calls `fn(...args)` at `t` (seconds or a date).
   *
   * @throws {RangeError} when `t` is a date that is not in the future.
   */
  callAt<A extends unknown[]>(t: ClockTime, fn: (...args: A) => unknown, ...args: A): TimerHandle {
    return this.#schedule(toClockSeconds(t, this.time(), this.utcnow()), () => fn(...args));
  }

  #sleepAt<T>(when: number, value: T, signal: AbortSignal | undefined): Promise<T> {
    return sleepOn((run) => this.#schedule(when, run), value, signal);
  }

  /** Arms `setTimeout`, re-arming until `time()` has reached `when`. */
  #schedule(when: number, run: () => void): Timer {
    let id: ReturnType<typeof setTimeout> | undefined;
    const timer = new Timer(when, () => clearTimeout(id));
    const arm = () => {
      const remainingMs = (when - this.time()) * 1000;
      if (remainingMs > 0) {
        id = setTimeout(arm, Math.min(Math.ceil(remainingMs), MAX_TIMEOUT_MS));
      } else if (timer.markDone()) {
        run();
      }
    };
    const remainingMs = (when - this.time()) * 1000;
    id = setTimeout(arm, Math.min(Math.max(Math.ceil(remainingMs), 0), MAX_TIMEOUT_MS));
    return timer;
  }
}
