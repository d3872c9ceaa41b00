/**
 * Clocks for agents: the real-time {@linkcode RealtimeClock} (the default of
 * every container) and the {@linkcode ExternalClock}, whose time is set from
 * outside so simulations run faster than real time and deterministically.
 *
 * Times are float seconds; dates are `Temporal.ZonedDateTime` in UTC, and
 * `Date` and `Temporal.Instant` are accepted wherever a date is.
 *
 * @example An agent-style task sleeping three times on an external clock
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { type Clock, ExternalClock } from "@denomas/denomas/clocks";
 *
 * async function helloWorld(clock: Clock, log: string[]): Promise<void> {
 *   for (let i = 0; i < 3; i++) {
 *     await clock.sleep(0.1);
 *     log.push(`Hello, World! at ${clock.time().toFixed(1)}`);
 *   }
 * }
 * const clock = new ExternalClock("2026-01-01T00:00:00Z");
 * const log: string[] = [];
 * const task = helloWorld(clock, log);
 * for (const t of [0.1, 0.2, 0.3]) {
 *   clock.setTime(t);
 *   await new Promise((resolve) => setTimeout(resolve, 0));
 * }
 * await task;
 * assertEquals(log, ["Hello, World! at 0.1", "Hello, World! at 0.2", "Hello, World! at 0.3"]);
 * ```
 *
 * @module
 */
export type { Clock, ClockTime, SleepOptions, TimerHandle } from "./clock.ts";
export { type DateInput, ExternalClock } from "./external.ts";
export { RealtimeClock } from "./realtime.ts";
export { ScopedClock } from "./scoped.ts";
