import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
  strictEqual,
  throws as assertThrows,
} from "node:assert/strict";
import { type Clock, ExternalClock, RealtimeClock, ScopedClock } from "../clocks/mod.ts";

const START = "2026-01-01T00:00:00Z";

/** Lets pending promise reactions (and the tasks they resume) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

Deno.test("ExternalClock starts at initTime and utcnow is utcStart plus time()", () => {
  const clock = new ExternalClock(START, 10);
  strictEqual(clock.time(), 10);
  strictEqual(clock.utcnow().toString(), "2026-01-01T00:00:10+00:00[UTC]");
  clock.setTime(12.25);
  strictEqual(clock.time(), 12.25);
  strictEqual(clock.utcnow().toInstant().toString(), "2026-01-01T00:00:12.25Z");
});

Deno.test("ExternalClock accepts Date, Temporal.Instant and ZonedDateTime start dates", () => {
  const expected = "2026-01-01T00:00:00Z";
  for (
    const start of [
      new Date(expected),
      Temporal.Instant.from(expected),
      Temporal.ZonedDateTime.from("2026-01-01T01:00:00+01:00[Europe/Berlin]"),
    ]
  ) {
    strictEqual(new ExternalClock(start).utcnow().toInstant().toString(), expected);
  }
});

Deno.test("ExternalClock rejects an unparsable start date with a clear error", () => {
  assertThrows(() => new ExternalClock("yesterday"), /Cannot parse the date "yesterday"/);
});

Deno.test("ExternalClock.setTime only moves forward", () => {
  const clock = new ExternalClock(START, 5);
  assertThrows(() => clock.setTime(5), /only moves forward/);
  assertThrows(() => clock.setTime(4), RangeError);
  clock.setTime(6);
  strictEqual(clock.time(), 6);
});

Deno.test("ExternalClock wakes sleepers in order of target, then insertion", async () => {
  const clock = new ExternalClock(START);
  const order: string[] = [];
  const sleeps = [
    clock.sleep(3).then(() => order.push("c@3")),
    clock.sleep(1).then(() => order.push("a@1")),
    clock.sleepUntil(3).then(() => order.push("d@3")),
    clock.sleep(2).then(() => order.push("b@2")),
    clock.sleep(1).then(() => order.push("a2@1")),
    clock.sleep(10).then(() => order.push("late@10")),
  ];
  clock.setTime(3);
  await settle();
  assertEquals(order, ["a@1", "a2@1", "b@2", "c@3", "d@3"]);
  strictEqual(clock.pending, 1);
  clock.setTime(10);
  await Promise.all(sleeps);
  assertEquals(order.at(-1), "late@10");
});

Deno.test("ExternalClock runs due timer callbacks inside setTime; sleepers resume after it", async () => {
  const clock = new ExternalClock(START);
  const order: string[] = [];
  clock.callIn(2, (name: string) => order.push(`${name}@${clock.time()}`), "timer");
  const sleeper = clock.sleep(1).then(() => order.push("sleep"));
  clock.callAt(1, () => order.push("callAt@1"));
  clock.setTime(1);
  await sleeper;
  clock.setTime(5);
  assertEquals(order, ["callAt@1", "sleep", "timer@5"]);
});

Deno.test("ExternalClock timer callbacks see their own time when the clock jumps", () => {
  const clock = new ExternalClock(START);
  const seen: number[] = [];
  clock.callIn(1, () => seen.push(clock.time()));
  clock.callIn(2, () => seen.push(clock.time()));
  clock.setTime(100);
  assertEquals(seen, [100, 100]);
});

Deno.test("ExternalClock skips cancelled timers and aborted sleepers", async () => {
  const clock = new ExternalClock(START);
  const ran: string[] = [];
  const handle = clock.callIn(1, () => ran.push("cancelled"));
  clock.callIn(1, () => ran.push("kept"));
  const controller = new AbortController();
  const aborted = clock.sleep(1, "x", { signal: controller.signal });
  handle.cancel();
  handle.cancel();
  controller.abort(new Error("stop sleeping"));
  await assertRejects(aborted, /stop sleeping/);
  strictEqual(handle.cancelled, true);
  strictEqual(clock.nextTime(), 1);
  clock.setTime(2);
  assertEquals(ran, ["kept"]);
  strictEqual(clock.nextTime(), undefined);
  strictEqual(clock.pending, 0);
});

Deno.test("ExternalClock.sleep rejects at once for an already aborted signal", async () => {
  const clock = new ExternalClock(START);
  await assertRejects(
    clock.sleep(1, undefined, { signal: AbortSignal.abort(new Error("gone")) }),
    /gone/,
  );
  strictEqual(clock.pending, 0);
});

Deno.test("ExternalClock resolves sleeps with the given value", async () => {
  const clock = new ExternalClock(START);
  const value = clock.sleep(1, { answer: 42 });
  clock.setTime(1);
  assertEquals(await value, { answer: 42 });
});

Deno.test("ExternalClock handles float times: three sleeps of 0.1 end at 0.3", async () => {
  const clock = new ExternalClock(START);
  const woke: number[] = [];
  const task = (async () => {
    for (let i = 0; i < 3; i++) {
      await clock.sleep(0.1);
      woke.push(clock.time());
    }
  })();
  for (const t of [0.1, 0.2, 0.3]) {
    clock.setTime(t);
    await settle();
  }
  await task;
  assertEquals(woke, [0.1, 0.2, 0.3]);
});

Deno.test("ExternalClock converts dates to clock time with date - utcnow() + time()", async () => {
  const clock = new ExternalClock(START, 100);
  const target = Temporal.Instant.from("2026-01-01T00:02:00Z"); // 120 s after the start
  const sleeping = clock.sleepUntil(target, "at 120");
  const when: number[] = [];
  const handle = clock.callAt(new Date("2026-01-01T00:02:30Z"), () => when.push(clock.time()));
  strictEqual(handle.when, 150);
  strictEqual(clock.nextTime(), 120);
  clock.setTime(Temporal.ZonedDateTime.from("2026-01-01T00:02:30+00:00[UTC]"));
  strictEqual(clock.time(), 150);
  strictEqual(await sleeping, "at 120");
  assertEquals(when, [150]);
});

Deno.test("ExternalClock rejects dates at or before utcnow() for sleepUntil and callAt", async () => {
  const clock = new ExternalClock(START, 60);
  const now = clock.utcnow();
  await assertRejects(clock.sleepUntil(now), /is not in the future/);
  assertThrows(() => clock.callAt(new Date("2025-12-31T23:59:59Z"), () => {}), RangeError);
  await assertRejects(clock.sleep(-1), /must be a number of seconds >= 0/);
  assertThrows(() => clock.callIn(Number.NaN, () => {}), RangeError);
  strictEqual(clock.pending, 0);
});

Deno.test("ExternalClock resolves sleep(0) and past clock seconds without setTime", async () => {
  const clock = new ExternalClock(START, 50);
  strictEqual(await clock.sleep(0, "now"), "now");
  strictEqual(await clock.sleepUntil(10, "past"), "past");
  const ran: number[] = [];
  const handle = clock.callAt(0, () => ran.push(1));
  await settle();
  assertEquals(ran, [1]);
  strictEqual(handle.done, true);
});

Deno.test("ExternalClock runs a simulated day of an agent task in milliseconds", async () => {
  const clock = new ExternalClock(START);
  const samples: string[] = [];
  // An agent-like task: wakes every 15 minutes for 24 hours.
  const task = (async (c: Clock) => {
    for (let i = 0; i < 96; i++) {
      await c.sleep(900);
      if (c.utcnow().minute === 0 && c.utcnow().hour % 6 === 0) {
        samples.push(c.utcnow().toPlainTime().toString());
      }
    }
    return c.utcnow().toString();
  })(clock);
  // The driver: one second steps, faster than real time.
  for (let t = 1; t <= 86_400; t++) {
    clock.setTime(t);
    if (t % 900 === 0) await settle();
  }
  strictEqual(await task, "2026-01-02T00:00:00+00:00[UTC]");
  assertEquals(samples, ["06:00:00", "12:00:00", "18:00:00", "00:00:00"]);
});

Deno.test("ExternalClock compacts many cancelled timers and still wakes the live ones", async () => {
  const clock = new ExternalClock(START);
  for (let i = 0; i < 5000; i++) clock.callIn(i + 1, () => {}).cancel();
  const live = clock.sleep(2500, "live");
  strictEqual(clock.pending, 1);
  strictEqual(clock.nextTime(), 2500);
  clock.setTime(6000);
  strictEqual(await live, "live");
});

Deno.test("RealtimeClock sleeps for at least dt and resolves with the value", async () => {
  const clock = new RealtimeClock();
  const start = clock.time();
  strictEqual(await clock.sleep(0.02, "done"), "done");
  assert(clock.time() - start >= 0.02);
});

Deno.test("RealtimeClock utcnow is a UTC date near the system time", () => {
  const now = new RealtimeClock().utcnow();
  strictEqual(now.timeZoneId, "UTC");
  assert(Math.abs(now.epochMilliseconds - Date.now()) < 60_000);
});

Deno.test("RealtimeClock timers run with their arguments unless cancelled", async () => {
  const clock = new RealtimeClock();
  const ran: string[] = [];
  const cancelled = clock.callIn(0.001, () => ran.push("cancelled"));
  cancelled.cancel();
  const { promise, resolve } = Promise.withResolvers<void>();
  const handle = clock.callIn(
    0.005,
    (a: string, b: number) => {
      ran.push(`${a}${b}`);
      resolve();
    },
    "x",
    1,
  );
  await promise;
  assertEquals(ran, ["x1"]);
  strictEqual(handle.done, true);
  strictEqual(cancelled.cancelled, true);
});

Deno.test("RealtimeClock sleeps until a date and rejects past dates", async () => {
  const clock = new RealtimeClock();
  const target = clock.utcnow().add({ milliseconds: 10 });
  strictEqual(await clock.sleepUntil(target, "there"), "there");
  assert(Temporal.ZonedDateTime.compare(clock.utcnow(), target) >= 0);
  await assertRejects(clock.sleepUntil(new Date(Date.now() - 1000)), /is not in the future/);
  assertThrows(() => clock.callAt(clock.utcnow(), () => {}), RangeError);
});

Deno.test("RealtimeClock sleep can be aborted", async () => {
  const clock = new RealtimeClock();
  const controller = new AbortController();
  const sleeping = clock.sleep(3600, undefined, { signal: controller.signal });
  controller.abort(new Error("woken early"));
  await assertRejects(sleeping, /woken early/);
});

Deno.test("TimerHandle is disposable", () => {
  const clock = new ExternalClock(START);
  let ran = false;
  {
    using _handle = clock.callIn(1, () => ran = true);
  }
  clock.setTime(2);
  strictEqual(ran, false);
});

Deno.test("ScopedClock ends its sleeps and timers when its signal aborts, not the base's", async () => {
  const base = new ExternalClock(START);
  const scope = new AbortController();
  const scoped = new ScopedClock(base, scope.signal);
  const outside = base.sleep(10, "outside");
  const inside = scoped.sleep(10, "inside");
  const ran: string[] = [];
  scoped.callIn(5, () => ran.push("scoped timer"));
  strictEqual(scoped.time(), base.time());
  strictEqual(scoped.utcnow().toString(), base.utcnow().toString());
  strictEqual(base.pending, 3);
  scope.abort(new Error("scope over"));
  await assertRejects(inside, /scope over/);
  strictEqual(base.pending, 1);
  assertThrows(() => scoped.callAt(20, () => {}), /scope has ended/);
  await assertRejects(scoped.sleepUntil(20), /scope over/);
  base.setTime(10);
  strictEqual(await outside, "outside");
  assertEquals(ran, []);
});

Deno.test("ScopedClock timers run with their arguments and can be cancelled", async () => {
  const base = new ExternalClock(START);
  const scoped = new ScopedClock(base, new AbortController().signal);
  const ran: string[] = [];
  const kept = scoped.callIn(1, (a: string, b: number) => ran.push(`${a}${b}`), "x", 1);
  const dropped = scoped.callAt(1, () => ran.push("dropped"));
  dropped.cancel();
  strictEqual(kept.when, 1);
  const controller = new AbortController();
  const aborted = scoped.sleep(5, undefined, { signal: controller.signal });
  controller.abort(new Error("own signal"));
  await assertRejects(aborted, /own signal/);
  base.setTime(2);
  assertEquals(ran, ["x1"]);
  strictEqual(kept.done, true);
  strictEqual(dropped.cancelled, true);
});
