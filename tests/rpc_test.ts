/**
 * The RPC layer over real sockets: every example of aiomas's RPC chapter as
 * a TypeScript counterpart, and the behaviour around errors, timeouts,
 * connection loss and request context.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects,
  strictEqual,
} from "node:assert/strict";
import {
  ConnectionResetError,
  openConnection as openChannel,
  RemoteException,
} from "../channel/mod.ts";
import { MsgPack } from "../codecs/mod.ts";
import {
  callContext,
  callRemote,
  expose,
  getRouter,
  isProxy,
  openConnection,
  proxyEquals,
  proxyPath,
  type Remote,
  Router,
  RpcClient,
  serviceDict,
  startServer,
  withOptions,
} from "../rpc/mod.ts";
import { Point, pointSerializer } from "./_point.ts";

const LOCALHOST = ["127.0.0.1", 0] as const;

// --- Basic usage: a class service --------------------------------------------------------------

class Calculator {
  @expose
  add(a: number, b: number): number {
    return a + b;
  }

  @expose
  async slowAdd(a: number, b: number): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return a + b;
  }
}

Deno.test("a class service is called through a typed proxy", async () => {
  await using server = await startServer(LOCALHOST, new Calculator());
  await using client = await openConnection<Calculator>(server.address);
  strictEqual(await client.remote.add(3, 4), 7);
  strictEqual(await client.remote.slowAdd(1, 2), 3);
});

Deno.test("calls run concurrently and replies match their requests", async () => {
  await using server = await startServer(LOCALHOST, new Calculator());
  await using client = await openConnection<Calculator>(server.address);
  const results = await Promise.all(
    Array.from(
      { length: 200 },
      (_, i) => i % 2 ? client.remote.add(i, 1) : client.remote.slowAdd(i, 1),
    ),
  );
  assertEquals(results, Array.from({ length: 200 }, (_, i) => i + 1));
});

Deno.test("a MsgPack connection carries the same calls", async () => {
  await using server = await startServer(LOCALHOST, new Calculator(), { codec: MsgPack });
  await using client = await openConnection<Calculator>(server.address, { codec: MsgPack });
  strictEqual(await client.remote.add(2 ** 40, 1), 2 ** 40 + 1);
});

// --- A dictionary of functions ------------------------------------------------------------------

Deno.test("a dictionary of functions is a service", async () => {
  const service = serviceDict({
    add: expose((a: number, b: number) => a + b),
    upper: expose(async (s: string) => {
      await Promise.resolve();
      return s.toUpperCase();
    }),
  });
  await using server = await startServer(LOCALHOST, service);
  await using client = await openConnection<typeof service>(server.address);
  strictEqual(await client.remote.add(1, 2), 3);
  strictEqual(await client.remote.upper("spam"), "SPAM");
});

Deno.test("a plain object of functions given to startServer becomes a dictionary service", async () => {
  const service = { echo: expose((x: unknown) => x), helper: (x: unknown) => x };
  await using server = await startServer(LOCALHOST, service);
  await using client = await openConnection<typeof service>(server.address);
  assertEquals(await client.remote.echo({ a: [1, "b"] }), { a: [1, "b"] });
  // Only exposed functions are methods, as in aiomas.
  await rejects(client.remote.helper(1), /LookupError: Name "helper" not found in ""/);
});

Deno.test("new Router(dict) routes the dictionary, as aiomas' Router(dict)", async () => {
  const dict = { add: expose((a: number, b: number) => a + b), local: () => "local" };
  const router = new Router(dict);
  strictEqual(getRouter(dict), router);
  await using server = await startServer(LOCALHOST, dict);
  await using client = await openConnection<typeof dict>(server.address);
  strictEqual(await client.remote.add(2, 3), 5);
  await rejects(client.remote.local(), /LookupError/);
});

Deno.test("exposeAll makes every function of a dictionary (and its nested ones) a method", async () => {
  const service = serviceDict(
    { add: (a: number, b: number) => a + b, math: { neg: (x: number) => -x } },
    { exposeAll: true },
  );
  await using server = await startServer(LOCALHOST, service);
  await using client = await openConnection<typeof service>(server.address);
  strictEqual(await client.remote.add(1, 2), 3);
  strictEqual(await client.remote.math.neg(2), -2);
});

// --- Nested services, three ways ----------------------------------------------------------------

class Eggs {
  @expose
  count(n: number): string {
    return `${n} eggs`;
  }
}

class Spam {
  @expose
  readonly eggs: Eggs = new Eggs();

  @expose
  spam(): string {
    return "spam";
  }
}

Deno.test("nested services declared on the class", async () => {
  await using server = await startServer(LOCALHOST, new Spam());
  await using client = await openConnection<Spam>(server.address);
  strictEqual(await client.remote.spam(), "spam");
  strictEqual(await client.remote.eggs.count(3), "3 eggs");
});

Deno.test("nested services added at run time", async () => {
  const root = serviceDict({ hello: expose(() => "hi") });
  await using server = await startServer(LOCALHOST, root);
  await using client = await openConnection(server.address);
  const remote = client.remote as Remote<{ eggs: Eggs; later: Eggs }>;
  await rejects(remote.eggs.count(1), /LookupError: Name "eggs" not found in ""/);
  getRouter(root)!.add("eggs", new Eggs());
  strictEqual(await remote.eggs.count(1), "1 eggs");
  getRouter(root)!.remove("eggs");
  await rejects(remote.eggs.count(1), /LookupError/);
});

Deno.test("nested dictionaries of functions", async () => {
  const service = serviceDict({
    math: { neg: expose((x: number) => -x), deep: { twice: expose((x: number) => 2 * x) } },
  });
  await using server = await startServer(LOCALHOST, service);
  await using client = await openConnection<typeof service>(server.address);
  strictEqual(await client.remote.math.neg(2), -2);
  strictEqual(await client.remote.math.deep.twice(21), 42);
});

// --- Bi-directional calls -----------------------------------------------------------------------

class ClientService {
  constructor(readonly name: string) {}

  @expose
  getClientName(): string {
    return this.name;
  }
}

class ServerService {
  @expose
  ping(): string {
    return "pong";
  }
}

Deno.test("the server calls the service of a connected client", async () => {
  const names = Promise.withResolvers<string>();
  await using server = await startServer(LOCALHOST, new ServerService(), {
    onClient: async (client) => {
      names.resolve(await (client as RpcClient<ClientService>).remote.getClientName());
    },
  });
  await using client = await openConnection<ServerService>(server.address, {
    service: new ClientService("Monty"),
  });
  strictEqual(await names.promise, "Monty");
  strictEqual(await client.remote.ping(), "pong");
});

Deno.test("the client-connected callback gets one RpcClient per connection", async () => {
  const seen: RpcClient[] = [];
  await using server = await startServer(LOCALHOST, new ServerService(), {
    onClient: (client) => void seen.push(client),
  });
  await using a = await openConnection<ServerService>(server.address);
  await using b = await openConnection<ServerService>(server.address);
  await a.remote.ping();
  await b.remote.ping();
  strictEqual(seen.length, 2);
  assert(seen[0] !== seen[1]);
  strictEqual(server.clients.size, 2);
  assertEquals(
    new Set(seen.map((client) => client.peer.address)),
    new Set([a.channel.localAddress, b.channel.localAddress]),
  );
});

// --- Passing services: callbacks ------------------------------------------------------------------

class Listener {
  readonly heard: string[] = [];

  @expose
  hear(message: string): number {
    this.heard.push(message);
    return this.heard.length;
  }
}

class Hub {
  @expose
  readonly inner: Eggs = new Eggs();

  @expose
  async callback(listener: Remote<Listener>, message: string): Promise<number> {
    return await listener.hear(message);
  }

  @expose
  getInner(): Eggs {
    return this.inner;
  }

  @expose
  getSelf(): Hub {
    return this;
  }

  @expose
  async useProxy(eggs: Remote<Eggs>, n: number): Promise<string> {
    return await eggs.count(n);
  }

  @expose
  describe(value: unknown): string {
    return isProxy(value) ? `proxy ${proxyPath(value)}` : typeof value;
  }
}

Deno.test("a service passed as an argument becomes a proxy calling back to its owner", async () => {
  const listener = new Listener();
  await using server = await startServer(LOCALHOST, new Hub());
  await using client = await openConnection<Hub>(server.address, { service: listener });
  strictEqual(await client.remote.callback(listener, "ohai"), 1);
  assertEquals(listener.heard, ["ohai"]);
  strictEqual(await client.remote.describe(listener), "proxy ");
});

Deno.test("a standalone callback object outside the service tree still works", async () => {
  const listener = new Listener();
  await using server = await startServer(LOCALHOST, new Hub());
  await using client = await openConnection<Hub>(server.address);
  strictEqual(await client.remote.callback(listener, "a"), 1);
  strictEqual(await client.remote.callback(listener, "b"), 2);
  assertEquals(listener.heard, ["a", "b"]);
});

Deno.test("a sub-service returned as a result is a proxy at its path", async () => {
  await using server = await startServer(LOCALHOST, new Hub());
  await using client = await openConnection<Hub>(server.address);
  const inner: Remote<Eggs> = await client.remote.getInner();
  assert(isProxy(inner));
  strictEqual(proxyPath(inner), "inner");
  strictEqual(inner, client.remote.inner);
  strictEqual(await inner.count(2), "2 eggs");
  const self = await client.remote.getSelf();
  strictEqual(self, client.remote);
});

Deno.test("a proxy passed back to the peer that owns it still reaches its object", async () => {
  await using server = await startServer(LOCALHOST, new Hub());
  await using client = await openConnection<Hub>(server.address);
  const inner = client.remote.inner;
  strictEqual(await client.remote.useProxy(inner, 5), "5 eggs");
});

Deno.test("proxies compare by connection and path and have a readable string form", async () => {
  await using server = await startServer(LOCALHOST, new Hub());
  await using a = await openConnection<Hub>(server.address);
  await using b = await openConnection<Hub>(server.address);
  strictEqual(a.remote.inner, a.remote.inner);
  assert(proxyEquals(a.remote.inner, withOptions(a.remote, { timeout: 1000 }).inner));
  assert(!proxyEquals(a.remote.inner, b.remote.inner));
  assert(!proxyEquals(a.remote.inner, a.remote));
  strictEqual(String(a.remote.inner.count), `RemoteProxy("inner/count" at ${server.address})`);
  strictEqual(Deno.inspect(a.remote), `RemoteProxy("" at ${server.address})`);
});

Deno.test("awaiting, printing or serializing a proxy does not call the peer", async () => {
  let calls = 0;
  const service = serviceDict({
    then: expose(() => calls++),
    toString: expose(() => calls++),
    ping: expose(() => "pong"),
  });
  await using server = await startServer(LOCALHOST, service);
  await using client = await openConnection<{ ping(): string }>(server.address);
  const remote = client.remote;
  strictEqual(await remote, remote);
  strictEqual(await Promise.resolve(remote.ping), remote.ping);
  strictEqual(typeof `${remote}`, "string");
  strictEqual(JSON.stringify({ r: remote }), `{"r":"RemoteProxy(\\"\\" at ${server.address})"}`);
  strictEqual((remote as unknown as Record<symbol, unknown>)[Symbol.iterator], undefined);
  assert(!("then" in remote));
  strictEqual(await remote.ping(), "pong");
  strictEqual(calls, 0);
});

Deno.test("proxies cannot be written to", async () => {
  await using server = await startServer(LOCALHOST, new Calculator());
  await using client = await openConnection<Calculator>(server.address);
  let threw = false;
  try {
    (client.remote as unknown as Record<string, unknown>).add = 1;
  } catch (error) {
    threw = error instanceof TypeError;
  }
  assert(threw);
  assertEquals(Object.keys(client.remote), []);
});

// --- Keyword arguments --------------------------------------------------------------------------

class Sub {
  @expose
  mul(a: number, b = 10): number {
    return a * b;
  }
}

Deno.test("keyword arguments are bound by parameter name", async () => {
  const service = serviceDict({ sub: new Sub() });
  await using server = await startServer(LOCALHOST, service);
  await using client = await openConnection<typeof service>(server.address);
  strictEqual(await callRemote(client.remote.sub.mul, [3], { b: 4 }), 12);
  strictEqual(await client.call("sub/mul", [], { a: 2, b: 5 }), 10);
  strictEqual(await client.remote.sub.mul(7), 70);
  await rejects(callRemote(client.remote.sub.mul, [3], { c: 4 }), (error) => {
    assert(error instanceof RemoteException);
    assert(
      error.remoteTraceback.endsWith("TypeError: mul() got an unexpected keyword argument 'c'\n"),
    );
    return true;
  });
  await rejects(
    client.call("sub/mul", []),
    /TypeError: mul\(\) missing 1 required positional argument: 'a'/,
  );
  strictEqual(await client.remote.sub.mul(1, 2), 2);
});

// --- Errors -------------------------------------------------------------------------------------

class ValueError extends Error {
  override name = "ValueError";
}

class Failing {
  @expose
  fail(): never {
    throw new ValueError("fail() was called");
  }

  @expose
  async failLater(): Promise<never> {
    await Promise.resolve();
    throw new RangeError("later");
  }

  @expose
  unserializable(): unknown {
    return new WeakMap();
  }

  @expose
  throwString(): never {
    throw "just a string";
  }

  @expose
  failUnnamed(): never {
    class KeyError extends Error {}
    throw new KeyError("'k'");
  }

  @expose
  ok(): string {
    return "ok";
  }
}

Deno.test("an exception in a method is a RemoteException with origin and traceback", async () => {
  await using server = await startServer(LOCALHOST, new Failing());
  await using client = await openConnection<Failing>(server.address);
  await rejects(client.remote.fail(), (error) => {
    assert(error instanceof RemoteException);
    strictEqual(error.origin, server.address);
    assert(error.message.startsWith(`Origin: ${server.address}\n`));
    assert(
      error.remoteTraceback.endsWith("ValueError: fail() was called\n"),
      error.remoteTraceback,
    );
    assert(/\n\s+at .*fail/.test(error.remoteTraceback), "the traceback shows the stack");
    return true;
  });
  await rejects(client.remote.failLater(), /RangeError: later\n$/);
  await rejects(client.remote.throwString(), /Error: just a string\n$/);
  await rejects(client.remote.failUnnamed(), (error) => {
    assert(error instanceof RemoteException);
    assert(error.remoteTraceback.endsWith("KeyError: 'k'\n"), error.remoteTraceback);
    assert(/\n\s+at /.test(error.remoteTraceback), "the stack is kept");
    return true;
  });
  strictEqual(await client.remote.ok(), "ok");
});

Deno.test("an unserializable result is an error reply and the connection keeps working", async () => {
  await using server = await startServer(LOCALHOST, new Failing());
  await using client = await openConnection<Failing>(server.address);
  await rejects(client.remote.unserializable(), (error) => {
    assert(error instanceof RemoteException);
    assert(/WeakMap/.test(error.remoteTraceback), error.remoteTraceback);
    return true;
  });
  strictEqual(await client.remote.ok(), "ok");
});

Deno.test("unknown names, service objects and non-exposed members are LookupError replies", async () => {
  class Service {
    @expose
    readonly sub: Sub = new Sub();
    hidden(): string {
      return "hidden";
    }
  }
  await using server = await startServer(LOCALHOST, new Service());
  await using client = await openConnection(server.address);
  const lastLine = async (path: string) => {
    const error = await client.call(path).then(() => undefined, (e) => e);
    assert(error instanceof RemoteException, `${path} must fail`);
    return error.remoteTraceback.trimEnd().split("\n").at(-1);
  };
  strictEqual(await lastLine("nope"), 'LookupError: Name "nope" not found in ""');
  strictEqual(await lastLine("sub/nope"), 'LookupError: Name "nope" not found in "sub"');
  strictEqual(await lastLine("sub"), 'LookupError: Name "sub" in "" is a service, not a method');
  strictEqual(await lastLine("hidden"), 'LookupError: Name "hidden" not found in ""');
  strictEqual(await client.call("sub/mul", [2, 2]), 4);
});

// --- Timeouts and cancellation ------------------------------------------------------------------

class Slow {
  readonly #waiting: PromiseWithResolvers<string>[] = [];

  @expose
  wait(): Promise<string> {
    const deferred = Promise.withResolvers<string>();
    this.#waiting.push(deferred);
    return deferred.promise;
  }

  @expose
  ping(): string {
    return "pong";
  }

  release(): void {
    for (const deferred of this.#waiting.splice(0)) deferred.resolve("late");
  }
}

Deno.test("a per-call timeout gives up on the call and the connection keeps working", async () => {
  const slow = new Slow();
  await using server = await startServer(LOCALHOST, slow);
  await using client = await openConnection<Slow>(server.address);
  await rejects(withOptions(client.remote, { timeout: 20 }).wait());
  slow.release();
  strictEqual(await client.remote.ping(), "pong");
});

Deno.test("an aborted call rejects with the signal's reason", async () => {
  const slow = new Slow();
  await using server = await startServer(LOCALHOST, slow);
  await using client = await openConnection<Slow>(server.address);
  const controller = new AbortController();
  const call = callRemote(client.remote.wait, [], undefined, { signal: controller.signal });
  controller.abort(new Error("changed my mind"));
  await rejects(call, /changed my mind/);
  await rejects(
    client.call("wait", [], undefined, { signal: AbortSignal.abort(new Error("early")) }),
    /early/,
  );
  slow.release();
  strictEqual(await client.remote.ping(), "pong");
});

// --- Connection loss ----------------------------------------------------------------------------

Deno.test("the server closing a connection mid-call fails the call and triggers onConnectionReset", async () => {
  const slow = new Slow();
  const accepted = Promise.withResolvers<RpcClient>();
  await using server = await startServer(LOCALHOST, slow, { onClient: (c) => accepted.resolve(c) });
  await using client = await openConnection<Slow>(server.address);
  const reset = Promise.withResolvers<Error>();
  client.onConnectionReset((error) => reset.resolve(error));
  const call = client.remote.wait();
  strictEqual(await client.remote.ping(), "pong"); // the server is inside wait() now
  await (await accepted.promise).close();
  await rejects(call, ConnectionResetError);
  assert(await reset.promise instanceof ConnectionResetError);
  await rejects(client.remote.ping(), ConnectionResetError);
  slow.release();
});

Deno.test("onConnectionReset is not called when this side closes", async () => {
  await using server = await startServer(LOCALHOST, new Calculator());
  const client = await openConnection<Calculator>(server.address);
  let called = false;
  client.onConnectionReset(() => called = true);
  await client.remote.add(1, 1);
  await client.close();
  strictEqual(await client.closed, undefined);
  strictEqual(called, false);
});

Deno.test("the server sees the client go away", async () => {
  const reset = Promise.withResolvers<Error>();
  await using server = await startServer(LOCALHOST, new Calculator(), {
    onClient: (c) => c.onConnectionReset((error) => reset.resolve(error)),
  });
  const client = await openConnection<Calculator>(server.address);
  await client.remote.add(1, 1);
  await client.close();
  assert(await reset.promise instanceof ConnectionResetError);
});

// --- Request context ----------------------------------------------------------------------------

class Whoami {
  @expose
  whoami(): string {
    return callContext()!.peer.address;
  }

  @expose
  async whoamiLater(): Promise<string | undefined> {
    const before = callContext()?.peer.address;
    await new Promise((resolve) => setTimeout(resolve, 1));
    return `${before} ${callContext()?.peer.address}`;
  }

  @expose
  async callerName(): Promise<string> {
    const caller = callContext()!.client as RpcClient<ClientService>;
    return await caller.remote.getClientName();
  }
}

Deno.test("a method learns which connection called it", async () => {
  await using server = await startServer(LOCALHOST, new Whoami());
  await using a = await openConnection<Whoami>(server.address, { service: new ClientService("a") });
  await using b = await openConnection<Whoami>(server.address, { service: new ClientService("b") });
  strictEqual(await a.remote.whoami(), a.channel.localAddress);
  strictEqual(await b.remote.whoami(), b.channel.localAddress);
  assertEquals(await Promise.all([a.remote.callerName(), b.remote.callerName()]), ["a", "b"]);
  strictEqual(callContext(), undefined);
});

Deno.test("the call context lasts across awaits only with asyncContext", async () => {
  {
    await using server = await startServer(LOCALHOST, new Whoami());
    await using client = await openConnection<Whoami>(server.address);
    strictEqual(await client.remote.whoamiLater(), `${client.channel.localAddress} undefined`);
  }
  {
    await using server = await startServer(LOCALHOST, new Whoami(), { asyncContext: true });
    await using client = await openConnection<Whoami>(server.address);
    const me = client.channel.localAddress;
    strictEqual(await client.remote.whoamiLater(), `${me} ${me}`);
  }
});

Deno.test("a proxy received from one client can be handed on to another client", async () => {
  let stored: Remote<Listener> | undefined;
  const service = serviceDict({
    register: expose((listener: Remote<Listener>) => {
      stored = listener;
    }),
    getListener: expose(() => stored),
  });
  await using server = await startServer(LOCALHOST, service);
  const listener = new Listener();
  await using a = await openConnection<typeof service>(server.address, { service: listener });
  await using b = await openConnection<typeof service>(server.address);
  await a.remote.register(listener);
  const relayed = await b.remote.getListener() as Remote<Listener>;
  assert(isProxy(relayed));
  strictEqual(await relayed.hear("via the server"), 1);
  assertEquals(listener.heard, ["via the server"]);
});

// --- RpcClient on an existing channel -----------------------------------------------------------

Deno.test("an RpcClient can be made on a channel opened without the proxy serializer", async () => {
  const hub = new Hub();
  await using server = await startServer(LOCALHOST, hub);
  const ch = await openChannel(server.address);
  await using client = new RpcClient<Hub>(ch, { service: new Listener() });
  strictEqual(await client.remote.inner.count(1), "1 eggs");
  strictEqual(client.channel, ch);
  let threw = false;
  try {
    new RpcClient(ch);
  } catch (error) {
    threw = error instanceof TypeError;
  }
  assert(threw, "a second RpcClient on the same channel is refused");
});

Deno.test("a service without a router is refused", async () => {
  class NotAService {
    method(): void {}
  }
  await rejects(startServer(LOCALHOST, new NotAService()), TypeError);
});

Deno.test("channel options are forwarded: maxFrameSize and extra serializers", async () => {
  const service = serviceDict({
    echo: expose((x: unknown) => x),
    norm: expose((p: Point) => Math.hypot(p.x, p.y)),
  });
  const options = { extraSerializers: [pointSerializer], maxFrameSize: 1024 };
  await using server = await startServer(LOCALHOST, service, options);
  await using client = await openConnection<typeof service>(server.address, options);
  strictEqual(await client.remote.norm(new Point(3, 4)), 5);
  const back = await client.remote.echo(new Point(1, 2));
  assert(back instanceof Point);
  await rejects(client.remote.echo("x".repeat(2000)));
  strictEqual(await client.remote.norm(new Point(6, 8)), 10);
});
