/**
 * ContainerSimulator: a denomas container stepped as a mosaik simulator.
 */

import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { Agent, Container } from "../agent/mod.ts";
import { delay } from "../internal/async.ts";
import {
  type AgentModel,
  ContainerSimulator,
  type ContainerSimulatorOptions,
} from "../mosaik/mod.ts";
import { expose } from "../rpc/mod.ts";

/** Records inputs and wakes up when asked to. */
class Sleeper extends Agent {
  inputs: unknown[] = [];
  woke: number[] = [];
  value = 0;

  async setInputs(inputs: Record<string, Record<string, unknown>>, time: number): Promise<void> {
    await delay(1);
    this.inputs.push([time, inputs]);
  }

  wakeIn(seconds: number): void {
    this.runTask(async () => {
      await this.clock.sleep(seconds);
      this.woke.push(this.clock.time());
    });
  }

  getData(attrs: readonly string[]): Record<string, unknown> {
    return attrs.includes("value") && this.value !== 0 ? { value: this.value } : {};
  }
}

/** An agent in another container, reached over TCP. */
class Echo extends Agent {
  @expose
  async echo(value: number): Promise<number> {
    await delay(2);
    return value;
  }
}

const sleeperModel: AgentModel = {
  params: ["n"],
  attrs: ["input", "value"],
  create: (container) => new Sleeper(container),
};

async function simulator(
  options: Partial<ContainerSimulatorOptions> = {},
  timeResolution = 1,
): Promise<ContainerSimulator> {
  const sim = new ContainerSimulator({ models: { Sleeper: sleeperModel }, ...options });
  await sim.init("MAS-0", timeResolution, {});
  return sim;
}

Deno.test("the meta describes the agent models", () => {
  const sim = new ContainerSimulator({
    type: "hybrid",
    models: {
      Sleeper: { ...sleeperModel, trigger: ["input"], nonPersistent: ["value"], anyInputs: true },
      Hidden: { public: false, attrs: [], create: (container) => new Sleeper(container) },
    },
  });
  assertEquals(sim.meta.type, "hybrid");
  assertEquals(sim.meta.models, {
    Sleeper: {
      public: true,
      params: ["n"],
      attrs: ["input", "value"],
      trigger: ["input"],
      "non-persistent": ["value"],
      any_inputs: true,
    },
    Hidden: { public: false, params: [], attrs: [] },
  });
});

Deno.test("a step moves the clock to time × time_resolution and returns the next timer's step", async () => {
  await using sim = await simulator({}, 0.5);
  const [entity] = await sim.create(1, "Sleeper", {});
  const agent = sim.entity(entity.eid) as Sleeper;
  assertEquals(await sim.step(10, {}, 100), null);
  assertEquals(sim.clock.time(), 5);
  agent.wakeIn(3); // At 8 s, which is step 16.
  assertEquals(await sim.step(12, {}, 100), 16);
  assertEquals(agent.woke, []);
  assertEquals(await sim.step(16, {}, 100), null);
  assertEquals(agent.woke, [8]);
});

Deno.test("a timer between two whole steps asks for the step after it", async () => {
  await using sim = await simulator();
  const [entity] = await sim.create(1, "Sleeper", {});
  const agent = sim.entity(entity.eid) as Sleeper;
  agent.wakeIn(0.2);
  assertEquals(await sim.step(0, {}, 100), 1);
  assertEquals(await sim.step(1, {}, 100), null);
  assertEquals(agent.woke, [1]);
});

Deno.test("inputs reach each entity's setInputs and the step waits for them", async () => {
  await using sim = await simulator();
  const entities = await sim.create(2, "Sleeper", {});
  assertEquals(entities.map((e) => e.eid), ["Sleeper_0", "Sleeper_1"]);
  const inputs = { Sleeper_1: { input: { "Src-0.a": 1, "Src-0.b": 2 } } };
  await sim.step(3, inputs, 10);
  assertEquals((sim.entity("Sleeper_1") as Sleeper).inputs, [[3, inputs.Sleeper_1]]);
  assertEquals((sim.entity("Sleeper_0") as Sleeper).inputs, []);
});

Deno.test("outputs come from the agents; entities without new values are left out", async () => {
  await using sim = await simulator();
  await sim.create(2, "Sleeper", {});
  (sim.entity("Sleeper_1") as Sleeper).value = 7;
  assertEquals(await sim.getData({ Sleeper_0: ["value"], Sleeper_1: ["value"] }), {
    Sleeper_1: { value: 7 },
  });
});

Deno.test("a step waits for work that timers start, and for tracked calls to other containers", async () => {
  await using remote = await Container.create(["127.0.0.1", 0]);
  const echo = new Echo(remote);
  await using sim = await simulator();
  const [entity] = await sim.create(1, "Sleeper", {});
  const agent = sim.entity(entity.eid) as Sleeper;
  const log: string[] = [];
  // Clock-driven work with several hops through the event loop.
  agent.clock.callAt(5, async () => {
    await Promise.resolve();
    await delay(0);
    await delay(0);
    log.push("timer work done");
    sim.track((async () => {
      const proxy = await agent.container.connect<Echo>(echo.addr);
      log.push(`echo ${await proxy.echo(42)}`);
    })());
  });
  assertEquals(await sim.step(5, {}, 100), null);
  assertEquals(log, ["timer work done", "echo 42"]);
});

Deno.test("an agent calls an agent in another container during setInputs", async () => {
  await using remote = await Container.create(["127.0.0.1", 0]);
  const echo = new Echo(remote);
  class Caller extends Agent {
    got: number | undefined;
    async setInputs(inputs: Record<string, Record<string, unknown>>): Promise<void> {
      const proxy = await this.container.connect<Echo>(echo.addr);
      this.got = await proxy.echo(Object.values(inputs.x)[0] as number);
    }
    getData(): Record<string, unknown> {
      return { y: this.got };
    }
  }
  await using sim = new ContainerSimulator({
    models: { Caller: { attrs: ["x", "y"], create: (container) => new Caller(container) } },
  });
  await sim.init("MAS-0", 1, {});
  const [entity] = await sim.create(1, "Caller", {});
  await sim.step(0, { [entity.eid]: { x: { "S.a": 9 } } }, 1);
  assertEquals(await sim.getData({ [entity.eid]: ["y"] }), { [entity.eid]: { y: 9 } });
});

Deno.test("start_date sets the clock's date at time 0", async () => {
  await using sim = new ContainerSimulator({ models: { Sleeper: sleeperModel } });
  await sim.init("MAS-0", 60, { start_date: "2026-06-01T00:00:00Z" });
  await sim.create(1, "Sleeper", {});
  await sim.step(2, {}, 10);
  assertEquals(sim.clock.utcnow().toString(), "2026-06-01T00:02:00+00:00[UTC]");
});

Deno.test("bad init, create, step and get_data arguments are errors", async () => {
  const fresh = new ContainerSimulator({
    models: { Sleeper: sleeperModel, Hidden: { ...sleeperModel, public: false } },
  });
  await rejects(
    fresh.init("X", 1, { step_size: 1 }),
    /init\(\) got an unexpected keyword argument 'step_size'/,
  );
  assert(fresh.meta.models.Sleeper !== undefined);
  await fresh.init("X", 1, {});
  await using sim = fresh;
  await rejects(sim.init("X", 1, {}), /init\(\) was called already/);
  await rejects(
    sim.create(1, "Nope", {}),
    (error) => error instanceof RangeError && /Unknown model "Nope"/.test(error.message),
  );
  await rejects(sim.create(1, "Hidden", {}), /Model "Hidden" is not public/);
  await rejects(sim.create(1, "constructor", {}), /Unknown model/);
  await rejects(sim.create(1, "Sleeper", { m: 1 }), /unexpected keyword argument 'm'/);
  await rejects(sim.step(0, { Ghost_9: {} }, 1), /Unknown entity "Ghost_9"/);
  await rejects(sim.getData({ Ghost_9: [] }), /Unknown entity "Ghost_9"/);
});

Deno.test("finalize shuts the container down", async () => {
  const sim = await simulator();
  const container = sim.container;
  await sim.finalize();
  assert(container.isShutdown);
});
