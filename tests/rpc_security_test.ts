/**
 * Only what was exposed is reachable: hostile paths from a peer are
 * LookupError replies, change nothing and leave the connection working.
 */
import { ok as assert, strictEqual } from "node:assert/strict";
import { RemoteException } from "../channel/mod.ts";
import { MsgPack } from "../codecs/mod.ts";
import { expose, openConnection, type RpcClient, serviceDict, startServer } from "../rpc/mod.ts";
import { MAX_PATH_LENGTH } from "../rpc/router.ts";

let touched = 0;

class Inner {
  @expose
  ping(): string {
    return "pong";
  }
}

class Target {
  #secret = "s3cret";
  counter = 0;

  @expose
  readonly inner: Inner = new Inner();

  @expose
  bump(): number {
    return ++this.counter;
  }

  notExposed(): string {
    touched++;
    return this.#secret;
  }

  get getter(): string {
    touched++;
    return this.#secret;
  }

  set setter(_value: string) {
    touched++;
  }

  [Symbol.iterator](): Iterator<number> {
    touched++;
    return [][Symbol.iterator]();
  }
}

const HOSTILE_PATHS: readonly string[] = [
  "constructor",
  "constructor/constructor",
  "constructor/prototype",
  "__proto__",
  "__proto__/__proto__",
  "__proto__/constructor/constructor",
  "prototype",
  "toString",
  "toLocaleString",
  "hasOwnProperty",
  "valueOf",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "getter",
  "setter",
  "#secret",
  "secret",
  "counter",
  "notExposed",
  "Symbol(Symbol.iterator)",
  "Symbol.iterator",
  "@@iterator",
  "bump/call",
  "bump/apply",
  "bump/bind",
  "bump/constructor",
  "bump/__proto__",
  "inner/constructor",
  "inner/__proto__",
  "inner/inner",
  "inner/ping/call",
  "",
  "/",
  "//",
  "/bump",
  "bump/",
  "inner//ping",
  "inner/ping/",
  ".",
  "..",
  "../bump",
  "./bump",
  "a".repeat(MAX_PATH_LENGTH + 1),
  "inner/".repeat(2000) + "ping",
  "x".repeat(1_000_000),
  "__proxy__",
  "__proxy__/0",
  "__proxy__/0/ping",
  "__proxy__/constructor",
  "__proxy__/__proto__/ping",
  "__proxy__//ping",
];

async function expectLookupError(client: RpcClient, path: string): Promise<void> {
  const error = await client.call(path, []).then(() => undefined, (e) => e);
  const shown = JSON.stringify(path.slice(0, 40));
  assert(error instanceof RemoteException, `${shown} must fail`);
  const lastLine = error.remoteTraceback.trimEnd().split("\n").at(-1)!;
  assert(lastLine.startsWith("LookupError: "), `${shown}: ${lastLine}`);
  assert(lastLine.length < 300, `${shown}: the message quotes a bounded part of the path`);
}

for (const codec of [undefined, MsgPack]) {
  const codecName = codec === undefined ? "JSON" : "MsgPack";

  Deno.test(`hostile paths are LookupError replies and change nothing (${codecName}, class service)`, async () => {
    const target = new Target();
    const protoBefore = Object.getPrototypeOf(target);
    await using server = await startServer(["127.0.0.1", 0], target, { codec });
    await using client = await openConnection(server.address, { codec });
    for (const path of HOSTILE_PATHS) await expectLookupError(client, path);
    strictEqual(touched, 0);
    strictEqual(target.counter, 0);
    strictEqual(Object.getPrototypeOf(target), protoBefore);
    strictEqual(({} as Record<string, unknown>).polluted, undefined);
    strictEqual(await client.call("bump"), 1);
    strictEqual(await client.call("inner/ping"), "pong");
  });
}

Deno.test("hostile paths are LookupError replies on a dictionary service", async () => {
  const dict = serviceDict({
    ping: expose(() => "pong"),
    nested: { deep: expose(() => "deep") },
  });
  await using server = await startServer(["127.0.0.1", 0], dict);
  await using client = await openConnection(server.address);
  for (
    const path of [...HOSTILE_PATHS, "nested/constructor", "nested/__proto__/deep", "ping/length"]
  ) {
    await expectLookupError(client, path);
  }
  strictEqual(await client.call("nested/deep"), "deep");
  strictEqual(Object.getPrototypeOf(dict), Object.prototype);
});

Deno.test("a function of a dictionary that is not exposed is not callable", async () => {
  let ran = 0;
  const secret = () => ++ran;
  const dict = {
    ping: expose(() => "pong"),
    secret,
    nested: { deep: expose(() => "deep"), secret },
  };
  for (const service of [dict, serviceDict({ ...dict, nested: { ...dict.nested } })]) {
    await using server = await startServer(["127.0.0.1", 0], service);
    await using client = await openConnection(server.address);
    for (const path of ["secret", "nested/secret", "secret/call", "nested/secret/apply"]) {
      await expectLookupError(client, path);
    }
    strictEqual(await client.call("ping"), "pong");
    strictEqual(await client.call("nested/deep"), "deep");
  }
  strictEqual(ran, 0);
  // The same, given to a client as its service: the server cannot call it either.
  const accepted = Promise.withResolvers<RpcClient>();
  await using server = await startServer(["127.0.0.1", 0], new Target(), {
    onClient: (client) => accepted.resolve(client),
  });
  await using _client = await openConnection(server.address, { service: { secret } });
  await expectLookupError(await accepted.promise, "secret");
  strictEqual(ran, 0);
});

Deno.test("a client without a service answers every call with a LookupError", async () => {
  const accepted = Promise.withResolvers<RpcClient>();
  await using server = await startServer(["127.0.0.1", 0], new Target(), {
    onClient: (client) => accepted.resolve(client),
  });
  await using _client = await openConnection(server.address);
  const back = await accepted.promise;
  for (const path of ["ping", "constructor", "__proto__", "toString", ""]) {
    await expectLookupError(back, path);
  }
});

Deno.test("a request of the wrong shape is an error reply, not a hang", async () => {
  await using server = await startServer(["127.0.0.1", 0], new Target());
  await using client = await openConnection(server.address);
  const shapes: unknown[] = [
    "bump",
    ["bump"],
    ["bump", []],
    ["bump", "not args", {}],
    ["bump", [], "not kwargs"],
    [42, [], {}],
    [null, [], {}],
    [["bump"], [], {}],
    { path: "bump" },
  ];
  for (const content of shapes) {
    const error = await client.channel.send(content).then(() => undefined, (e) => e);
    assert(error instanceof RemoteException, `${JSON.stringify(content)} must fail`);
    assert(/TypeError: /.test(error.remoteTraceback), error.remoteTraceback);
  }
  strictEqual(await client.call("bump"), 1);
});

Deno.test("keyword arguments cannot reach beyond the parameters", async () => {
  await using server = await startServer(["127.0.0.1", 0], new Target());
  await using client = await openConnection(server.address);
  const kwargsList = [JSON.parse('{"__proto__": 1}'), { constructor: 1 }, { toString: 1 }, {
    this: 1,
  }];
  for (const kwargs of kwargsList) {
    const error = await client.call("bump", [], kwargs).then(() => undefined, (e) => e);
    assert(error instanceof RemoteException);
    assert(/TypeError: bump\(\) got an unexpected keyword argument/.test(error.remoteTraceback));
  }
  strictEqual(await client.call("bump"), 1);
});
