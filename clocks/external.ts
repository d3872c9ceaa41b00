/**
 * A clock that only moves when told to: for simulations and co-simulations.
 *
 * @module
 */

import { asPromise } from "../internal/async.ts";
import type { Clock, ClockTime, SleepOptions, TimerHandle } from "./clock.ts";
import { checkDelay, secondsToNs, sleepOn, toClockSeconds, toZonedUtc } from "./_time.ts";
import { Timer, TimerHeap } from "./_timer.ts";

/** A date an {@linkcode ExternalClock} can start at; strings are ISO 8601 with an offset. */
export type DateInput = string | Date | Temporal.Instant | Temporal.ZonedDateTime;

interface Sleeper {
  readonly when: number;
  readonly seq: number;
  readonly timer: Timer;
  readonly run: () => void;
}

/**
 * Rounds clock times to whole nanoseconds, so that sums like
 * `0.1 + 0.1 + 0.1` meet the target `0.3` a driver sets.
 */
function snap(t: number): number {
  return Math.round(t * 1e9) / 1e9;
}

/** Runs a timer callback; an error is reported like one in a `setTimeout` callback. */
function runCallback<A extends unknown[]>(fn: (...args: A) => unknown, args: A): void {
  try {
    const result = fn(...args);
    if (result instanceof Promise) result.catch(reportError);
  } catch (error) {
    reportError(error);
  }
}

/** Cancelled sleepers tolerated in the heap before it is compacted. */
const COMPACT_THRESHOLD = 1024;

/**
 * A clock whose time is set from outside with
 * {@linkcode ExternalClock.setTime}, e.g. by a simulator or a coordinator
 * that drives several processes over RPC. Time never moves on its own, so
 * tests and simulations run hours of clock time in milliseconds, with the
 * same results every run.
 *
 * Setting the time wakes every sleeper and timer whose target is at or
 * before the new time, in order of target and then of scheduling. Cancelled
 * ones are skipped. Timer callbacks run inside {@linkcode ExternalClock.setTime},
 * so they see exactly their own time; code after an awaited sleep runs once the
 * caller of `setTime` yields. Times are float seconds, compared at nanosecond
 * resolution (so three sleeps of `0.1` end at `0.3`).
 *
 * @example An hour of simulated time, instantly
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { ExternalClock } from "@denomas/denomas/clocks";
 *
 * const clock = new ExternalClock("2026-01-01T00:00:00Z");
 * const log: string[] = [];
 * clock.callIn(1800, () => log.push(`half past at ${clock.utcnow().toPlainTime()}`));
 * const hour = clock.sleep(3600, "an hour later");
 * for (let t = 60; t <= 3600; t += 60) clock.setTime(t);
 * assertEquals(await hour, "an hour later");
 * assertEquals(log, ["half past at 00:30:00"]);
 * assertEquals(clock.utcnow().toString(), "2026-01-01T01:00:00+00:00[UTC]");
 * ```
 */
export class ExternalClock implements Clock {
  readonly #start: Temporal.ZonedDateTime;
  #time: number;
  #seq = 0;
  #cancelled = 0;
  readonly #heap = new TimerHeap<Sleeper>();

  /**
   * Creates a clock standing at `initTime`.
   *
   * @param utcStart The date at clock time 0: `utcnow()` is `utcStart` plus
   *   `time()` seconds, as in aiomas.
   * @param initTime The initial value of {@linkcode ExternalClock.time}, in seconds.
   * @throws {RangeError} when `utcStart` cannot be parsed or `initTime` is not finite.
   */
  constructor(utcStart: DateInput, initTime: number = 0) {
    if (typeof initTime !== "number" || !Number.isFinite(initTime)) {
      throw new RangeError(`initTime must be a finite number of seconds, got ${String(initTime)}`);
    }
    this.#start = toZonedUtc(utcStart);
    this.#time = initTime;
  }

  /** The current clock time in seconds, as last set. */
  time(): number {
    return this.#time;
  }

  /** `utcStart` plus {@linkcode ExternalClock.time} seconds, in UTC. */
  utcnow(): Temporal.ZonedDateTime {
    return Temporal.Instant.fromEpochNanoseconds(
      this.#start.epochNanoseconds + secondsToNs(this.#time),
    ).toZonedDateTimeISO("UTC");
  }

  /**
   * The target of the earliest pending sleeper or timer, or `undefined` when
   * nothing waits. A driver can jump straight to it.
   */
  nextTime(): number | undefined {
    this.#dropCancelledHead();
    return this.#heap.peek()?.when;
  }

  /** How many sleepers and timers are waiting. */
  get pending(): number {
    return this.#heap.size - this.#cancelled;
  }

  /**
   * Moves the clock forward to `t` (seconds or a date) and wakes, in order of
   * (target, scheduling order), every sleeper and timer due by then.
   *
   * @throws {RangeError} when `t` is not after the current time.
   */
  setTime(t: ClockTime): void {
    const target = snap(toClockSeconds(t, this.#time, this.utcnow()));
    if (!(target > this.#time)) {
      throw new RangeError(
        `An external clock only moves forward: cannot set it to ${target} at ${this.#time}`,
      );
    }
    this.#time = target;
    for (;;) {
      const head = this.#heap.peek();
      if (head === undefined || head.when > target) break;
      this.#heap.pop();
      if (head.timer.cancelled) {
        this.#cancelled--;
      } else if (head.timer.markDone()) {
        head.run();
      }
    }
  }

  /**
   * Resolves with `value` once the clock reaches `time() + dt`.
   *
   * @throws {RangeError} when `dt` is negative.
   */
  sleep<T = undefined>(dt: number, value?: T, options?: SleepOptions): Promise<T> {
    return asPromise(() => {
      checkDelay(dt);
      return this.#sleepAt(this.#time + dt, value as T, options?.signal);
    });
  }

  /**
   * Resolves with `value` once the clock reaches `t` (seconds or a date).
   *
   * @throws {RangeError} when `t` is a date that is not in the future.
   */
  sleepUntil<T = undefined>(t: ClockTime, value?: T, options?: SleepOptions): Promise<T> {
    return asPromise(() =>
      this.#sleepAt(toClockSeconds(t, this.#time, this.utcnow()), value as T, options?.signal)
    );
  }

  /**
   * Calls `fn(...args)` once the clock reaches `time() + dt`.
   *
   * @throws {RangeError} when `dt` is negative.
   */
  callIn<A extends unknown[]>(dt: number, fn: (...args: A) => unknown, ...args: A): TimerHandle {
    checkDelay(dt);
    return this.#schedule(this.#time + dt, () => runCallback(fn, args));
  }

  /**
   * Calls `fn(...args)` once the clock reaches `t` (seconds or a date).
   *
   * @throws {RangeError} when `t` is a date that is not in the future.
   */
  callAt<A extends unknown[]>(t: ClockTime, fn: (...args: A) => unknown, ...args: A): TimerHandle {
    const when = toClockSeconds(t, this.#time, this.utcnow());
    return this.#schedule(when, () => runCallback(fn, args));
  }

  #sleepAt<T>(when: number, value: T, signal: AbortSignal | undefined): Promise<T> {
    return sleepOn((run) => this.#schedule(when, run), value, signal);
  }

  /** Queues `run`; a target that has already passed runs in a microtask. */
  #schedule(target: number, run: () => void): Timer {
    const when = snap(target);
    if (when <= this.#time) {
      const timer = new Timer(when, () => {});
      queueMicrotask(() => {
        if (timer.markDone()) run();
      });
      return timer;
    }
    const timer = new Timer(when, () => this.#onCancel());
    this.#heap.push({ when, seq: this.#seq++, timer, run });
    return timer;
  }

  #onCancel(): void {
    this.#cancelled++;
    if (this.#cancelled > COMPACT_THRESHOLD && this.#cancelled * 2 > this.#heap.size) {
      this.#heap.filter((entry) => !entry.timer.cancelled);
      this.#cancelled = 0;
    }
  }

  #dropCancelledHead(): void {
    for (;;) {
      const head = this.#heap.peek();
      if (head === undefined || !head.timer.cancelled) return;
      this.#heap.pop();
      this.#cancelled--;
    }
  }
}
