/**
 * Wire compatibility of the RPC layer with Python aiomas, over real sockets:
 * the golden frames of tests/fixtures/wire_vectors.json are sent to our
 * server by a raw socket, and a raw socket plays Python's side against our
 * client. MsgPack vectors are `encode+decode`, so our frames must match
 * them byte for byte; JSON and Blosc vectors must decode to the same value.
 */
import { deepStrictEqual as assertEquals, ok as assert, strictEqual } from "node:assert/strict";
import { RemoteException } from "../channel/mod.ts";
import {
  type Codec,
  type CodecClass,
  dateSerializer,
  Json,
  MsgPack,
  type Serializer,
  SerializerRegistry,
} from "../codecs/mod.ts";
import { MsgPackBlosc } from "../codecs/blosc/mod.ts";
import {
  expose,
  getRouter,
  isProxy,
  openConnection,
  proxyPath,
  type Remote,
  Router,
  serviceDict,
  startServer,
} from "../rpc/mod.ts";
import { bytesToHex, conversations, type VectorCodec, vectors, vectorsFor } from "./_vectors.ts";
import { RawPeer } from "./_raw_peer.ts";

const CODECS: Record<VectorCodec, CodecClass> = {
  json: Json,
  msgpack: MsgPack,
  msgpackblosc: MsgPackBlosc,
};

// --- A raw framed socket: Python's side of the wire ---------------------------------------------

/** A raw server that hands out one accepted {@linkcode RawPeer}. */
function rawServer(): { address: string; accept(): Promise<RawPeer>; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return {
    address: `127.0.0.1:${listener.addr.port}`,
    accept: async () => new RawPeer(await listener.accept()),
    close: () => listener.close(),
  };
}

// --- The service Python's request vectors call --------------------------------------------------

class Deep {
  @expose
  neg(x: number): number {
    return -x;
  }
}

class Sub {
  @expose
  readonly deep: Deep = new Deep();

  @expose
  mul(a: number, b: number): number {
    return a * b;
  }
}

class Agent {
  @expose
  ping(x: number): [string, number] {
    return ["pong", x];
  }
}

class VectorService {
  @expose
  readonly sub: Sub = new Sub();

  constructor() {
    const agents = serviceDict({});
    getRouter(agents)!.add("1", new Agent());
    getRouter(this)!.add("agents", agents);
  }

  @expose
  add(a: number, b: number): number {
    return a + b;
  }

  @expose
  now(): string {
    return "now";
  }

  @expose
  echo(x: unknown): unknown {
    return x;
  }

  @expose
  validate_aid(aid: string): string | null {
    return aid === "1" ? "Agent" : null;
  }
}

/** What our service answers to each request vector. */
const EXPECTED_RESULTS: Record<string, unknown> = {
  add: 3,
  "sub/mul": 12,
  "sub/deep/neg": -5,
  now: "now",
  echo: "x",
  "agents/1/ping": ["pong", 1],
  validate_aid: "Agent",
};

for (const codecName of ["json", "msgpack", "msgpackblosc"] as const) {
  Deno.test(`our server answers Python's request frames (${codecName})`, async () => {
    const codecClass = CODECS[codecName];
    const codec = new codecClass();
    await using server = await startServer(["127.0.0.1", 0], new VectorService(), {
      codec: codecClass,
    });
    await using peer = await RawPeer.connect(server.address);
    const requests = vectorsFor(codecName, { kind: "request" });
    assert(requests.length >= 14);
    for (const vector of requests) {
      const [, id, [path]] = vector.message as [number, unknown, [string]];
      await peer.write(vector.frame);
      const reply = await peer.readFrame();
      assertEquals(codec.decode(reply.subarray(4)), [1, id, EXPECTED_RESULTS[path]], vector.name);
    }
  });
}

Deno.test("our replies are byte-identical to Python's MsgPack reply frames", async () => {
  await using server = await startServer(["127.0.0.1", 0], new VectorService(), { codec: MsgPack });
  await using peer = await RawPeer.connect(server.address);
  const request = vectors.find((v) =>
    v.codec === "msgpack" && v.name === "request add(1, 2) id 0"
  )!;
  const reply = vectors.find((v) => v.codec === "msgpack" && v.name === "reply result 3")!;
  await peer.write(request.frame);
  strictEqual(bytesToHex(await peer.readFrame()), reply.frameHex);
});

Deno.test("our LookupError reply ends with the same line as Python's", async () => {
  const python = vectors.find((v) =>
    v.codec === "json" && v.name === "reply exception LookupError"
  )!;
  const pythonText = (python.message as [number, number, string])[2];
  await using server = await startServer(["127.0.0.1", 0], new VectorService());
  await using peer = await RawPeer.connect(server.address);
  await peer.writePayload(new Json().encode([0, 3, ["sub/nope", [], {}]]));
  const [type, id, text] = new Json().decode((await peer.readFrame()).subarray(4)) as [
    number,
    number,
    string,
  ];
  assertEquals([type, id], [2, 3]);
  strictEqual(text.trimEnd().split("\n").at(-1), pythonText.trimEnd().split("\n").at(-1));
});

// --- Our client against Python's frames -----------------------------------------------------------

for (const codecName of ["json", "msgpack"] as const) {
  Deno.test(`our client's requests match Python's request frames (${codecName})`, async () => {
    const codecClass = CODECS[codecName];
    const codec = new codecClass();
    const raw = rawServer();
    try {
      const connecting = openConnection(raw.address, { codec: codecClass });
      await using peer = await raw.accept();
      await using client = await connecting;
      const calls: [string, string, unknown[], Record<string, unknown>][] = [
        ["request add(1, 2) id 0", "add", [1, 2], {}],
        ["request kwargs sub/mul(3, b=4)", "sub/mul", [3], { b: 4 }],
        ["request nested path sub/deep/neg(5)", "sub/deep/neg", [5], {}],
        ["request empty args", "now", [], {}],
      ];
      for (const [name, path, args, kwargs] of calls) {
        const vector = vectors.find((v) => v.codec === codecName && v.name === name)!;
        const [, pythonId] = vector.message as [number, number];
        const reply = client.call(path, args, kwargs);
        const frame = await peer.readFrame();
        const [, id, content] = codec.decode(frame.subarray(4)) as [number, number, unknown];
        // Our ids count 0, 1, 2, …; Python's vectors were taken at other ids.
        assertEquals(content, (vector.message as unknown[])[2], name);
        if (codecName === "msgpack" && id === pythonId) {
          strictEqual(bytesToHex(frame), vector.frameHex);
        }
        await peer.writePayload(codec.encode([1, id, "ok"]));
        strictEqual(await reply, "ok");
      }
    } finally {
      raw.close();
    }
  });
}

Deno.test("our client reads Python's RESULT and EXCEPTION frames", async () => {
  for (const codecName of ["json", "msgpack", "msgpackblosc"] as const) {
    const codecClass = CODECS[codecName];
    const codec = new codecClass();
    const replies = vectorsFor(codecName).filter((v) =>
      v.kind === "reply" || v.kind === "exception"
    );
    assert(replies.length >= 7);
    for (const vector of replies) {
      const [type, id, content] = vector.message as [number, number, unknown];
      const raw = rawServer();
      try {
        const connecting = openConnection(raw.address, { codec: codecClass });
        await using peer = await raw.accept();
        await using client = await connecting;
        // Make calls until ours has the vector's id, answering the others with null.
        for (let ourId = 0; ourId <= id; ourId++) {
          const reply = client.call("x").then((value) => ({ value }), (error) => ({ error }));
          const [, sentId] = codec.decode((await peer.readFrame()).subarray(4)) as [number, number];
          strictEqual(sentId, ourId);
          if (ourId < id) {
            await peer.writePayload(codec.encode([1, ourId, null]));
            await reply;
            continue;
          }
          await peer.write(vector.frame);
          const outcome = await reply as { value?: unknown; error?: unknown };
          if (type === 1) {
            assertEquals(outcome.value, content, vector.name);
          } else {
            assert(outcome.error instanceof RemoteException, vector.name);
            strictEqual(outcome.error.remoteTraceback, content);
            strictEqual(outcome.error.origin, raw.address);
          }
        }
      } finally {
        raw.close();
      }
    }
  }
});

// --- Proxy tags -----------------------------------------------------------------------------------

class Inner {
  @expose
  ping(x: number): { pong: number } {
    return { pong: x };
  }
}

class ClientRoot {
  @expose
  readonly inner: Inner = new Inner();

  @expose
  ping(x: number): { pong: number } {
    return { pong: x };
  }
}

/** A codec for the raw side that reads the proxy type id as a plain `{"__type__": [id, path]}` map. */
function tagKeepingCodec(codecClass: CodecClass, extras: readonly Serializer[]): Codec {
  const registry = new SerializerRegistry(extras);
  const typeid = registry.size;
  registry.setFallback({
    test: () => false,
    serialize: () => undefined,
    deserialize: (data) => ({ __type__: [typeid, data] }),
  });
  return new codecClass(registry);
}

/**
 * Lets our client call `calls` in order against a raw server that answers
 * every request with null, and returns the raw request frames.
 */
async function recordRequests(
  codecClass: CodecClass,
  options: Parameters<typeof openConnection>[1],
  calls: (client: Awaited<ReturnType<typeof openConnection>>) => Promise<unknown>[],
): Promise<Uint8Array[]> {
  const codec = tagKeepingCodec(codecClass, options?.extraSerializers ?? []);
  const raw = rawServer();
  try {
    const connecting = openConnection(raw.address, { ...options, codec: codecClass });
    await using peer = await raw.accept();
    await using client = await connecting;
    const pending = calls(client).map((call) => call.then(() => undefined, (error) => error));
    const frames: Uint8Array[] = [];
    for (let i = 0; i < pending.length; i++) {
      const frame = await peer.readFrame();
      frames.push(frame);
      const [, id] = codec.decode(frame.subarray(4)) as [number, number];
      await peer.writePayload(codec.encode([1, id, null]));
    }
    for (const outcome of await Promise.all(pending)) if (outcome !== undefined) throw outcome;
    return frames;
  } finally {
    raw.close();
  }
}

for (const codecName of ["json", "msgpack"] as const) {
  Deno.test(`passing our services writes Python's proxy tags, typeid 0 (${codecName})`, async () => {
    const codecClass = CODECS[codecName];
    const root = new ClientRoot();
    const frames = await recordRequests(codecClass, { service: root }, (client) => [
      client.call("warmup"),
      client.call("warmup"),
      client.call("callback", [root, 41]),
      client.call("callback_sub", [root.inner, 21]),
    ]);
    const codec = tagKeepingCodec(codecClass, []);
    for (
      const [index, name] of [[2, "proxy typeid 0 root (plain RPC)"], [
        3,
        "proxy typeid 0 sub (plain RPC)",
      ]] as const
    ) {
      const vector = vectors.find((v) => v.codec === codecName && v.name === name)!;
      if (codecName === "msgpack") strictEqual(bytesToHex(frames[index]), vector.frameHex, name);
      assertEquals(codec.decode(frames[index].subarray(4)), vector.message, name);
    }
  });

  Deno.test(`an agent passed on a connection with one extra serializer is typeid 1 (${codecName})`, async () => {
    const codecClass = CODECS[codecName];
    const root = new Router({});
    const agents = new Router({});
    root.add("agents", agents.obj);
    const agent0 = new Agent();
    agents.add("0", agent0);
    const options = { service: root.obj, extraSerializers: [dateSerializer] };
    const frames = await recordRequests(codecClass, options, (client) => [
      client.call("w"),
      client.call("w"),
      client.call("w"),
      client.call("agents/1/call_me_back", [agent0]),
    ]);
    const vector = vectors.find((v) =>
      v.codec === codecName && v.name === "proxy typeid 1 agent (container)"
    )!;
    if (codecName === "msgpack") strictEqual(bytesToHex(frames[3]), vector.frameHex);
    assertEquals(
      tagKeepingCodec(codecClass, [dateSerializer]).decode(frames[3].subarray(4)),
      vector.message,
    );
  });
}

Deno.test("Python's proxy tags become proxies that call back over the same connection", async () => {
  for (const codecName of ["json", "msgpack", "msgpackblosc"] as const) {
    const codecClass = CODECS[codecName];
    const codec = new codecClass();
    const seen: string[] = [];
    class Server {
      @expose
      async callback(svc: Remote<ClientRoot>, x: number): Promise<unknown> {
        seen.push(isProxy(svc) ? proxyPath(svc) : "not a proxy");
        return await svc.ping(x);
      }

      @expose
      async callback_sub(svc: Remote<Inner>, x: number): Promise<unknown> {
        seen.push(proxyPath(svc));
        return await svc.ping(x);
      }
    }
    await using server = await startServer(["127.0.0.1", 0], new Server(), { codec: codecClass });
    await using peer = await RawPeer.connect(server.address);
    for (
      const [name, path, arg] of [["proxy typeid 0 root (plain RPC)", "ping", 41], [
        "proxy typeid 0 sub (plain RPC)",
        "inner/ping",
        21,
      ]] as const
    ) {
      const vector = vectors.find((v) => v.codec === codecName && v.name === name)!;
      const [, id] = vector.message as [number, number];
      await peer.write(vector.frame);
      // Our server calls the proxy: a request back to Python's side.
      const [type, callId, content] = codec.decode((await peer.readFrame()).subarray(4)) as [
        number,
        number,
        unknown,
      ];
      strictEqual(type, 0);
      assertEquals(content, [path, [arg], {}]);
      await peer.writePayload(codec.encode([1, callId, { pong: arg }]));
      assertEquals(codec.decode((await peer.readFrame()).subarray(4)), [1, id, { pong: arg }]);
    }
    assertEquals(seen, ["", "inner"]);
  }
});

Deno.test("user data that looks like a tag is read as a proxy, as aiomas does", async () => {
  for (const codecName of ["json", "msgpack"] as const) {
    const codecClass = CODECS[codecName];
    const raw = rawServer();
    try {
      const connecting = openConnection(raw.address, { codec: codecClass });
      await using peer = await raw.accept();
      await using client = await connecting;
      const reply = client.call("x");
      await peer.readFrame();
      const vector = vectors.find((v) =>
        v.codec === codecName && v.name === "user data that looks like a tag"
      )!;
      await peer.write(vector.frame);
      const value = await reply;
      assert(isProxy(value));
      strictEqual(proxyPath(value), "x");
    } finally {
      raw.close();
    }
  }
});

// --- Conversations ----------------------------------------------------------------------------------

const callbackConversation = conversations.find((c) =>
  c.name === "plain RPC: call, then a callback through a passed service"
)!;

Deno.test("conversation: Python's client frames against our server", async () => {
  const codec = new Json();
  class Server {
    @expose
    add(a: number, b: number): number {
      return a + b;
    }

    @expose
    async callback(svc: Remote<ClientRoot>, x: number): Promise<unknown> {
      return await svc.ping(x);
    }
  }
  await using server = await startServer(["127.0.0.1", 0], new Server());
  await using peer = await RawPeer.connect(server.address);
  for (const step of callbackConversation.steps) {
    if (step.from === "client") {
      await peer.write(step.frame);
    } else {
      const frame = await peer.readFrame();
      assertEquals(codec.decode(frame.subarray(4)), step.message);
    }
  }
});

Deno.test("conversation: our client against Python's server frames", async () => {
  const codec = tagKeepingCodec(Json, []);
  const raw = rawServer();
  try {
    const root = new ClientRoot();
    const connecting = openConnection(raw.address, { service: root });
    await using peer = await raw.accept();
    await using client = await connecting;
    const run = (async () => {
      strictEqual(await client.call("add", [1, 2]), 3);
      return await client.call("callback", [root, 41]);
    })().then((value) => ({ value }), (error) => ({ error }));
    for (const step of callbackConversation.steps) {
      if (step.from === "server") {
        await peer.write(step.frame);
      } else {
        const frame = await peer.readFrame();
        assertEquals(codec.decode(frame.subarray(4)), step.message);
      }
    }
    assertEquals(await run, { value: { pong: 41 } });
  } finally {
    raw.close();
  }
});
