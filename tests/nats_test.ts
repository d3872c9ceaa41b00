import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
  strictEqual,
} from "node:assert/strict";
import { connect, headers } from "@nats-io/transport-node";
import {
  Agent,
  AgentNotFoundError,
  AgentUrlError,
  ConnectError,
  Container,
  ShutdownError,
} from "../agent/mod.ts";
import { ConnectionResetError, ProtocolError, RemoteException } from "../channel/errors.ts";
import { MsgPackBlosc } from "../codecs/blosc/msgpack_blosc.ts";
import type { CodecClass } from "../codecs/codec.ts";
import { Json } from "../codecs/json.ts";
import { MsgPack } from "../codecs/msgpack.ts";
import { TimeoutError } from "../errors.ts";
import { delay } from "../internal/async.ts";
import { callRemote, expose, type Remote, withOptions } from "../rpc/mod.ts";
import { connectNats, natsNetwork, serveNats } from "../nats/mod.ts";
import { announceNatsTests, freePort, NatsServer, natsTest, until } from "./_nats_servers.ts";
import { Point, pointSerializer } from "./_point.ts";
import { pki } from "./_tls_pki.ts";
import { remoteError, vanishingContainer } from "./_vanishing_agent.ts";

announceNatsTests();
const CODECS: readonly CodecClass[] = [Json, MsgPack, MsgPackBlosc];

class Calculator extends Agent {
  calls = 0;
  secret = "not exposed";

  @expose
  add(a: number, b = 10): number {
    this.calls++;
    return a + b;
  }

  @expose
  where(): string {
    return this.container.url;
  }

  @expose
  fail(message: string): never {
    throw new RangeError(message);
  }

  @expose
  never(): Promise<never> {
    return new Promise(() => {});
  }

  @expose
  bytes(size: number): Uint8Array {
    return new Uint8Array(size).fill(7);
  }

  @expose
  text(size: number): string {
    return "x".repeat(size);
  }

  @expose
  mirror(value: unknown): unknown {
    return value;
  }

  /** Calls `peer.add(1, 2)` back: the proxy came in as an argument. */
  @expose
  async callBack(peer: Remote<Calculator>): Promise<number> {
    return await peer.add(1, 2) * 100;
  }

  /** Returns itself: the caller gets a proxy of this agent. */
  @expose
  self(): Calculator {
    return this;
  }
}

/** The error `promise` rejects with, checked to be an instance of `type`. */
async function rejection<E>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    assert(error instanceof type, `expected ${type.name}, got ${error}`);
    return error;
  }
  throw new Error(`expected a ${type.name} rejection`);
}

class Pong {
  @expose
  ping(): string {
    return "pong";
  }
}

function withNats(
  name: string,
  fn: (server: NatsServer) => Promise<void>,
): void {
  natsTest({
    name: `nats: ${name}`,
    sanitizeResources: true,
    sanitizeOps: true,
    async fn() {
      await using server = await NatsServer.start();
      await fn(server);
    },
  });
}

for (const codec of CODECS) {
  withNats(`two containers call each other with ${codec.name}`, async (server) => {
    const network = natsNetwork({ servers: server.url });
    const options = { network, codec, extraSerializers: [pointSerializer] };
    await using a = await Container.create("nats://alpha", options);
    await using b = await Container.create("nats://beta", options);
    strictEqual(a.url, "nats://alpha");
    const calc = new Calculator(b);
    const helper = new Calculator(a);
    strictEqual(calc.addr, "nats://beta/0");
    const proxy = await a.connect<Calculator>("NATS://beta/0", { timeout: 2000 });
    strictEqual(String(proxy), "CalculatorProxy('nats://beta/0')");
    strictEqual(String(proxy.add), "CalculatorProxy('nats://beta/0').add");
    strictEqual(await proxy.add(1, 2), 3);
    strictEqual(await proxy.add(1), 11);
    strictEqual(await callRemote(proxy.add, [1], { b: 5 }), 6);
    strictEqual(await proxy.where(), "nats://beta");
    assertEquals(await proxy.mirror(new Point(1, 2)), new Point(1, 2));
    assertEquals(await proxy.mirror({ nested: { list: [1, "x", null, true, 2.5] } }), {
      nested: { list: [1, "x", null, true, 2.5] },
    });
    if (codec !== Json) assertEquals(await proxy.bytes(100_000), new Uint8Array(100_000).fill(7));
    // A callback: the agent of `a` passed as an argument is called back through NATS.
    strictEqual(await proxy.callBack(helper), 300);
    strictEqual(helper.calls, 1);
    // A returned agent arrives as a proxy of it in its container.
    const again = await proxy.self();
    strictEqual(await again.add(2, 2), 4);
    const error = await rejection(proxy.fail("bad"), RemoteException);
    assert(error.remoteTraceback.endsWith("RangeError: bad\n"));
    strictEqual(error.origin, "nats://beta");
  });
}

withNats(
  "a missing agent is known by the LookupError type of the reply, not by its wording",
  async (server) => {
    const servers = server.url;
    await using a = await Container.create("nats://a", { network: natsNetwork({ servers }) });
    const foreign = vanishingContainer("add", () => remoteError("LookupError", "Agent 0 ist weg"));
    await using _foreign = await serveNats("foreign", foreign, { servers });
    const proxy = await a.connect<Calculator>("nats://foreign/0");
    await assertRejects(
      proxy.add(1, 1),
      (error: unknown) =>
        error instanceof AgentNotFoundError &&
        error.cause instanceof RemoteException &&
        error.cause.remoteTraceback.endsWith("LookupError: Agent 0 ist weg\n"),
    );
    // Another type is the agent's own error, even in the router's words and with the agent gone.
    const lookalike = vanishingContainer(
      "add",
      () => remoteError("ValueError", 'Name "0" not found in "agents"'),
    );
    await using _lookalike = await serveNats("lookalike", lookalike, { servers });
    const second = await a.connect<Calculator>("nats://lookalike/0");
    await assertRejects(
      second.add(1, 1),
      (error: unknown) =>
        error instanceof RemoteException && !(error instanceof AgentNotFoundError) &&
        error.exceptionType === "ValueError",
    );
  },
);

withNats("a callback's proxy is forwarded to a third container", async (server) => {
  const network = natsNetwork({ servers: server.url });
  await using a = await Container.create("nats://a", { network });
  await using b = await Container.create("nats://b", { network });
  await using c = await Container.create("nats://c", { network });
  const inB = new Calculator(b);
  const inC = new Calculator(c);
  new Calculator(a);
  const toB = await a.connect<Calculator>(inB.addr);
  const toC = await a.connect<Calculator>(inC.addr);
  // a holds a proxy of c's agent and passes it on to b, which calls it.
  const cProxy = await toC.self();
  strictEqual(await toB.callBack(cProxy), 300);
  strictEqual(inC.calls, 1);
});

withNats("per-call timeout, abort signal, missing agents and shutdown", async (server) => {
  const late: Error[] = [];
  const network = natsNetwork({ servers: server.url, onError: (error) => late.push(error) });
  await using a = await Container.create("nats://a", { network });
  const b = await Container.create("nats://b", { network });
  const calc = new Calculator(b);
  const proxy = await a.connect<Calculator>(calc.addr);
  const timedOut = await rejection(withOptions(proxy, { timeout: 50 }).never(), TimeoutError);
  strictEqual(timedOut.timeout, 50);
  strictEqual(await proxy.add(1, 1), 2);
  const controller = new AbortController();
  // A call being served when its container leaves gets the shutdown as its reply.
  const pending = rejection(proxy.never(), RemoteException);
  const aborted = withOptions(proxy, { signal: controller.signal }).never();
  controller.abort(new Error("enough"));
  await assertRejects(aborted, /enough/);
  await assertRejects(a.connect("nats://b/9"), AgentNotFoundError);
  await assertRejects(a.connect("nats://b"), AgentUrlError);
  await assertRejects(a.connect("nats://nobody/0"), ConnectError);
  await assertRejects(a.connect("nats://nobody/0", { timeout: 100 }), TimeoutError);
  // Messages above the server's max_payload (8 MB in these tests) fail clearly, both ways.
  const big = await rejection(proxy.mirror("x".repeat(9 << 20)), ProtocolError);
  assert(big.message.includes("max_payload"), big.message);
  const bigReply = await rejection(proxy.text(9 << 20), RemoteException);
  assert(bigReply.remoteTraceback.includes("max_payload"), bigReply.remoteTraceback);
  strictEqual(await proxy.add(2, 2), 4);
  await calc.stop();
  await assertRejects(proxy.add(1, 1), AgentNotFoundError);
  // Security: only exposed members are callable.
  const other = new Calculator(b);
  await using raw = await connectNats("b", { servers: server.url });
  strictEqual(await raw.call(`agents/${other.aid}/add`, [1, 1]), 2);
  // Args that are not an array reject (as on RpcClient.call), never throw at the caller.
  for (const args of [null, "ab"] as unknown as unknown[][]) {
    const result = raw.call(`agents/${other.aid}/add`, args);
    await assertRejects(result, /The args of a call must be an array/);
  }
  for (const member of ["secret", "constructor", "__proto__", "toString", "calls"]) {
    const error = await rejection(raw.call(`agents/${other.aid}/${member}`), RemoteException);
    assert(/LookupError|TypeError|not exposed|not found/.test(error.remoteTraceback), member);
  }
  await b.shutdown();
  await assertRejects(proxy.add(1, 1), ConnectError);
  await a.shutdown();
  // The calls given up on got their replies when b left: reported, not lost.
  assert(late.length > 0 && late.every((e) => /came after the call ended/.test(e.message)));
  assert(
    (await pending).remoteTraceback.endsWith("ShutdownError: Container nats://b is shut down\n"),
  );
  await assertRejects(proxy.add(1, 1), ShutdownError);
});

withNats("replicas share the calls; a replica that leaves gets none", async (server) => {
  const network = natsNetwork({ servers: server.url });
  await using client = await Container.create("nats://client", { network });
  const replicas = await Promise.all(
    [0, 1, 2].map(() => Container.create("nats://service", { network })),
  );
  const agents = replicas.map((replica) => new Calculator(replica));
  strictEqual(agents[0].addr, "nats://service/0");
  const proxy = await client.connect<Calculator>("nats://service/0");
  await Promise.all(Array.from({ length: 300 }, (_, i) => proxy.add(i, 0)));
  for (const agent of agents) assert(agent.calls > 0, "every replica got calls");
  strictEqual(agents.reduce((sum, agent) => sum + agent.calls, 0), 300);
  await replicas[0].shutdown();
  const before = agents.map((agent) => agent.calls);
  const sums = await Promise.all(Array.from({ length: 100 }, (_, i) => proxy.add(i, 1)));
  strictEqual(sums[99], 100);
  strictEqual(agents[0].calls, before[0], "the replica that left got no call");
  strictEqual(agents[1].calls + agents[2].calls - before[1] - before[2], 100);
  await Promise.all(replicas.slice(1).map((replica) => replica.shutdown()));
});

withNats("plain RPC: a service under a name and a client", async (server) => {
  const errors: Error[] = [];
  const options = { servers: [server.url], codec: MsgPack, onError: (e: Error) => errors.push(e) };
  const service = {
    add: expose((a: number, b = 2) => a + b),
    sub: { twice: expose((x: number) => 2 * x) },
    call: expose((cb: { ping(): Promise<string> }) => cb.ping().then((pong) => `got ${pong}`)),
  };
  await using _server = await serveNats("calc", service, options);
  await using client = await connectNats<typeof service>("calc", options);
  strictEqual(await client.remote.add(1, 2), 3);
  strictEqual(await client.remote.sub.twice(21), 42);
  strictEqual(await client.call("add", [1], { b: 5 }), 6);
  strictEqual(String(client.remote.sub), 'RemoteProxy("sub" at nats://calc)');
  // An object with a router passed as an argument is called back.
  strictEqual(await client.remote.call(new Pong() as never), "got pong");
  await assertRejects(client.call("nope"), RemoteException);
  // callTimeout limits the calls that set no timeout of their own.
  const slow = { never: expose(() => new Promise<never>(() => {})) };
  await using _slow = await serveNats("slow", slow, options);
  await using impatient = await connectNats<typeof slow>("slow", { ...options, callTimeout: 30 });
  const limited = await rejection(impatient.remote.never(), TimeoutError);
  strictEqual(limited.timeout, 30);
  await using other = await connectNats("nothing.here", options);
  await assertRejects(other.call("x"), ConnectError);
  await client.close();
  await assertRejects(client.remote.add(1, 1), ConnectionResetError);
  assertEquals(errors, []);
});

withNats(
  "bad input: garbage requests get an error reply and the service carries on",
  async (server) => {
    const errors: Error[] = [];
    const service = { ping: expose(() => "pong") };
    await using _server = await serveNats("svc", service, {
      servers: server.url,
      onError: (e) => errors.push(e),
    });
    const nc = await connect({ servers: server.url });
    try {
      for (const payload of ["{not json", '"just a string"', '["ping", 1, {}]', "[1, [], {}]"]) {
        const reply = await nc.request("denomas.svc.svc", new TextEncoder().encode(payload), {
          timeout: 2000,
        });
        const [type, text] = JSON.parse(new TextDecoder().decode(reply.data));
        strictEqual(type, 2, payload);
        assert(typeof text === "string" && /Error: /.test(text), text);
      }
      // A proxy tag without the sender's header is refused too.
      const tagged = new TextEncoder().encode('["ping", [{"__type__": [0, "x"]}], {}]');
      const reply = await nc.request("denomas.svc.svc", tagged, { timeout: 2000 });
      assert(new TextDecoder().decode(reply.data).includes("Denomas-From"));
      // A message without a reply subject is dropped and reported.
      nc.publish("denomas.svc.svc", new TextEncoder().encode('["ping", [], {}]'));
      const h = headers();
      h.set("Denomas-From", "elsewhere");
      await nc.request("denomas.svc.svc", tagged, { timeout: 2000, headers: h });
      await nc.flush();
      await until(
        "the dropped message is reported",
        () => errors.some((e) => /no reply subject/.test(e.message)),
      );
      assert(errors.some((e) => e.message.includes("undecodable")));
      const ok = await nc.request("denomas.svc.svc", new TextEncoder().encode('["ping", [], {}]'));
      assertEquals(JSON.parse(new TextDecoder().decode(ok.data)), [1, "pong"]);
    } finally {
      await nc.close();
    }
  },
);

withNats(
  "all servers gone: calls fail at once; they work again when a server returns",
  async (server) => {
    const network = natsNetwork({ servers: server.url, onError: () => {} });
    await using a = await Container.create("nats://a", { network });
    await using b = await Container.create("nats://b", { network });
    const calc = new Calculator(b);
    const proxy = await a.connect<Calculator>(calc.addr);
    strictEqual(await proxy.add(1, 1), 2);
    const inFlight = rejection(proxy.never(), ConnectionResetError);
    await server.kill();
    const lost = await inFlight;
    assert(lost.message.includes("nats://b"), lost.message);
    // While no server is reachable, a call fails at once (no timeout needed, nothing queued).
    await until("the container notices", async () => {
      try {
        await proxy.add(1, 1);
        return false;
      } catch (error) {
        return error instanceof ConnectionResetError;
      }
    });
    await assertRejects(proxy.add(1, 1), ConnectionResetError);
    const callsWhileDown = calc.calls;
    await server.restart();
    await until("calls work again", async () => {
      try {
        return await proxy.add(2, 2) === 4;
      } catch {
        return false;
      }
    });
    strictEqual(await proxy.add(3, 3), 6);
    assert(calc.calls >= callsWhileDown + 2);
  },
);

withNats(
  "connect with a timeout waits for a container that joins later; mixed with TCP",
  async (server) => {
    const network = natsNetwork({ servers: server.url });
    await using a = await Container.create("nats://a", { network });
    const connecting = a.connect<Calculator>("nats://late/0", { timeout: 10_000 });
    await delay(100);
    await using late = await Container.create("nats://late", { network });
    new Calculator(late);
    strictEqual(await (await connecting).add(20, 22), 42);
    // A container on NATS reaches TCP agents as every container does.
    await using tcp = await Container.create(["127.0.0.1", 0]);
    const onTcp = new Calculator(tcp);
    const proxy = await a.connect<Calculator>(onTcp.addr);
    strictEqual(await proxy.add(1, 1), 2);
    strictEqual(await proxy.callBack(new Calculator(a)), 300);
  },
);

natsTest({
  name: "nats: TLS to NATS with client certificates; no server reachable is a ConnectError",
  async fn() {
    await using server = await NatsServer.start({
      config: [
        "tls {",
        `  cert_file: "${pki("server.pem")}"`,
        `  key_file: "${pki("server.key")}"`,
        `  ca_file: "${pki("ca.pem")}"`,
        "  verify: true",
        "}",
      ],
    });
    const tls = { caFile: pki("ca.pem"), certFile: pki("client.pem"), keyFile: pki("client.key") };
    const network = natsNetwork({ servers: server.url, connection: { tls } });
    await using a = await Container.create("nats://a", { network });
    await using b = await Container.create("nats://b", { network });
    const calc = new Calculator(b);
    strictEqual(await (await a.connect<Calculator>(calc.addr)).add(2, 3), 5);
    // Nothing listening at all.
    const nowhere = natsNetwork({ servers: `127.0.0.1:${freePort()}` });
    await assertRejects(Container.create("nats://d", { network: nowhere }), ConnectError);
  },
});
