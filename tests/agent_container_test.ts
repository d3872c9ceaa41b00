import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
  strictEqual,
  throws as assertThrows,
} from "node:assert/strict";
import { TimeoutError } from "../errors.ts";
import {
  Agent,
  AgentNotFoundError,
  type AgentProxy,
  AgentUrlError,
  ConnectError,
  Container,
  ShutdownError,
} from "../agent/mod.ts";
import { ConnectionResetError, RemoteException } from "../channel/errors.ts";
import { ExternalClock } from "../clocks/mod.ts";
import { MsgPack } from "../codecs/msgpack.ts";
import {
  callRemote,
  expose,
  isProxy,
  proxyPath,
  startServer as startRpcServer,
  withOptions,
} from "../rpc/mod.ts";
import { remoteError, vanishingContainer } from "./_vanishing_agent.ts";

const LOCALHOST = "127.0.0.1";

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function portOf(container: Container): number {
  return Number(new URL(container.url.replace(/^tcp:/, "http:")).port);
}

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const container = await Container.create([LOCALHOST, 0]);
  const port = portOf(container);
  await container.shutdown();
  return port;
}

// The seed's first example: agents that call each other's `service`.
class TestAgent extends Agent {
  async run(addr: string): Promise<string> {
    const remote = await this.container.connect<TestAgent>(addr);
    const ret = await remote.service(42);
    return `${this} got ${ret} from ${remote}`;
  }

  @expose
  service(value: number): number {
    return value;
  }
}

class Callee extends Agent {
  @expose
  spam(times: number): string {
    return "spam".repeat(times);
  }
}

class Caller extends Agent {
  async run(calleeAddr: string, log: string[]): Promise<void> {
    log.push(`${this} connecting to ${calleeAddr}`);
    const callee = await this.container.connect<Callee>(calleeAddr);
    log.push(`${this} connected to ${callee}`);
    const result = await callee.spam(3);
    log.push(`${this} got ${result}`);
  }
}

class Pinger extends Agent {
  calls = 0;

  @expose
  ping(x: unknown): [string, unknown] {
    this.calls++;
    return ["pong", x];
  }

  @expose
  async slow(): Promise<string> {
    // Never answers (and holds no timer): only a lost connection ends the call.
    return await new Promise<string>(() => {});
  }

  @expose
  now(): Temporal.ZonedDateTime {
    return this.clock.utcnow();
  }

  @expose
  add(a: number, b: number): number {
    return a + b;
  }
}

class Counter {
  count = 0;
  @expose
  increment(by: number = 1): number {
    return this.count += by;
  }
}

class WithSub extends Agent {
  @expose
  readonly counter: Counter = new Counter();
}

class CallbackAgent extends Agent {
  @expose
  async call_me_back(other: AgentProxy<CallbackAgent>): Promise<unknown> {
    return await other.ping(`from ${this.aid}`);
  }

  @expose
  ping(text: string): [string, string] {
    return [`${this.aid}-pong`, text];
  }
}

Deno.test("seed example: two agents in one container call each other", async () => {
  await using container = await Container.create([LOCALHOST, 0]);
  const agents = [new TestAgent(container), new TestAgent(container)];
  strictEqual(String(agents[0]), `TestAgent('${container.url}/0')`);
  strictEqual(String(agents[1]), `TestAgent('${container.url}/1')`);
  strictEqual(
    await agents[0].run(agents[1].addr),
    `TestAgent('${container.url}/0') got 42 from TestAgentProxy('${container.url}/1')`,
  );
});

Deno.test("seed example: a Caller calls a Callee's exposed method", async () => {
  await using container = await Container.create([LOCALHOST, 0]);
  const callee = new Callee(container);
  const caller = new Caller(container);
  const log: string[] = [];
  await caller.run(callee.addr, log);
  const url = container.url;
  assertEquals(log, [
    `Caller('${url}/1') connecting to ${url}/0`,
    `Caller('${url}/1') connected to CalleeProxy('${url}/0')`,
    `Caller('${url}/1') got spamspamspam`,
  ]);
});

Deno.test("seed example: two agents on a free port", async () => {
  await using container = await Container.create([LOCALHOST, 0]);
  const port = portOf(container);
  assert(port > 0);
  strictEqual(container.url, `tcp://127.0.0.1:${port}`);
  const [a, b] = [new TestAgent(container), new TestAgent(container)];
  assert((await b.run(a.addr)).endsWith(`got 42 from TestAgentProxy('${a.addr}')`));
});

Deno.test("seed example: an agent task sleeps on the container clock three times", async () => {
  class HelloWorld extends Agent {
    readonly said: string[] = [];
    async run(name: string): Promise<void> {
      this.said.push(`${name} says:`);
      for (let i = 0; i < 3; i++) {
        await this.container.clock.sleep(0.1);
        this.said.push(`Hello, World! (t=${this.container.clock.time().toFixed(1)})`);
      }
    }
  }
  const clock = new ExternalClock("2026-01-01T00:00:00Z");
  await using container = await Container.create([LOCALHOST, 0], { clock });
  const agent = new HelloWorld(container);
  const task = agent.run("Monty");
  for (const t of [0.1, 0.2, 0.3]) {
    clock.setTime(t);
    await settle();
  }
  await task;
  assertEquals(agent.said, [
    "Monty says:",
    "Hello, World! (t=0.1)",
    "Hello, World! (t=0.2)",
    "Hello, World! (t=0.3)",
  ]);
});

Deno.test("an external clock drives agents in two containers faster than real time", async () => {
  class Meter extends Agent {
    readonly readings: string[] = [];
    async run(target: string): Promise<void> {
      const sink = await this.container.connect<Sink>(target);
      // One reading every 15 simulated minutes, for 6 simulated hours.
      for (let i = 0; i < 24; i++) {
        await this.clock.sleep(15 * 60);
        this.readings.push(await sink.record(this.clock.utcnow(), i));
      }
    }
  }
  class Sink extends Agent {
    @expose
    record(at: Temporal.ZonedDateTime, value: number): string {
      return `${at.toPlainTime()}=${value}`;
    }
  }
  const clock = new ExternalClock("2026-06-01T00:00:00Z");
  await using a = await Container.create([LOCALHOST, 0], { clock });
  await using b = await Container.create([LOCALHOST, 0], { clock });
  const sink = new Sink(b);
  const meter = new Meter(a);
  const task = meter.run(sink.addr);
  let steps = 0;
  while (meter.readings.length < 24) {
    const next = clock.nextTime();
    if (next !== undefined) clock.setTime(next);
    // Let the agent's remote call finish before moving time on.
    await new Promise((resolve) => setTimeout(resolve, 1));
    steps++;
  }
  await task;
  strictEqual(meter.readings[0], "00:15:00=0");
  strictEqual(meter.readings[23], "06:00:00=23");
  strictEqual(clock.time(), 6 * 3600);
  assert(steps >= 24);
});

Deno.test("agents get ids 0, 1, … in creation order and URLs from their container", async () => {
  await using container = await Container.create([LOCALHOST, 0]);
  const agents = Array.from({ length: 5 }, () => new Pinger(container));
  assertEquals(agents.map((agent) => agent.aid), ["0", "1", "2", "3", "4"]);
  assertEquals(agents.map((agent) => agent.addr), agents.map((_, i) => `${container.url}/${i}`));
  assertEquals([...container.agents.keys()], ["0", "1", "2", "3", "4"]);
  strictEqual(container.validate_aid("3"), "Pinger");
  strictEqual(container.validate_aid("9"), null);
  strictEqual(String(container), `Container('${container.url}')`);
});

Deno.test("connect to an unknown agent is an AgentNotFoundError", async () => {
  await using container = await Container.create([LOCALHOST, 0]);
  new Pinger(container);
  await assertRejects(
    container.connect(`${container.url}/7`),
    (error: unknown) =>
      error instanceof AgentNotFoundError &&
      error.message ===
        `No agent "7" at ${container.url}/7 (its container's validate_aid answered null)`,
  );
});

Deno.test("connect rejects malformed URLs with AgentUrlError", async () => {
  await using container = await Container.create("local://bad-urls");
  await assertRejects(container.connect("tcp://x"), AgentUrlError);
  await assertRejects(container.connect("tcp://127.0.0.1:1"), /missing agent id/);
});

Deno.test("all agents of a peer share one connection; localhost and 127.0.0.1 are one peer", async () => {
  await using a = await Container.create([LOCALHOST, 0]);
  await using b = await Container.create([LOCALHOST, 0]);
  const pingers = Array.from({ length: 3 }, () => new Pinger(b));
  const port = portOf(b);
  const proxies = [
    await a.connect<Pinger>(`tcp://localhost:${port}/0`),
    await a.connect<Pinger>(`tcp://127.0.0.1:${port}/1`),
    await a.connect<Pinger>(`tcp://LOCALHOST:${port}/2`),
  ];
  for (const [i, proxy] of proxies.entries()) assertEquals(await proxy.ping(i), ["pong", i]);
  strictEqual(a.outgoingConnections, 1);
  strictEqual(b.incomingConnections, 1);
  strictEqual(String(proxies[0]), `PingerProxy('tcp://127.0.0.1:${port}/0')`);
  assertEquals(pingers.map((p) => p.calls), [1, 1, 1]);
});

Deno.test("concurrent connects to one container share one attempt", async () => {
  await using a = await Container.create([LOCALHOST, 0]);
  await using b = await Container.create([LOCALHOST, 0]);
  const pinger = new Pinger(b);
  const proxies = await Promise.all(
    Array.from({ length: 20 }, () => a.connect<Pinger>(pinger.addr)),
  );
  await Promise.all(proxies.map((proxy, i) => proxy.ping(i)));
  strictEqual(a.outgoingConnections, 1);
  strictEqual(b.incomingConnections, 1);
  strictEqual(pinger.calls, 20);
});

Deno.test("a failed connect does not poison the address", async () => {
  await using a = await Container.create([LOCALHOST, 0]);
  const port = await freePort();
  const url = `tcp://127.0.0.1:${port}/0`;
  await assertRejects(
    a.connect(url),
    (error: unknown) =>
      error instanceof ConnectError &&
      error.message.startsWith(`Cannot connect to tcp://127.0.0.1:${port}: `) &&
      error.cause instanceof Deno.errors.ConnectionRefused,
  );
  await using b = await Container.create([LOCALHOST, port]);
  new Pinger(b);
  const proxy = await a.connect<Pinger>(url);
  assertEquals(await proxy.ping(1), ["pong", 1]);
});

Deno.test("connect retries with backoff until the peer listens", async () => {
  await using a = await Container.create([LOCALHOST, 0]);
  const port = await freePort();
  const connecting = a.connect<Pinger>(`tcp://127.0.0.1:${port}/0`, { timeout: 10_000 });
  // Let at least one attempt fail before the peer starts.
  await new Promise((resolve) => setTimeout(resolve, 50));
  await using b = await Container.create([LOCALHOST, port]);
  new Pinger(b);
  const proxy = await connecting;
  assertEquals(await proxy.ping("late"), ["pong", "late"]);
});

Deno.test("connect gives up with a TimeoutError once its timeout is over, naming the last failure", async () => {
  await using a = await Container.create([LOCALHOST, 0]);
  const port = await freePort();
  await assertRejects(
    a.connect(`tcp://127.0.0.1:${port}/0`, { timeout: 100 }),
    (error: unknown) =>
      error instanceof TimeoutError &&
      error.message.startsWith(`connect to tcp://127.0.0.1:${port}/0 timed out after 100 ms`) &&
      error.cause instanceof Deno.errors.ConnectionRefused &&
      error.message.endsWith(`; last failure: ${error.cause.message}`),
  );
});

Deno.test("connect gives up in time when the peer accepts but never answers", async () => {
  await using a = await Container.create([LOCALHOST, 0]);
  using silent = Deno.listen({ hostname: LOCALHOST, port: 0 });
  const accepted = silent.accept();
  await assertRejects(
    a.connect(`tcp://127.0.0.1:${silent.addr.port}/0`, { timeout: 100 }),
    (error: unknown) =>
      error instanceof TimeoutError &&
      error.message === `connect to tcp://127.0.0.1:${silent.addr.port}/0 timed out after 100 ms`,
  );
  (await accepted).close();
});

Deno.test("connect can be aborted with a signal", async () => {
  await using a = await Container.create([LOCALHOST, 0]);
  const port = await freePort();
  const controller = new AbortController();
  const connecting = a.connect(`tcp://127.0.0.1:${port}/0`, {
    timeout: 60_000,
    signal: controller.signal,
  });
  setTimeout(() => controller.abort(new Error("changed my mind")), 20);
  await assertRejects(connecting, /changed my mind/);
});

Deno.test("after a peer restarts, the next call opens a new connection; in-flight calls fail clearly", async () => {
  await using a = await Container.create([LOCALHOST, 0]);
  const b1 = await Container.create([LOCALHOST, 0]);
  const port = portOf(b1);
  new Pinger(b1);
  const proxy = await a.connect<Pinger>(`tcp://127.0.0.1:${port}/0`);
  assertEquals(await proxy.ping(1), ["pong", 1]);
  const inFlight = proxy.slow();
  await settle();
  await b1.shutdown();
  await assertRejects(inFlight, ConnectionResetError);

  await using b2 = await Container.create([LOCALHOST, port]);
  new Pinger(b2);
  assertEquals(await proxy.ping(2), ["pong", 2]);
  const again = await a.connect<Pinger>(`tcp://127.0.0.1:${port}/0`);
  assertEquals(await again.ping(3), ["pong", 3]);
  strictEqual(a.outgoingConnections, 1);
  strictEqual(b2.incomingConnections, 1);
});

Deno.test("a stopped agent is unregistered and calls to it fail with AgentNotFoundError", async () => {
  await using a = await Container.create([LOCALHOST, 0]);
  await using b = await Container.create([LOCALHOST, 0]);
  const pinger = new Pinger(b);
  const other = new Pinger(b);
  const proxy = await a.connect<Pinger>(pinger.addr);
  assertEquals(await proxy.ping(0), ["pong", 0]);
  await pinger.stop();
  await pinger.stop();
  strictEqual(pinger.stopped, true);
  strictEqual(b.validate_aid(pinger.aid), null);
  await assertRejects(
    proxy.ping(1),
    (error: unknown) =>
      error instanceof AgentNotFoundError &&
      error.message === `No agent "0" at ${pinger.addr} (it was stopped or never existed)` &&
      error.cause instanceof RemoteException,
  );
  await assertRejects(a.connect(pinger.addr), AgentNotFoundError);
  const next = new Pinger(b);
  strictEqual(next.aid, "2", "ids are never reused");
  assertEquals(await (await a.connect<Pinger>(other.addr)).ping(2), ["pong", 2]);
});

Deno.test("a missing method of a live agent stays a LookupError, not an AgentNotFoundError", async () => {
  await using a = await Container.create([LOCALHOST, 0]);
  await using b = await Container.create([LOCALHOST, 0]);
  const pinger = new Pinger(b);
  const proxy = await a.connect<Pinger & { nope(): string }>(pinger.addr);
  await assertRejects(
    proxy.nope(),
    (error: unknown) =>
      error instanceof RemoteException && !(error instanceof AgentNotFoundError) &&
      error.exceptionType === "LookupError",
  );
  assertEquals(await proxy.ping(3), ["pong", 3]);
});

Deno.test("a missing agent is known by the LookupError type of the reply, not by its wording", async () => {
  await using a = await Container.create([LOCALHOST, 0]);
  // Any wording (another language, another implementation): the type decides.
  const foreign = vanishingContainer("ping", () => remoteError("LookupError", "Agent 0 ist weg"));
  await using peer = await startRpcServer([LOCALHOST, 0], foreign);
  const proxy = await a.connect<Pinger>(`tcp://${peer.address}/0`);
  await assertRejects(
    proxy.ping(1),
    (error: unknown) =>
      error instanceof AgentNotFoundError &&
      error.cause instanceof RemoteException &&
      error.cause.remoteTraceback.endsWith("LookupError: Agent 0 ist weg\n"),
  );
  // Another type is the agent's own error, even in the router's words and with the agent gone.
  const lookalike = vanishingContainer(
    "ping",
    () => remoteError("ValueError", 'Name "0" not found in "agents"'),
  );
  await using other = await startRpcServer([LOCALHOST, 0], lookalike);
  const second = await a.connect<Pinger>(`tcp://${other.address}/0`);
  await assertRejects(
    second.ping(1),
    (error: unknown) =>
      error instanceof RemoteException && !(error instanceof AgentNotFoundError) &&
      error.exceptionType === "ValueError",
  );
});

Deno.test("agent.stop ends the agent's tasks, sleeps and timers", async () => {
  const clock = new ExternalClock("2026-01-01T00:00:00Z");
  await using container = await Container.create("local://stop-tasks", { clock });
  const agent = new Pinger(container);
  let ticks = 0;
  const loop = agent.runTask(async (signal) => {
    while (!signal.aborted) {
      await agent.clock.sleep(1);
      ticks++;
    }
    return "ended";
  });
  agent.clock.callIn(5, () => ticks += 100);
  clock.setTime(1);
  await settle();
  strictEqual(ticks, 1);
  strictEqual(clock.pending, 2);
  await agent.stop();
  strictEqual(await loop, undefined, "a task ended by stop() resolves to undefined");
  strictEqual(clock.pending, 0);
  clock.setTime(10);
  strictEqual(ticks, 1);
  await assertRejects(agent.runTask(() => Promise.resolve(1)), ShutdownError);
});

Deno.test("shutdown closes everything, twice is harmless, and later use is a ShutdownError", async () => {
  const a = await Container.create([LOCALHOST, 0]);
  const b = await Container.create([LOCALHOST, 0]);
  const pinger = new Pinger(b);
  const caller = new Pinger(a);
  const proxy = await a.connect<Pinger>(pinger.addr);
  await proxy.ping(1);
  const sleeping = assertRejects(caller.clock.sleep(3600), /Container .* is shut down/);
  const task = caller.runTask((signal) =>
    new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)))
  );
  await Promise.all([a.shutdown(), a.shutdown()]);
  await a.shutdown();
  strictEqual(a.isShutdown, true);
  strictEqual(a.outgoingConnections, 0);
  await sleeping;
  strictEqual(await task, undefined);
  strictEqual(caller.stopped, true);
  await assertRejects(a.connect(pinger.addr), ShutdownError);
  await assertRejects(proxy.ping(2), ShutdownError);
  assertThrows(() => new Pinger(a), ShutdownError);
  // The peer saw the connection close.
  while (b.incomingConnections > 0) await settle();
  const port = portOf(a);
  await b.shutdown();
  // The port is free again.
  const again = await Container.create([LOCALHOST, port]);
  await again.shutdown();
});

Deno.test("an agent passed as an argument is called back over the same connection", async () => {
  await using a = await Container.create([LOCALHOST, 0]);
  await using b = await Container.create([LOCALHOST, 0]);
  const agentA = new CallbackAgent(a);
  const agentB = new CallbackAgent(b);
  const proxyB = await a.connect<CallbackAgent>(agentB.addr);
  assertEquals(
    await proxyB.call_me_back(agentA),
    ["0-pong", "from 0"],
  );
  strictEqual(a.incomingConnections, 0, "the callback used A's own outgoing connection");
  strictEqual(b.outgoingConnections, 0);
});

Deno.test("agents' sub-services are reachable through the proxy", async () => {
  await using a = await Container.create("local://sub-a");
  await using b = await Container.create("local://sub-b");
  const agent = new WithSub(b);
  const proxy = await a.connect<WithSub>(agent.addr);
  strictEqual(await proxy.counter.increment(2), 2);
  strictEqual(await proxy.counter.increment(), 3);
  strictEqual(agent.counter.count, 3);
});

Deno.test("agent proxies take keyword arguments and call options through callRemote", async () => {
  await using a = await Container.create("local://kw-a");
  await using b = await Container.create("local://kw-b");
  const agent = new Pinger(b);
  const proxy = await a.connect<Pinger>(agent.addr);
  strictEqual(await callRemote(proxy.add, [], { a: 2, b: 3 }), 5);
  await assertRejects(
    callRemote(proxy.slow, [], undefined, { timeout: 20 }),
    (error: unknown) => error instanceof TimeoutError,
  );
  assertEquals(await proxy.ping("still fine"), ["pong", "still fine"]);
});

Deno.test("dates travel between containers as Temporal.ZonedDateTime", async () => {
  const clock = new ExternalClock("2026-11-24T15:46:09.954819Z");
  await using a = await Container.create([LOCALHOST, 0], { codec: MsgPack });
  await using b = await Container.create([LOCALHOST, 0], { codec: MsgPack, clock });
  const agent = new Pinger(b);
  const proxy = await a.connect<Pinger>(agent.addr);
  const now = await proxy.now();
  assert(now instanceof Temporal.ZonedDateTime);
  strictEqual(now.toInstant().toString(), "2026-11-24T15:46:09.954819Z");
});

Deno.test("a container holds many agents, each callable", async () => {
  await using a = await Container.create("local://many-a");
  await using b = await Container.create("local://many-b");
  const agents = Array.from({ length: 1000 }, () => new Pinger(b));
  const proxies = await Promise.all(agents.map((agent) => a.connect<Pinger>(agent.addr)));
  const replies = await Promise.all(proxies.map((proxy, i) => proxy.ping(i)));
  strictEqual(replies.length, 1000);
  assertEquals(replies[999], ["pong", 999]);
  assert(agents.every((agent) => agent.calls === 1));
  strictEqual(b.incomingConnections, 1);
});

Deno.test("tcp, ipc and local containers in one process call each other", async () => {
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/agents.sock`;
  try {
    await using tcp = await Container.create([LOCALHOST, 0]);
    await using ipc = await Container.create(`ipc://[${socket}]`);
    await using local = await Container.create("local://mixed");
    strictEqual(ipc.url, `ipc://[${socket}]`);
    const agents = [new CallbackAgent(tcp), new CallbackAgent(ipc), new CallbackAgent(local)];
    strictEqual(agents[1].addr, `ipc://[${socket}]/0`);
    strictEqual(agents[2].addr, "local://mixed/0");
    for (const from of agents) {
      for (const to of agents) {
        const proxy = await from.container.connect<CallbackAgent>(to.addr);
        assertEquals(
          await proxy.call_me_back(from),
          ["0-pong", "from 0"],
        );
      }
    }
    await ipc.shutdown();
    await assertRejects(Deno.lstat(socket), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Container.create reports a taken address", async () => {
  await using local = await Container.create("local://taken");
  await assertRejects(Container.create("local://taken"), Deno.errors.AddrInUse);
  await using tcp = await Container.create([LOCALHOST, 0]);
  await assertRejects(Container.create([LOCALHOST, portOf(tcp)]), Deno.errors.AddrInUse);
  strictEqual(local.isShutdown, false);
});

Deno.test("agent proxies are RPC proxies: isProxy, proxyPath, withOptions and their string forms", async () => {
  await using a = await Container.create("local://rpc-a");
  await using b = await Container.create("local://rpc-b");
  const agent = new WithSub(b);
  const pinger = new Pinger(b);
  const proxy = await a.connect<WithSub>(agent.addr);
  strictEqual(isProxy(proxy), true);
  strictEqual(proxyPath(proxy), "agents/0");
  strictEqual(String(proxy), "WithSubProxy('local://rpc-b/0')");
  strictEqual(String(proxy.counter.increment), "WithSubProxy('local://rpc-b/0').counter.increment");
  const hurried = withOptions(await a.connect<Pinger>(pinger.addr), { timeout: 20 });
  await assertRejects(
    hurried.slow(),
    (error: unknown) => error instanceof TimeoutError,
  );
  assertEquals(await hurried.ping(1), ["pong", 1]);
});

Deno.test("a proxy from connect() can be passed on: calls to it are forwarded", async () => {
  await using a = await Container.create("local://fwd-a");
  await using b = await Container.create("local://fwd-b");
  await using c = await Container.create("local://fwd-c");
  const agentB = new CallbackAgent(b);
  const agentC = new CallbackAgent(c);
  const proxyB = await a.connect<CallbackAgent>(agentB.addr);
  const proxyC = await a.connect<CallbackAgent>(agentC.addr);
  // B calls C through A, which holds the proxy of C.
  assertEquals(await proxyB.call_me_back(proxyC), ["0-pong", "from 0"]);
  strictEqual(c.incomingConnections, 1);
  strictEqual(b.outgoingConnections, 0);
});

class PathReader extends Agent {
  @expose
  pathOf(proxy: unknown): string | undefined {
    return proxyPath(proxy);
  }
}

Deno.test("an agent's sub-service passed as an argument arrives as agents/<id>/<name>", async () => {
  await using a = await Container.create([LOCALHOST, 0]);
  await using b = await Container.create([LOCALHOST, 0]);
  const owner = new WithSub(a);
  const reader = await a.connect<PathReader>(new PathReader(b).addr);
  // No call has reached the sub-service yet: its path must still be known.
  strictEqual(await reader.pathOf(owner.counter), `agents/${owner.aid}/counter`);
  strictEqual(await reader.pathOf(owner), `agents/${owner.aid}`);
});
