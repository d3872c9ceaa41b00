/**
 * The simulator API over mosaik's protocol, in process: a simulator served
 * by `runSimulator` and a stand-in for mosaik on a real socket.
 */

import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { TimeoutError } from "../errors.ts";
import {
  type InputData,
  type Meta,
  MosaikConnectionError,
  MosaikError,
  type OutputRequest,
  runSimulator,
  type RunSimulatorOptions,
  type SimulationEnd,
  Simulator,
} from "../mosaik/mod.ts";
import {
  connectToSimulator,
  FailureReply,
  type MosaikPeer,
  MosaikServer,
} from "./_mosaik_driver.ts";

/** A simulator whose step does what the test says. */
class Probe extends Simulator {
  finalized = 0;
  stepHook: ((time: number, inputs: InputData) => unknown) | undefined;
  initError: Error | undefined;
  sid = "";
  simParams: Record<string, unknown> = {};

  constructor(extra: string[] = []) {
    super({
      type: "event-based",
      models: { P: { public: true, params: ["k"], attrs: ["x"] } },
      extra_methods: extra,
    });
  }

  override init(sid: string, timeResolution: number, simParams: Record<string, unknown>): Meta {
    if (this.initError) throw this.initError;
    this.sid = sid;
    this.simParams = { ...simParams, timeResolution };
    return this.meta;
  }

  create(num: number, model: string, params: Record<string, unknown>) {
    return Array.from({ length: num }, (_, i) => ({ eid: `${model}_${i}`, type: model, params }));
  }

  async step(time: number, inputs: InputData): Promise<number | null> {
    const result = await this.stepHook?.(time, inputs);
    return result === undefined ? time + 1 : result as number | null;
  }

  getData(outputs: OutputRequest) {
    return Object.fromEntries(Object.keys(outputs).map((eid) => [eid, { x: 1 }]));
  }

  override finalize(): void {
    this.finalized++;
  }

  add(a: number, b = 10): number {
    return a + b;
  }

  camelMethod(): string {
    return "camel";
  }
}

/** Serves `sim` to a fresh stand-in for mosaik; the simulator connects (a `cmd` start). */
async function serve(
  sim: Simulator,
  options: Partial<RunSimulatorOptions> = {},
): Promise<{ mosaik: MosaikPeer; run: Promise<SimulationEnd>; server: MosaikServer }> {
  const server = new MosaikServer();
  const run = runSimulator(sim, { hostname: "127.0.0.1", port: server.port, ...options });
  run.catch(() => {});
  const mosaik = await server.accept();
  return { mosaik, run, server };
}

async function initialized(sim = new Probe(), options: Partial<RunSimulatorOptions> = {}) {
  const served = await serve(sim, options);
  await served.mosaik.call("init", ["Probe-0"], { time_resolution: 1 });
  return { ...served, sim };
}

function failure(promise: Promise<unknown>): Promise<FailureReply> {
  return promise.then(
    () => {
      throw new Error("expected a FAILURE reply");
    },
    (error) => {
      assert(error instanceof FailureReply, String(error));
      return error;
    },
  );
}

Deno.test("init, create, setup_done, step, get_data and stop run in order", async () => {
  const { mosaik, run, server, sim } = await initialized();
  await using _server = server;
  await using _mosaik = mosaik;
  assertEquals(sim.sid, "Probe-0");
  assertEquals(await mosaik.call("create", [2, "P"], { k: 1 }), [
    { eid: "P_0", type: "P", params: { k: 1 } },
    { eid: "P_1", type: "P", params: { k: 1 } },
  ]);
  assertEquals(await mosaik.call("setup_done"), null);
  assertEquals(await mosaik.call("step", [0, {}, 10]), 1);
  assertEquals(await mosaik.call("get_data", [{ P_0: ["x"] }]), { P_0: { x: 1 } });
  mosaik.stop();
  assertEquals(await run, "stop");
  assertEquals(sim.finalized, 1);
  await mosaik.closed;
});

Deno.test("init binds time_resolution by position or keyword and passes the rest as sim params", async () => {
  const sim = new Probe();
  const { mosaik, run, server } = await serve(sim);
  await using _server = server;
  await using _mosaik = mosaik;
  const meta = await mosaik.call("init", ["S-0", 0.5], { step_size: 2 }) as Meta;
  assertEquals(meta.api_version, "3.0.13");
  assertEquals(sim.simParams, { step_size: 2, timeResolution: 0.5 });
  assertEquals(sim.timeResolution, 0.5);
  mosaik.stop();
  await run;
});

Deno.test("a failure reply is [TypeName, message, ...traceback lines]", async () => {
  const { mosaik, run, server, sim } = await initialized();
  await using _server = server;
  await using _mosaik = mosaik;
  sim.stepHook = (time) => {
    if (time === 1) throw new RangeError("bad step");
    if (time === 2) throw new Error("");
    if (time === 3) throw "a thrown string";
  };
  const bad = await failure(mosaik.call("step", [1, {}, 10]));
  const content = bad.content as string[];
  assertEquals(content.slice(0, 2), ["RangeError", "bad step"]);
  assert(content.length > 3);
  assert(content.slice(2).every((line) => typeof line === "string" && line.endsWith("\n")));
  assertEquals(content.at(-1), "RangeError: bad step\n");
  // Even without a message there are at least two entries, which mosaik needs.
  const empty = (await failure(mosaik.call("step", [2, {}, 10]))).content as string[];
  assertEquals(empty.slice(0, 2), ["Error", ""]);
  const thrown = (await failure(mosaik.call("step", [3, {}, 10]))).content as string[];
  assertEquals(thrown, ["Error", "a thrown string", "Error: a thrown string\n"]);
  // The simulator carries on.
  assertEquals(await mosaik.call("step", [4, {}, 10]), 5);
  mosaik.stop();
  assertEquals(await run, "stop");
});

Deno.test("an unknown method or malformed request gets a failure reply and serving goes on", async () => {
  const { mosaik, run, server } = await initialized();
  await using _server = server;
  await using _mosaik = mosaik;
  const unknown = await failure(mosaik.call("frobnicate"));
  assertEquals(unknown.remoteType, "MosaikRequestError");
  assertEquals(unknown.remoteMessage, 'Simulator Probe has no method "frobnicate"');
  const contents = ["step", ["step", [0, {}, 1]], ["step", "args", {}], [1, [], {}], [
    "step",
    [],
    [],
  ]];
  contents.forEach((content, i) => mosaik.send([0, 1000 + i, content]));
  // Each malformed request was answered (in order) before this call.
  assertEquals(await mosaik.call("step", [0, {}, 10]), 1);
  assertEquals(
    mosaik.unsolicited.map(([type, id]) => [type, id]),
    contents.map((_, i) => [2, 1000 + i]),
  );
  for (const [, , content] of mosaik.unsolicited) {
    assertEquals((content as string[])[0], "MosaikRequestError");
    assert((content as string[])[1].startsWith("Expected a request [method, args, kwargs], got "));
  }
  mosaik.stop();
  assertEquals(await run, "stop");
});

Deno.test("API arguments are bound like Python binds them", async () => {
  const { mosaik, run, server } = await initialized();
  await using _server = server;
  await using _mosaik = mosaik;
  const cases: [unknown[], Record<string, unknown>, string][] = [
    [[0, {}], {}, "step() missing 1 required argument: 'max_advance'"],
    [[0, {}, 1, 2], {}, "step() takes 3 positional arguments but 4 were given"],
    [[0, {}, 1], { time: 0 }, "step() got multiple values for argument 'time'"],
    [[0, {}, 1], { until: 3 }, "step() got an unexpected keyword argument 'until'"],
    [[0.5, {}, 1], {}, "step(): time must be an integer, got 0.5"],
    [[0, [], 1], {}, "step(): inputs must be an object, got []"],
  ];
  for (const [args, kwargs, message] of cases) {
    const reply = await failure(mosaik.call("step", args, kwargs));
    assertEquals([reply.remoteType, reply.remoteMessage], ["TypeError", message]);
  }
  assertEquals(await mosaik.call("step", [], { max_advance: 9, inputs: {}, time: 7 }), 8);
  mosaik.stop();
  await run;
});

Deno.test("step and get_data results that break the API are failures", async () => {
  const sim = new Probe();
  const { mosaik, run, server } = await initialized(sim);
  await using _server = server;
  await using _mosaik = mosaik;
  for (const next of [2.5, 3, 1, "4"]) {
    sim.stepHook = () => next;
    const reply = await failure(mosaik.call("step", [3, {}, 10]));
    assertEquals(reply.remoteType, "MosaikRequestError");
    assert(
      String(reply.remoteMessage).startsWith("step(3) must return an integer time after 3 or null"),
    );
  }
  sim.stepHook = () => null;
  assertEquals(await mosaik.call("step", [3, {}, 10]), null);
  sim.getData = () => ({ time: 1.5 }) as never;
  assertEquals((await failure(mosaik.call("get_data", [{}]))).remoteType, "MosaikRequestError");
  mosaik.stop();
  await run;
});

Deno.test("extra methods: only listed ones, bound by keyword, camelCase accepted", async () => {
  const sim = new Probe(["add", "camel_method", "constructor", "toString", "finalize", "missing"]);
  const { mosaik, run, server } = await initialized(sim);
  await using _server = server;
  await using _mosaik = mosaik;
  assertEquals(await mosaik.call("add", [1, 2]), 3);
  assertEquals(await mosaik.call("add", [], { a: 5 }), 15);
  assertEquals(await mosaik.call("camel_method"), "camel");
  const wrong = await failure(mosaik.call("add", [], { c: 1 }));
  assertEquals([wrong.remoteType, wrong.remoteMessage], [
    "TypeError",
    "add() got an unexpected keyword argument 'c'",
  ]);
  for (const name of ["constructor", "toString", "finalize", "missing", "__proto__", "getData"]) {
    assertEquals((await failure(mosaik.call(name))).remoteType, "MosaikRequestError", name);
  }
  assertEquals(sim.finalized, 0);
  mosaik.stop();
  await run;
  assertEquals(sim.finalized, 1);
});

Deno.test("an error in init closes the connection instead of replying", async () => {
  const sim = new Probe();
  sim.initError = new TypeError("init() got an unexpected keyword argument 'foo'");
  const { mosaik, run, server } = await serve(sim);
  await using _server = server;
  await using _mosaik = mosaik;
  await rejects(
    mosaik.call("init", ["X"], { time_resolution: 1, foo: 3 }),
    /closed the connection/,
  );
  await rejects(run, (error) => error === sim.initError);
  assertEquals(sim.finalized, 1);
});

Deno.test("mosaik closing the connection between requests ends the simulation", async () => {
  const { mosaik, run, server, sim } = await initialized();
  await using _server = server;
  mosaik.close();
  assertEquals(await run, "closed");
  assertEquals(sim.finalized, 1);
});

Deno.test("mosaik vanishing while the simulator waits for it fails the step and ends", async () => {
  const sim = new Probe();
  let stepError: unknown;
  sim.stepHook = async () => {
    try {
      await sim.mosaik.getProgress();
    } catch (error) {
      stepError = error;
      throw error;
    }
  };
  const { mosaik, run, server } = await initialized(sim);
  await using _server = server;
  const asked = Promise.withResolvers<void>();
  mosaik.onRequest = () => {
    asked.resolve();
    return false;
  };
  mosaik.call("step", [0, {}, 1]).catch(() => {});
  await asked.promise;
  mosaik.close();
  await rejects(run, (error) => {
    assert(error instanceof MosaikConnectionError);
    assert(
      /closed the connection while get_progress was pending/.test(error.message),
      error.message,
    );
    return true;
  });
  assert(stepError instanceof MosaikConnectionError);
  assertEquals(sim.finalized, 1);
});

Deno.test("mosaik vanishing during a step that does not wait for it ends with a clear error", async () => {
  const sim = new Probe();
  const entered = Promise.withResolvers<void>();
  let reason: unknown;
  sim.stepHook = async () => {
    entered.resolve();
    // A long computation that watches the signal.
    await new Promise((resolve) => sim.mosaik.signal.addEventListener("abort", resolve));
    reason = sim.mosaik.signal.reason;
  };
  const { mosaik, run, server } = await initialized(sim);
  await using _server = server;
  mosaik.call("step", [0, {}, 1]).catch(() => {});
  await entered.promise;
  mosaik.close();
  await rejects(run, /mosaik closed the connection during step\(\); its reply was not sent/);
  assert(reason instanceof MosaikConnectionError);
});

Deno.test("async requests: shapes, replies in any order, and failures from mosaik", async () => {
  const sim = new Probe();
  const results: unknown[] = [];
  sim.stepHook = async (time) => {
    if (time === 0) {
      results.push(await Promise.all([sim.mosaik.getProgress(), sim.mosaik.getRelatedEntities()]));
      return;
    }
    results.push(await sim.mosaik.getRelatedEntities("S.a"));
    await sim.mosaik.setData({ "S.a": { "T.b": { x: 2 } } });
    await sim.mosaik.setEvent(7);
    try {
      await sim.mosaik.getData({ "T.b": ["y"] });
    } catch (error) {
      assert(error instanceof MosaikError);
      results.push([error.remoteType, error.remoteMessage, error.remoteTraceback]);
    }
  };
  const { mosaik, run, server } = await initialized(sim);
  await using _server = server;
  await using _mosaik = mosaik;
  // Hold the first two requests and answer them in reverse order.
  let held = 0;
  const bothHeld = Promise.withResolvers<void>();
  mosaik.onRequest = () => {
    if (++held === 2) bothHeld.resolve();
    return held > 2;
  };
  const step = mosaik.call("step", [0, {}, 10]);
  await bothHeld.promise;
  mosaik.send([1, mosaik.requestIds[1], { nodes: {}, edges: [] }]);
  mosaik.send([1, mosaik.requestIds[0], 42.5]);
  assertEquals(await step, 1);
  Object.assign(mosaik.handlers, {
    get_related_entities: () => ({ "T.b": { type: "B" } }),
    set_data: () => null,
    set_event: () => null,
    get_data: () => {
      throw new Error("No connection from T to S");
    },
  });
  assertEquals(await mosaik.call("step", [1, {}, 10]), 2);
  assertEquals(results, [
    [42.5, { nodes: {}, edges: [] }],
    { "T.b": { type: "B" } },
    ["ScenarioError", "No connection from T to S", ["Traceback: ...\n"]],
  ]);
  assertEquals(mosaik.requests, [
    ["get_progress", [], {}],
    ["get_related_entities", [null], {}],
    ["get_related_entities", ["S.a"], {}],
    ["set_data", [{ "S.a": { "T.b": { x: 2 } } }], {}],
    ["set_event", [7], {}],
    ["get_data", [{ "T.b": ["y"] }], {}],
  ]);
  mosaik.stop();
  await run;
});

Deno.test("a reply for a request never made is reported and dropped", async () => {
  const errors: Error[] = [];
  const { mosaik, run, server } = await initialized(new Probe(), {
    onError: (error) => errors.push(error),
  });
  await using _server = server;
  await using _mosaik = mosaik;
  mosaik.send([1, 99, "stray"]);
  assertEquals(await mosaik.call("step", [0, {}, 1]), 1);
  assertEquals(errors.length, 1);
  assert(errors[0].message.includes("unknown request 99"));
  mosaik.stop();
  await run;
});

Deno.test("a frame that is not JSON ends the simulation with a clear error", async () => {
  const { mosaik, run, server, sim } = await initialized();
  await using _server = server;
  await using _mosaik = mosaik;
  mosaik.sendRaw(new TextEncoder().encode("[0, 1, nope"));
  await rejects(run, (error) => {
    assert(error instanceof MosaikConnectionError);
    assert(error.message.startsWith("Cannot decode a message from mosaik"), error.message);
    return true;
  });
  assertEquals(sim.finalized, 1);
});

Deno.test("remote mode listens and waits for mosaik to connect", async () => {
  const sim = new Probe();
  const listening = Promise.withResolvers<number>();
  const run = runSimulator(sim, {
    hostname: "127.0.0.1",
    port: 0,
    remote: true,
    onListen: ({ port }) => listening.resolve(port),
  });
  await using mosaik = await connectToSimulator(await listening.promise);
  await mosaik.call("init", ["R-0"], { time_resolution: 1 });
  assertEquals(await mosaik.call("step", [0, {}, 1]), 1);
  mosaik.stop();
  assertEquals(await run, "stop");
});

Deno.test("remote mode gives up with a TimeoutError when mosaik does not come", async () => {
  const sim = new Probe();
  await rejects(
    runSimulator(sim, { hostname: "127.0.0.1", port: 0, remote: true, timeout: 20 }),
    (error) => {
      assert(error instanceof TimeoutError);
      assert(
        error.message.startsWith("waiting for mosaik to connect to 127.0.0.1:"),
        error.message,
      );
      return true;
    },
  );
  assertEquals(sim.finalized, 1);
});

Deno.test("a refused connect is a MosaikConnectionError", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  await rejects(
    runSimulator(new Probe(), { hostname: "127.0.0.1", port }),
    (error) =>
      error instanceof MosaikConnectionError &&
      error.message.startsWith(`Could not connect to mosaik at 127.0.0.1:${port}`),
  );
});

Deno.test("aborting the signal ends the simulation with its reason", async () => {
  const controller = new AbortController();
  const { mosaik, run, server, sim } = await initialized(new Probe(), {
    signal: controller.signal,
  });
  await using _server = server;
  await using _mosaik = mosaik;
  const reason = new Error("enough");
  controller.abort(reason);
  await rejects(run, (error) => error === reason);
  await mosaik.closed;
  assertEquals(sim.finalized, 1);
});

Deno.test("Python's NaN and integers beyond 2^53 arrive intact", async () => {
  const sim = new Probe();
  let seen: InputData | undefined;
  sim.stepHook = (time, inputs) => {
    if (time === 0) seen = inputs;
  };
  const { mosaik, run, server } = await initialized(sim);
  await using _server = server;
  await using _mosaik = mosaik;
  mosaik.sendRaw(
    new TextEncoder().encode(
      '[0, 77, ["step", [0, {"P_0": {"x": {"S.a": NaN, "S.b": 1180591620717411303424, "S.c": -Infinity}}}, 1], {}]]',
    ),
  );
  assertEquals(await mosaik.call("step", [1, {}, 2]), 2);
  assertEquals(mosaik.unsolicited, [[1, 77, 1]]);
  assertEquals(seen, { P_0: { x: { "S.a": NaN, "S.b": 2n ** 70n, "S.c": -Infinity } } });
  mosaik.stop();
  await run;
});

Deno.test("a frame above maxFrameSize ends the simulation before it is read", async () => {
  const { mosaik, run, server, sim } = await initialized(new Probe(), { maxFrameSize: 1024 });
  await using _server = server;
  await using _mosaik = mosaik;
  mosaik.send([0, 5, ["step", [0, { P_0: { x: { "S.a": "y".repeat(2000) } } }, 1], {}]]);
  await rejects(run, (error) => {
    assert(error instanceof MosaikConnectionError);
    assert(/exceeds|limit|maxFrameSize/i.test(error.message), error.message);
    return true;
  });
  assertEquals(sim.finalized, 1);
});

Deno.test("remote mode on an address in use is a MosaikConnectionError", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const sim = new Probe();
  await rejects(
    runSimulator(sim, { hostname: "127.0.0.1", port: taken.addr.port, remote: true }),
    (error) =>
      error instanceof MosaikConnectionError &&
      error.message.startsWith(`Cannot listen for mosaik at 127.0.0.1:${taken.addr.port}: `),
  );
  assertEquals(sim.finalized, 1);
});
