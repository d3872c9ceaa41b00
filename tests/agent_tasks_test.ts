/**
 * Agent tasks: a failed background task is reported to the container's
 * `onError` hook, and `agent.every` runs periodic work on the agent's clock
 * (simulated and real time).
 *
 * @module
 */

import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { Agent, AgentTaskError, Container, ShutdownError } from "../agent/mod.ts";
import { ExternalClock } from "../clocks/mod.ts";
import { LateReplyError } from "../channel/errors.ts";
import { callRemote, expose } from "../rpc/mod.ts";
import { Reports } from "./_reports.ts";

class Sensor extends Agent {
  start(): void {
    this.runTask(async function poll() {
      await Promise.resolve();
      throw new RangeError("sensor offline");
    });
  }
}

Deno.test("a background task that fails is reported with the container, the agent, the task and the stack", async () => {
  const reports = new Reports();
  await using container = await Container.create("local://tasks-report", { onError: reports.push });
  const sensor = new Sensor(container);
  sensor.start();
  const report = await reports.find((error) => error instanceof AgentTaskError);
  assert(report instanceof AgentTaskError);
  assertEquals(report.task, "poll");
  assertEquals(report.agent, String(sensor));
  assertEquals(report.container, container.url);
  assertEquals(
    report.message,
    `Task "poll" of agent Sensor('local://tasks-report/0') in container local://tasks-report ` +
      `failed: RangeError: sensor offline`,
  );
  assert(report.cause instanceof RangeError);
  assert(report.cause.stack?.includes("poll"), report.cause.stack);
  // The agent and the container carry on.
  assertEquals(sensor.stopped, false);
  assertEquals(await sensor.runTask(() => Promise.resolve(42)), 42);
});

Deno.test("a task is named by its option, else its function, else 'anonymous'; an awaited one rejects too", async () => {
  const reports = new Reports();
  await using container = await Container.create("local://tasks-names", { onError: reports.push });
  const agent = new Agent(container);
  const boom = () => Promise.reject(new Error("boom"));
  await assertRejects(agent.runTask(boom, { name: "upload" }), /boom/);
  await assertRejects(agent.runTask(boom), /boom/);
  await assertRejects(agent.runTask(() => Promise.reject(new Error("boom"))), /boom/);
  assertEquals(
    reports.errors.map((error) => (error as AgentTaskError).task),
    ["upload", "boom", "anonymous"],
  );
});

Deno.test("a task ended by stopping its agent is not a failure", async () => {
  const reports = new Reports();
  await using container = await Container.create("local://tasks-stop", { onError: reports.push });
  const agent = new Agent(container);
  const task = agent.runTask((signal) => agent.clock.sleep(3600, undefined, { signal }));
  await agent.stop();
  assertEquals(await task, undefined);
  assertEquals(reports.errors.length, 0);
});

Deno.test("without onError, a failed task is logged to stderr as one denomas line", async () => {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void lines.push(args.join(" "));
  try {
    await using container = await Container.create("local://tasks-log");
    const agent = new Agent(container);
    await assertRejects(agent.runTask(async function sync() {
      await Promise.resolve();
      throw new Error("disk full");
    }));
  } finally {
    console.error = original;
  }
  assertEquals(lines.length, 1);
  assert(
    lines[0].startsWith(
      `denomas: AgentTaskError: Task "sync" of agent Agent('local://tasks-log/0') in container ` +
        `local://tasks-log failed: Error: disk full`,
    ),
    lines[0],
  );
  assert(lines[0].includes("Caused by Error: disk full\n    at sync"), lines[0]);
});

Deno.test("the container's onError also hears its connections: a late reply to an agent's call", async () => {
  const held = Promise.withResolvers<() => void>();
  class Slow extends Agent {
    @expose
    wait(): Promise<string> {
      return new Promise((resolve) => held.resolve(() => resolve("late")));
    }
  }
  const reports = new Reports();
  await using caller = await Container.create(["127.0.0.1", 0], { onError: reports.push });
  await using callee = await Container.create(["127.0.0.1", 0]);
  const slow = await caller.connect<Slow>(new Slow(callee).addr);
  const controller = new AbortController();
  const pending = callRemote(slow.wait, [], undefined, { signal: controller.signal });
  const release = await held.promise;
  controller.abort(new Error("gave up"));
  await assertRejects(pending, /gave up/);
  release();
  const report = await reports.find((error) => error instanceof LateReplyError);
  assert(report.message.includes(callee.url.slice("tcp://".length)), report.message);
});

// agent.every

/** Lets the microtasks and timers queued by a clock step run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

async function simulated(name: string) {
  const clock = new ExternalClock("2026-01-01T00:00:00Z");
  const reports = new Reports();
  const container = await Container.create(`local://${name}`, { clock, onError: reports.push });
  return { clock, reports, container, agent: new Agent(container) };
}

Deno.test("every(interval) runs on the simulated clock at each tick, the first one interval from now", async () => {
  const { clock, container, agent } = await simulated("every-ticks");
  await using _ = container;
  const seen: number[] = [];
  const done = agent.every(10, () => void seen.push(clock.time()));
  await settle();
  assertEquals(seen, []);
  clock.setTime(5);
  await settle();
  assertEquals(seen, []);
  for (const t of [10, 20, 30]) {
    clock.setTime(t);
    await settle();
  }
  assertEquals(seen, [10, 20, 30]);
  await agent.stop();
  await done;
  clock.setTime(100);
  await settle();
  assertEquals(seen, [10, 20, 30]);
});

Deno.test("every() never overlaps itself: a slow run delays the next and missed ticks are skipped", async () => {
  const { clock, container, agent } = await simulated("every-slow");
  await using _ = container;
  const starts: number[] = [];
  let running = 0;
  let overlapped = false;
  const done = agent.every(10, async (signal) => {
    running++;
    if (running > 1) overlapped = true;
    starts.push(clock.time());
    // The first run takes 25 s of clock time: ticks 20 and 30 pass meanwhile.
    if (starts.length === 1) await agent.clock.sleep(25, undefined, { signal });
    running--;
  });
  for (const t of [10, 20, 30, 35, 40, 50]) {
    clock.setTime(t);
    await settle();
  }
  // The run that started at 10 ended at 35: ticks 20 and 30 are skipped, 40 is next.
  assertEquals(starts, [10, 40, 50]);
  assertEquals(overlapped, false);
  await agent.stop();
  await done;
});

Deno.test("every() stops with its signal, and a failed run is reported while the schedule goes on", async () => {
  const { clock, reports, container, agent } = await simulated("every-signal");
  await using _ = container;
  const controller = new AbortController();
  const runs: number[] = [];
  const done = agent.every(1, function tick() {
    runs.push(clock.time());
    if (runs.length === 2) throw new Error("one bad tick");
  }, { signal: controller.signal });
  for (const t of [1, 2, 3]) {
    clock.setTime(t);
    await settle();
  }
  assertEquals(runs, [1, 2, 3]);
  const report = await reports.find((error) => error instanceof AgentTaskError);
  assertEquals((report as AgentTaskError).task, "tick");
  assert(report.message.includes("one bad tick"), report.message);

  controller.abort();
  await done;
  clock.setTime(10);
  await settle();
  assertEquals(runs, [1, 2, 3]);
  assertEquals(agent.stopped, false);
  assertEquals(reports.errors.length, 1);
});

Deno.test("every() refuses a bad interval, and a stopped agent", async () => {
  const { container, agent } = await simulated("every-bad");
  await using _ = container;
  await assertRejects(agent.every(0, () => {}), RangeError);
  await assertRejects(agent.every(Number.NaN, () => {}), RangeError);
  await agent.stop();
  await assertRejects(agent.every(1, () => {}), ShutdownError);
});

Deno.test("every() runs in real time too, and ends when the container shuts down", async () => {
  const container = await Container.create("local://every-real");
  const agent = new Agent(container);
  const enough = Promise.withResolvers<void>();
  let runs = 0;
  const done = agent.every(0.001, () => {
    if (++runs === 3) enough.resolve();
  });
  await enough.promise;
  await container.shutdown();
  await done;
  const after = runs;
  await new Promise((resolve) => setTimeout(resolve, 5));
  assertEquals(runs, after);
});
