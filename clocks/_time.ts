/**
 * Time arithmetic shared by the clocks: seconds, nanoseconds and dates, and
 * sleeping on a timer.
 *
 * @module
 */

import { abortable } from "../internal/async.ts";
import type { ClockTime, TimerHandle } from "./clock.ts";

const NS_PER_S = 1_000_000_000n;

/** Nanoseconds since the epoch of a date. */
export function epochNs(date: Date | Temporal.Instant | Temporal.ZonedDateTime): bigint {
  if (date instanceof Date) {
    const ms = date.getTime();
    if (Number.isNaN(ms)) throw new RangeError("Invalid Date");
    return BigInt(ms) * 1_000_000n;
  }
  return date.epochNanoseconds;
}

/** Converts seconds (a float) to whole nanoseconds. */
export function secondsToNs(seconds: number): bigint {
  const whole = Math.floor(seconds);
  return BigInt(whole) * NS_PER_S + BigInt(Math.round((seconds - whole) * 1e9));
}

/** Converts a nanosecond difference to float seconds. */
export function nsToSeconds(ns: bigint): number {
  const whole = ns / NS_PER_S;
  return Number(whole) + Number(ns - whole * NS_PER_S) / 1e9;
}

/** Checks a relative delay in seconds. */
export function checkDelay(dt: number): void {
  if (typeof dt !== "number" || Number.isNaN(dt) || dt < 0) {
    throw new RangeError(`A delay must be a number of seconds >= 0, got ${String(dt)}`);
  }
}

/**
 * Turns `t` into clock seconds. A date is converted with
 * `date - utcnow() + time()` and must lie after `now`.
 */
export function toClockSeconds(
  t: ClockTime,
  time: number,
  utcnow: Temporal.ZonedDateTime,
): number {
  if (typeof t === "number") {
    if (Number.isNaN(t)) throw new RangeError("A clock time must be a number, got NaN");
    return t;
  }
  if (
    !(t instanceof Date) && !(t instanceof Temporal.Instant) &&
    !(t instanceof Temporal.ZonedDateTime)
  ) {
    throw new TypeError(
      `A clock time must be seconds, a Date, a Temporal.Instant or a Temporal.ZonedDateTime, got ${
        String(t)
      }`,
    );
  }
  const delta = epochNs(t) - utcnow.epochNanoseconds;
  if (delta <= 0n) {
    throw new RangeError(
      `The date ${dateText(t)} is not in the future (now is ${utcnow.toInstant().toString()})`,
    );
  }
  return time + nsToSeconds(delta);
}

function dateText(t: Date | Temporal.Instant | Temporal.ZonedDateTime): string {
  return t instanceof Date ? t.toISOString() : t.toString();
}

/** Parses the start date of an external clock. */
export function toZonedUtc(
  date: string | Date | Temporal.Instant | Temporal.ZonedDateTime,
): Temporal.ZonedDateTime {
  if (typeof date === "string") {
    try {
      return Temporal.Instant.from(date).toZonedDateTimeISO("UTC");
    } catch (error) {
      throw new RangeError(
        `Cannot parse the date "${date}": expected ISO 8601 with an offset, e.g. "2026-01-01T00:00:00Z"`,
        { cause: error },
      );
    }
  }
  return Temporal.Instant.fromEpochNanoseconds(epochNs(date)).toZonedDateTimeISO("UTC");
}

/**
 * A sleep on any clock: resolves with `value` when the timer made by
 * `schedule` fires, rejects with `signal.reason` (and cancels the timer) when
 * `signal` aborts first.
 */
export function sleepOn<T>(
  schedule: (run: () => void) => TimerHandle,
  value: T,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  const { promise, resolve } = Promise.withResolvers<T>();
  const timer = schedule(() => resolve(value));
  if (signal === undefined) return promise;
  return abortable(promise, signal).catch((reason) => {
    timer.cancel();
    throw reason;
  });
}
