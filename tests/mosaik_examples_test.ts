/**
 * The simulators in examples/mosaik/ as processes, driven by a stand-in for
 * mosaik over real sockets, in both start modes. The expected values are
 * those of their Python originals.
 */

import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import {
  connectToSimulator,
  FailureReply,
  type MosaikPeer,
  MosaikServer,
  SimulatorProcess,
} from "./_mosaik_driver.ts";

/** How mosaik starts a simulator: `cmd` (it connects to mosaik) or `connect` (`--remote`). */
type Mode = "cmd" | "remote";
const MODES: readonly Mode[] = ["cmd", "remote"];

interface Started extends AsyncDisposable {
  readonly sim: SimulatorProcess;
  readonly mosaik: MosaikPeer;
}

/** Starts `example` in `mode` and gives mosaik's end of its connection. */
async function startExample(mode: Mode, example: string): Promise<Started> {
  if (mode === "remote") {
    const sim = new SimulatorProcess(example, ["127.0.0.1:0", "--remote", "--timeout", "30"]);
    const [, port] = await sim.waitForLine(
      /Waiting for connection from mosaik on 127\.0\.0\.1:(\d+)/,
    );
    const mosaik = await connectToSimulator(Number(port));
    return { sim, mosaik, [Symbol.asyncDispose]: () => closeAll(mosaik, sim) };
  }
  const server = new MosaikServer();
  const sim = new SimulatorProcess(example, [server.addr]);
  const mosaik = await server.accept();
  return {
    sim,
    mosaik,
    [Symbol.asyncDispose]: async () => {
      await closeAll(mosaik, sim);
      await server[Symbol.asyncDispose]();
    },
  };
}

async function closeAll(mosaik: MosaikPeer, sim: SimulatorProcess): Promise<void> {
  await mosaik[Symbol.asyncDispose]();
  await sim[Symbol.asyncDispose]();
}

function rejectsWith(promise: Promise<unknown>, type: string, message: RegExp): Promise<void> {
  return rejects(promise, (error) => {
    assert(error instanceof FailureReply, String(error));
    assertEquals(error.remoteType, type);
    assert(message.test(String(error.remoteMessage)), String(error.remoteMessage));
    return true;
  });
}

for (const mode of MODES) {
  Deno.test(`tutorial_sim.ts behaves like the tutorial's ExampleSim (${mode})`, async () => {
    await using started = await startExample(mode, "tutorial_sim.ts");
    const { sim, mosaik } = started;
    const meta = await mosaik.call("init", ["ExampleSim-0"], {
      time_resolution: 1,
      eid_prefix: "Model_",
    });
    // The JSON text of the Python meta, key order included.
    assertEquals(
      JSON.stringify(meta),
      JSON.stringify({
        api_version: "3.0.13",
        models: {
          ExampleModel: {
            public: true,
            params: ["init_val"],
            attrs: ["delta", "val"],
            trigger: ["delta"],
          },
        },
        extra_methods: [],
        type: "hybrid",
      }),
    );
    assertEquals(await mosaik.call("create", [1, "ExampleModel"], { init_val: 2 }), [
      { eid: "Model_0", type: "ExampleModel" },
    ]);
    assertEquals(await mosaik.call("create", [2], { model: "ExampleModel", init_val: 3 }), [
      { eid: "Model_1", type: "ExampleModel" },
      { eid: "Model_2", type: "ExampleModel" },
    ]);
    await rejectsWith(mosaik.call("create", [1, "ExampleModel"], {}), "TypeError", /init_val/);
    assertEquals(await mosaik.call("setup_done"), null);
    assertEquals(await mosaik.call("step", [0, {}, 10]), 1);
    assertEquals(await mosaik.call("get_data", [{ Model_0: ["val", "delta"], Model_1: ["val"] }]), {
      time: 0,
      Model_0: { val: 3, delta: 1 },
      Model_1: { val: 4 },
    });
    // Arguments by keyword, and the sum of all sources of an input.
    assertEquals(
      await mosaik.call("step", [], {
        time: 1,
        inputs: { Model_0: { delta: { "Ctrl-0.Agent_0": -1, "Ctrl-0.Agent_1": -2 } } },
        max_advance: 10,
      }),
      2,
    );
    assertEquals(await mosaik.call("get_data", [{ Model_0: ["val", "delta"] }]), {
      time: 1,
      Model_0: { val: 0, delta: -3 },
    });
    await rejectsWith(
      mosaik.call("get_data", [{ Model_0: ["nope"] }]),
      "ValueError",
      /^Unknown output attribute: nope$/,
    );
    mosaik.stop();
    const { code, stderr } = await sim.result();
    assertEquals(code, 0, stderr);
  });
}

for (const mode of MODES) {
  Deno.test(`tutorial_ctrl.ts behaves like the tutorial's Controller (${mode})`, async () => {
    await using started = await startExample(mode, "tutorial_ctrl.ts");
    const { sim, mosaik } = started;
    const meta = await mosaik.call("init", ["ExampleCtrl-0"], { time_resolution: 1 }) as Record<
      string,
      unknown
    >;
    assertEquals(meta.type, "event-based");
    assertEquals(meta.models, {
      Agent: { public: true, params: [], attrs: ["val_in", "delta"] },
    });
    assertEquals(await mosaik.call("create", [3, "Agent"]), [
      { eid: "Agent_0", type: "Agent" },
      { eid: "Agent_1", type: "Agent" },
      { eid: "Agent_2", type: "Agent" },
    ]);
    const inputs = {
      Agent_0: { val_in: { "ExampleSim-0.Model_0": 3 } },
      Agent_1: { val_in: { "ExampleSim-0.Model_1": 0 } },
      Agent_2: { val_in: { "ExampleSim-0.Model_2": -3 } },
    };
    assertEquals(await mosaik.call("setup_done"), null);
    assertEquals(await mosaik.call("step", [0, inputs, 10]), null);
    assertEquals(
      await mosaik.call("get_data", [{
        Agent_0: ["delta"],
        Agent_1: ["delta"],
        Agent_2: ["delta"],
      }]),
      {
        time: 0,
        Agent_0: { delta: -1 },
        Agent_2: { delta: 1 },
      },
    );
    assertEquals(await mosaik.call("step", [1, { Agent_1: { val_in: { "S.a": 1 } } }, 10]), null);
    assertEquals(await mosaik.call("get_data", [{ Agent_1: ["delta"] }]), {});
    await rejectsWith(
      mosaik.call("step", [2, { Agent_0: { val_in: { "S.a": 1, "S.b": 2 } } }, 10]),
      "RuntimeError",
      /^Only one ingoing connection allowed per agent, but "Agent_0" has 2\.$/,
    );
    // A failed step loses nothing: the next one works.
    assertEquals(await mosaik.call("step", [3, { Agent_0: { delta: { "M.x": 5 } } }, 10]), null);
    assertEquals(await mosaik.call("get_data", [{ Agent_0: ["delta"] }]), {
      time: 3,
      Agent_0: { delta: 5 },
    });
    mosaik.stop();
    assertEquals((await sim.result()).code, 0);
  });
}

for (const mode of MODES) {
  Deno.test(`example_sim.ts behaves like mosaik's ExampleSim (${mode})`, async () => {
    await using started = await startExample(mode, "example_sim.ts");
    const { sim, mosaik } = started;
    const meta = await mosaik.call("init", ["A"], { time_resolution: 1, step_size: 2 }) as Record<
      string,
      unknown
    >;
    assertEquals(meta.type, "time-based");
    assertEquals(meta.extra_methods, ["example_method"]);
    assertEquals(meta.models, {
      A: { public: true, params: ["init_val"], attrs: ["val_out", "dummy_out"] },
      B: { public: true, params: ["init_val"], attrs: ["val_in", "val_out", "dummy_in"] },
      C: { public: false, params: [], attrs: [] },
    });
    assertEquals(await mosaik.call("example_method", [23]), 23);
    assertEquals(await mosaik.call("example_method", [], { value: "x" }), "x");
    assertEquals(await mosaik.call("create", [2, "A"], { init_val: 0 }), [
      { eid: "0.0", type: "A" },
      { eid: "0.1", type: "A" },
    ]);
    assertEquals(await mosaik.call("create", [1, "B"], { init_val: 7 }), [{
      eid: "1.0",
      type: "B",
    }]);
    assertEquals(
      await mosaik.call("get_data", [{ "0.0": ["val_out"], "1.0": ["val_out", "dummy_in"] }]),
      {
        "0.0": { val_out: 0 },
        "1.0": { val_out: 7 },
      },
    );
    assertEquals(await mosaik.call("setup_done"), null);
    assertEquals(await mosaik.call("step", [0, {}, 100]), 2);
    assertEquals(
      await mosaik.call("step", [2, { "1.0": { val_in: { "X.0.0": 1, "Y.0.0": 4 } } }, 100]),
      4,
    );
    assertEquals(
      await mosaik.call("get_data", [{ "0.0": ["val_out", "dummy_out"], "1.0": ["val_out"] }]),
      {
        "0.0": { val_out: 4 },
        "1.0": { val_out: 5 },
      },
    );
    assertEquals(await mosaik.call("step", [4, {}, 100]), 6);
    assertEquals(await mosaik.call("get_data", [{ "1.0": ["val_out"] }]), {
      "1.0": { val_out: 5 },
    });
    mosaik.stop();
    assertEquals((await sim.result()).code, 0);
  });
}

for (const mode of MODES) {
  Deno.test(`example_sim.ts closes the connection on an unknown sim param, as in mosaik's tests (${mode})`, async () => {
    await using started = await startExample(mode, "example_sim.ts");
    const { sim, mosaik } = started;
    await rejects(
      mosaik.call("init", [""], { time_resolution: 1, foo: 3 }),
      /closed the connection/,
    );
    const { code, stderr } = await sim.result();
    assertEquals(code, 1);
    assert(stderr.includes("Error in ExampleSim:"), stderr);
    assert(stderr.includes("TypeError: init() got an unexpected keyword argument 'foo'"), stderr);
  });
}

for (const mode of MODES) {
  Deno.test(`example_mas.ts makes mosaik's async requests in its steps (${mode})`, async () => {
    await using started = await startExample(mode, "example_mas.ts");
    const { sim, mosaik } = started;
    const setData: unknown[] = [];
    Object.assign(mosaik.handlers, {
      get_progress: () => 12.5,
      get_related_entities: ([ids]: unknown[]) => {
        assertEquals(ids, ["B.0", "B.1"]);
        return {
          "B.0": { "A.0.0": { type: "B" } },
          "B.1": { "A.0.0": { type: "B" }, "A.0.1": { type: "A" } },
        };
      },
      get_data: ([attrs]: unknown[]) => {
        assertEquals(attrs, { "A.0.0": ["val_out"], "A.0.1": ["val_out"] });
        return { "A.0.0": { val_out: 1 }, "A.0.1": { val_out: 2 } };
      },
      set_data: ([data]: unknown[]) => void setData.push(data),
    });
    assertEquals(
      (await mosaik.call("init", ["B"], { time_resolution: 1, step_size: 1 }) as { type: string })
        .type,
      "time-based",
    );
    assertEquals(await mosaik.call("create", [1, "Agent"]), [{ eid: "0", type: "Agent" }]);
    assertEquals(await mosaik.call("create", [1, "Agent"]), [{ eid: "1", type: "Agent" }]);
    await rejectsWith(mosaik.call("create", [1, "Robot"]), "ValueError", /Robot/);
    assertEquals(await mosaik.call("setup_done"), null);
    assertEquals(await mosaik.call("step", [0, {}, 5]), 1);
    assertEquals(await mosaik.call("step", [1, {}, 5]), 2);
    assertEquals(mosaik.requests.map(([method]) => method), [
      "get_progress",
      "get_related_entities",
      "get_data",
      "set_data",
      "get_progress",
      "get_data",
      "set_data",
    ]);
    const expected = {
      "B.0": { "A.0.0": { val_in: 23 } },
      "B.1": { "A.0.0": { val_in: 23 }, "A.0.1": { val_in: 23 } },
    };
    assertEquals(setData, [expected, expected]);
    assertEquals(await mosaik.call("get_data", [{ "0": [] }]), {});
    mosaik.stop();
    assertEquals((await sim.result()).code, 0);
  });
}

for (const mode of MODES) {
  Deno.test(`a simulator process exits with a clear message when mosaik vanishes mid-step (${mode})`, async () => {
    await using started = await startExample(mode, "example_mas.ts");
    const { sim, mosaik } = started;
    await mosaik.call("init", ["B"], { time_resolution: 1 });
    await mosaik.call("create", [1, "Agent"]);
    const asked = Promise.withResolvers<void>();
    mosaik.onRequest = (method) => {
      if (method === "get_progress") asked.resolve();
      return false; // Never answered: mosaik is gone.
    };
    const step = mosaik.call("step", [0, {}, 5]);
    step.catch(() => {});
    await asked.promise;
    mosaik.close();
    const { code, stderr } = await sim.result();
    assertEquals(code, 1);
    assert(/closed the connection while get_progress was pending/.test(stderr), stderr);
  });
}

for (const mode of MODES) {
  Deno.test(`thermostat_agents.ts runs denomas agents as a mosaik simulator (${mode})`, async () => {
    await using started = await startExample(mode, "thermostat_agents.ts");
    const { sim, mosaik } = started;
    const meta = await mosaik.call("init", ["Heating-0"], { time_resolution: 1 }) as Record<
      string,
      unknown
    >;
    assertEquals(meta.type, "hybrid");
    const [heater] = await mosaik.call("create", [1, "Heater"], { power: 1800 }) as {
      eid: string;
    }[];
    const [thermostat] = await mosaik.call("create", [1, "Thermostat"], {
      setpoint: 21,
      heater: heater.eid,
    }) as {
      eid: string;
      extra_info: { url: string };
    }[];
    assertEquals(heater.eid, "Heater_0");
    assertEquals(thermostat.eid, "Thermostat_1");
    assert(/^tcp:\/\/127\.0\.0\.1:\d+\/1$/.test(thermostat.extra_info.url));
    await mosaik.call("setup_done");
    const cold = { Thermostat_1: { temperature: { "Room-0.r": 19 } } };
    // The heater's booking timer asks for a step a minute later.
    assertEquals(await mosaik.call("step", [0, cold, 3600]), 60);
    const outputs = { Thermostat_1: ["heater_on"], Heater_0: ["P", "energy"] };
    assertEquals(await mosaik.call("get_data", [outputs]), {
      Thermostat_1: { heater_on: 1 },
      Heater_0: { P: 1800, energy: 0 },
    });
    assertEquals(await mosaik.call("step", [60, {}, 3600]), 120);
    assertEquals(await mosaik.call("get_data", [outputs]), {
      Thermostat_1: { heater_on: 1 },
      Heater_0: { P: 1800, energy: 30 },
    });
    const warm = { Thermostat_1: { temperature: { "Room-0.r": 22 } } };
    assertEquals(await mosaik.call("step", [90, warm, 3600]), 120);
    assertEquals(await mosaik.call("get_data", [outputs]), {
      Thermostat_1: { heater_on: 0 },
      Heater_0: { P: 0, energy: 45 },
    });
    mosaik.stop();
    const { code, stderr } = await sim.result();
    assertEquals(code, 0, stderr);
  });
}

Deno.test("a simulator process rejects a bad command line", async () => {
  await using sim = new SimulatorProcess("tutorial_sim.ts", ["--frobnicate", "127.0.0.1:1"]);
  const { code, stderr } = await sim.result();
  assertEquals(code, 1);
  assert(stderr.includes("Unknown option --frobnicate"), stderr);
  assert(stderr.includes("Usage:"), stderr);
});

Deno.test("a simulator process reports that mosaik cannot be reached", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  await using sim = new SimulatorProcess("tutorial_sim.ts", [`127.0.0.1:${port}`]);
  const { code, stderr } = await sim.result();
  assertEquals(code, 1);
  assert(stderr.includes(`Could not connect to mosaik at 127.0.0.1:${port}`), stderr);
});
