// Promise APIs report bad input by rejecting, never by throwing before they
// return a promise: `await assert.rejects(api(...))` must work.
import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import config from "../deno.json" with { type: "json" };
import { Agent, Container } from "../agent/mod.ts";
import {
  LocalTransport,
  openConnection as openChannel,
  startServer as channelServer,
  tcpTransport,
} from "../channel/mod.ts";
import { ExternalClock, RealtimeClock, ScopedClock } from "../clocks/mod.ts";
import { ContainerSimulator } from "../mosaik/mod.ts";
import {
  callRemote,
  expose,
  openConnection,
  ReconnectingClient,
  type RpcClient,
  serviceDict,
  startServer,
} from "../rpc/mod.ts";

/** Calls `fn`; fails if it throws instead of returning a promise. */
function promiseOf(fn: () => Promise<unknown>): Promise<unknown> {
  let result: Promise<unknown>;
  try {
    result = fn();
  } catch (error) {
    throw new Error(`threw synchronously instead of rejecting: ${error}`, { cause: error });
  }
  assert(result instanceof Promise);
  return result;
}

Deno.test("clock sleeps reject bad times instead of throwing", async () => {
  const external = new ExternalClock("2026-01-01T00:00:00Z");
  const scope = new AbortController();
  const clocks = [new RealtimeClock(), external, new ScopedClock(external, scope.signal)];
  for (const clock of clocks) {
    const past = new Date(clock.utcnow().epochMilliseconds - 60_000);
    await rejects(promiseOf(() => clock.sleepUntil(past)), RangeError);
    await rejects(promiseOf(() => clock.sleep(-1)), RangeError);
    await rejects(promiseOf(() => clock.sleep(Number.NaN)), RangeError);
    await rejects(promiseOf(() => clock.sleepUntil("soon" as unknown as number)), TypeError);
  }
});

Deno.test("transports reject bad endpoints and taken addresses instead of throwing", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await rejects(
    promiseOf(() =>
      tcpTransport.listen({ transport: "tcp", hostname: "127.0.0.1", port: taken.addr.port })
    ),
    Deno.errors.AddrInUse,
  );
  const local = new LocalTransport();
  await rejects(
    promiseOf(() => local.connect({ transport: "tcp", hostname: "127.0.0.1", port: 1 })),
    TypeError,
  );
  await rejects(
    promiseOf(() => local.listen({ transport: "unix", path: "/tmp/nope.sock" })),
    TypeError,
  );
});

Deno.test("RPC calls reject bad arguments instead of throwing", async () => {
  const service = serviceDict({ ping: () => "pong" });
  await using server = await startServer(["127.0.0.1", 0], service);
  await using client = new ReconnectingClient<typeof service>(server.address);
  await rejects(promiseOf(() => client.connect({ timeout: Number.NaN })), RangeError);
  const connection = await client.connect();
  await rejects(
    promiseOf(() => connection.call("ping", "x" as unknown as unknown[])),
    TypeError,
  );
  await rejects(
    promiseOf(() => callRemote(client.remote.ping, 1 as unknown as unknown[])),
    TypeError,
  );
});

// --- Every promise-returning export, systematically ---------------------------------------------
//
// `deno doc` lists every function and class method of every entry point whose declared result is a
// `Promise`. An `async` one cannot throw before it returns its promise; each other one gets a
// receiver below and is called with bad arguments of every kind (none, `null`, `NaN`, a symbol...),
// and must return a promise every time. A new promise-returning export that is neither `async` nor
// listed here fails the test, so the rule cannot be forgotten.

/** A member of the public API whose declared result is a `Promise`. */
interface PromiseMember {
  readonly entry: string;
  readonly owner: string | undefined;
  readonly name: string;
  readonly isStatic: boolean;
}

interface DocType {
  readonly kind?: string;
  readonly repr?: string;
  readonly value?: { readonly typeName?: string };
}
interface DocFunction {
  readonly returnType?: DocType;
}
interface DocNode {
  readonly symbols: {
    readonly name: string;
    readonly declarations: {
      readonly kind: string;
      readonly def?: {
        readonly returnType?: DocType;
        readonly methods?: {
          readonly name: string;
          readonly kind: string;
          readonly isStatic?: boolean;
          readonly functionDef: DocFunction;
        }[];
      };
    }[];
  }[];
}

const isPromise = (type: DocType | undefined) =>
  type?.kind === "typeRef" && type.value?.typeName === "Promise";

/** Every exported function and class method declared to return a `Promise`, by `deno doc`. */
async function promiseMembers(): Promise<PromiseMember[]> {
  const members: PromiseMember[] = [];
  for (const [entry, path] of Object.entries(config.exports)) {
    const module = new URL(`../${path}`, import.meta.url);
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["doc", "--json", module.href],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
    const doc = JSON.parse(new TextDecoder().decode(output.stdout)) as {
      nodes: Record<string, DocNode>;
    };
    for (const symbol of doc.nodes[module.href].symbols) {
      for (const declaration of symbol.declarations) {
        if (declaration.kind === "function" && isPromise(declaration.def?.returnType)) {
          members.push({ entry, owner: undefined, name: symbol.name, isStatic: false });
        }
        if (declaration.kind !== "class") continue;
        for (const method of declaration.def?.methods ?? []) {
          if (method.kind !== "method" || !isPromise(method.functionDef.returnType)) continue;
          const isStatic = method.isStatic ?? false;
          members.push({ entry, owner: symbol.name, name: method.name, isStatic });
        }
      }
    }
  }
  return members;
}

/** `Symbol.asyncDispose` as `deno doc` names it. */
const ASYNC_DISPOSE = "[Symbol.asyncDispose]";

/** The function `member` names at run time. */
function runtimeOf(
  module: Record<string, unknown>,
  member: PromiseMember,
): (...args: unknown[]) => unknown {
  const key = member.name === ASYNC_DISPOSE ? Symbol.asyncDispose : member.name;
  if (member.owner === undefined) return module[member.name] as never;
  const owner = module[member.owner] as { prototype: Record<PropertyKey, unknown> };
  const holder = member.isStatic
    ? owner as unknown as Record<PropertyKey, unknown>
    : owner.prototype;
  return holder[key] as never;
}

/** Arguments no promise API accepts; each must make it reject (or resolve), never throw. */
const BAD_ARGUMENTS: readonly unknown[][] = [
  [],
  [undefined, undefined, undefined, undefined],
  [null, null, null, null],
  [Number.NaN, Number.NaN, Number.NaN, Number.NaN],
  [-1, -1, -1, -1],
  ["x", "x", "x", "x"],
  [Symbol("bad"), Symbol("bad"), Symbol("bad"), Symbol("bad")],
  [{}, {}, {}, {}],
  [() => {}, 0n, [], new Date(Number.NaN)],
];

/** A receiver for the members of one class (or `undefined` for a function), and its cleanup. */
type Fixture = () => Promise<{ self: unknown; [Symbol.asyncDispose](): Promise<void> }>;

const bare = (self: unknown): ReturnType<Fixture> =>
  Promise.resolve({ self, [Symbol.asyncDispose]: () => Promise.resolve() });

async function withContainer<T>(
  make: (container: Container) => T,
): ReturnType<Fixture> {
  const container = await Container.create("local://promise-rejects");
  return { self: make(container), [Symbol.asyncDispose]: () => container.shutdown() };
}

async function withRpcClient<T>(
  make: (client: RpcClient, address: string) => T,
): ReturnType<Fixture> {
  const server = await startServer(["127.0.0.1", 0], serviceDict({ ping: expose(() => "pong") }));
  const client = await openConnection(server.address);
  const self = make(client, server.address);
  return {
    self,
    [Symbol.asyncDispose]: async () => {
      await (self as Partial<AsyncDisposable>)[Symbol.asyncDispose]?.();
      await client.close();
      await server.close();
    },
  };
}

/** The receivers of every promise-returning export that is not `async`, by `Owner.name`. */
const FIXTURES: Record<string, Fixture> = {
  "callRemote": () => bare(undefined),
  "Agent": () => withContainer((container) => new Agent(container)),
  "Container": () => withContainer((container) => container),
  "ExternalClock": () => bare(new ExternalClock("2026-01-01T00:00:00Z")),
  "RealtimeClock": () => bare(new RealtimeClock()),
  "ScopedClock": () => bare(new ScopedClock(new RealtimeClock(), new AbortController().signal)),
  "LocalTransport": () => bare(new LocalTransport()),
  "Channel": async () => {
    const server = await channelServer(["127.0.0.1", 0], (channel) => {
      channel.serve((request) => request.reply(request.content));
    });
    const channel = await openChannel(server.address);
    return {
      self: channel,
      [Symbol.asyncDispose]: async () => {
        await channel.close();
        await server.close();
      },
    };
  },
  "RpcClient": () => withRpcClient((client) => client),
  "ReconnectingClient": () => withRpcClient((_, address) => new ReconnectingClient(address)),
  "ContainerSimulator": () => bare(new ContainerSimulator({ models: {} })),
};

const MODULES: Record<string, Promise<Record<string, unknown>>> = Object.fromEntries(
  Object.entries(config.exports).map(([entry, path]) => [entry, import(`../${path}`)]),
);

Deno.test("every promise-returning export is async or returns a promise for any arguments", async () => {
  const members = await promiseMembers();
  assert(members.length > 40, `only ${members.length} members found`);
  const unchecked: string[] = [];
  const threw: string[] = [];
  const checked = new Set<string>();
  for (const member of members) {
    const label = member.owner === undefined ? member.name : `${member.owner}.${member.name}`;
    const fn = runtimeOf(await MODULES[member.entry], member);
    assert(typeof fn === "function", `${label} (${member.entry}) is not a function at run time`);
    if (fn.constructor.name === "AsyncFunction") continue;
    const fixture = FIXTURES[member.owner ?? member.name];
    if (fixture === undefined) {
      unchecked.push(label);
      continue;
    }
    if (checked.has(`${label} ${member.isStatic}`)) continue;
    checked.add(`${label} ${member.isStatic}`);
    const owner = member.isStatic ? (await MODULES[member.entry])[member.owner!] : undefined;
    for (const args of BAD_ARGUMENTS) {
      let result: unknown;
      {
        // A fresh receiver each time: some calls (stop, close, shutdown) end it.
        await using receiver = await fixture();
        const self = owner ?? receiver.self;
        try {
          result = self === undefined ? fn(...args) : Reflect.apply(fn, self, args);
        } catch (error) {
          threw.push(`${label}(${args.map(String).join(", ")}): ${error}`);
          continue;
        }
        assert(result instanceof Promise, `${label} returned ${String(result)}, not a promise`);
        result.catch(() => {});
      }
      // Settled by now or by the receiver's cleanup: nothing is left running.
      await Promise.allSettled([result]);
    }
  }
  assertEquals(unchecked, [], "promise-returning exports that are neither async nor checked");
  assertEquals(threw, [], "threw synchronously instead of rejecting");
});
