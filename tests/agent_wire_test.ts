/**
 * Wire compatibility of containers with Python aiomas 2.0.1: the recorded
 * container conversations and the agent proxy and date vectors of
 * `fixtures/wire_vectors.json`, played over raw sockets in both directions.
 */

import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import { Agent, type AgentProxy, Container } from "../agent/mod.ts";
import { MsgPack } from "../codecs/msgpack.ts";
import { expose } from "../rpc/mod.ts";
import { Point, pointSerializer } from "./_point.ts";
import { RawPeer } from "./_raw_peer.ts";

interface Typed {
  t: string;
  v?: unknown;
}
interface Step {
  from: "client" | "server";
  message: Typed;
  frame_hex: string;
}
interface Vector {
  name: string;
  codec: string;
  kind: string;
  direction: string;
  message: Typed;
  frame_hex: string;
}
const fixture = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/wire_vectors.json", import.meta.url)),
) as {
  vectors: Vector[];
  conversations: { name: string; codec: string; steps: Step[] }[];
};

function conversation(name: string): Step[] {
  const found = fixture.conversations.find((c) => c.name.startsWith(name));
  if (!found) throw new Error(`No conversation ${name}`);
  return found.steps;
}

function vector(name: string, codec: string): Vector {
  const found = fixture.vectors.find((v) => v.name === name && v.codec === codec);
  if (!found) throw new Error(`No vector ${name} (${codec})`);
  return found;
}

/** The plain JS value of a typed fixture value (enough for these messages). */
function plain(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  const typed = value as Typed;
  switch (typed.t) {
    case "int":
      return Number(typed.v);
    case "float":
    case "str":
      return typed.v;
    case "list":
      return (typed.v as unknown[]).map(plain);
    case "map":
      return Object.fromEntries(
        (typed.v as [unknown, unknown][]).map(([k, v]) => [plain(k), plain(v)]),
      );
    default:
      throw new Error(`Unexpected typed value ${JSON.stringify(value)}`);
  }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g)!, (byte) => parseInt(byte, 16));
}

function frameOf(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(4 + payload.length);
  new DataView(frame.buffer).setUint32(0, payload.length);
  frame.set(payload, 4);
  return frame;
}

function portOf(container: Container): number {
  return Number(container.url.slice(container.url.lastIndexOf(":") + 1));
}

/** The agent class of the Python side's recordings. */
class A extends Agent {
  @expose
  ping(x: unknown): unknown[] {
    return ["pong", x];
  }

  @expose
  async call_me_back(other: AgentProxy<B>): Promise<unknown> {
    return await other.ping("from A");
  }

  @expose
  utc_date(): Temporal.ZonedDateTime {
    return Temporal.ZonedDateTime.from("2026-11-24T15:46:09.954819+00:00[UTC]");
  }

  @expose
  offset_date(): Temporal.ZonedDateTime {
    return Temporal.ZonedDateTime.from("2026-11-24T16:46:09+01:00[+01:00]");
  }
}

/** The calling side's agent, called back by A. */
class B extends Agent {
  @expose
  ping(x: unknown): unknown[] {
    return ["B-pong", x];
  }
}

Deno.test("a Python client's connect and call get the recorded replies from our container", async () => {
  await using container = await Container.create(["127.0.0.1", 0]);
  new B(container);
  new A(container);
  await using peer = new RawPeer(
    await Deno.connect({ hostname: "127.0.0.1", port: portOf(container) }),
  );
  for (const step of conversation("agent container: connect")) {
    if (step.from === "client") await peer.write(fromHex(step.frame_hex));
    else assertEquals(await peer.readJson(), plain(step.message));
  }
});

Deno.test("our container calls a Python client's passed agent back on the same connection", async () => {
  await using container = await Container.create(["127.0.0.1", 0]);
  new B(container);
  new A(container);
  await using peer = new RawPeer(
    await Deno.connect({ hostname: "127.0.0.1", port: portOf(container) }),
  );
  const steps = conversation("agent container: pass an agent");
  for (const step of steps) {
    if (step.from === "client") await peer.write(fromHex(step.frame_hex));
    else assertEquals(await peer.readJson(), plain(step.message));
  }
  // And the reply to the client's request id 3 carries the callback's result.
  assertEquals(await peer.readJson(), [1, 3, ["B-pong", "from A"]]);
});

Deno.test("validate_aid answers null for an unknown agent, as Python expects", async () => {
  await using container = await Container.create(["127.0.0.1", 0]);
  await using peer = new RawPeer(
    await Deno.connect({ hostname: "127.0.0.1", port: portOf(container) }),
  );
  for (const step of conversation("unknown agent")) {
    if (step.from === "client") await peer.write(fromHex(step.frame_hex));
    else assertEquals(await peer.readJson(), plain(step.message));
  }
});

Deno.test("our container as a client sends the recorded JSON frames and takes a callback", async () => {
  await using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await using container = await Container.create(["127.0.0.1", 0]);
  const b = new B(container);
  const calling = (async () => {
    const a = await container.connect<A>(`tcp://127.0.0.1:${listener.addr.port}/1`);
    const pongs = [await a.ping(1), await a.ping(2)];
    return { pongs, back: await a.call_me_back(b), name: String(a) };
  })();
  await using peer = new RawPeer(await listener.accept());
  const connect = conversation("agent container: connect");
  assertEquals(await peer.readJson(), plain(connect[0].message));
  await peer.write(fromHex(connect[1].frame_hex));
  assertEquals(await peer.readJson(), plain(connect[2].message));
  await peer.write(fromHex(connect[3].frame_hex));
  assertEquals(await peer.readJson(), [0, 2, ["agents/1/ping", [2], {}]]);
  await peer.write(frameOf(new TextEncoder().encode('[1, 2, ["pong", 2]]')));
  const callback = conversation("agent container: pass an agent");
  assertEquals(await peer.readJson(), plain(callback[0].message));
  await peer.write(fromHex(callback[1].frame_hex));
  assertEquals(await peer.readJson(), plain(callback[2].message));
  await peer.write(frameOf(new TextEncoder().encode('[1, 3, ["B-pong", "from A"]]')));
  const result = await calling;
  assertEquals(result.pongs, [["pong", 1], ["pong", 2]]);
  assertEquals(result.back, ["B-pong", "from A"]);
  strictEqual(result.name, `AProxy('tcp://127.0.0.1:${listener.addr.port}/1')`);
});

Deno.test("with MsgPack our container's frames are byte-identical to Python's, agent proxy typeid 1 included", async () => {
  await using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await using container = await Container.create(["127.0.0.1", 0], { codec: MsgPack });
  const b = new B(container);
  const codec = new MsgPack();
  const calling = (async () => {
    const a = await container.connect<A>(`tcp://127.0.0.1:${listener.addr.port}/1`);
    await a.ping(1);
    await a.ping(2);
    return await a.call_me_back(b);
  })();
  await using peer = new RawPeer(await listener.accept());
  strictEqual(hex(await peer.readFrame()), vector("request validate_aid", "msgpack").frame_hex);
  await peer.write(frameOf(codec.encode([1, 0, "A"])));
  strictEqual(hex(await peer.readFrame()), vector("request agent path", "msgpack").frame_hex);
  await peer.write(frameOf(codec.encode([1, 1, ["pong", 1]])));
  await peer.readFrame();
  await peer.write(frameOf(codec.encode([1, 2, ["pong", 2]])));
  strictEqual(
    hex(await peer.readFrame()),
    vector("proxy typeid 1 agent (container)", "msgpack").frame_hex,
  );
  await peer.write(frameOf(codec.encode([0, 0, ["agents/0/ping", ["from A"], {}]])));
  assertEquals(codec.decode((await peer.readFrame()).subarray(4)), [1, 0, ["B-pong", "from A"]]);
  await peer.write(frameOf(codec.encode([1, 3, ["B-pong", "from A"]])));
  assertEquals(await calling, ["B-pong", "from A"]);
});

Deno.test("dates in container replies are byte-identical to Python's date serializer (typeid 0)", async () => {
  await using container = await Container.create(["127.0.0.1", 0], { codec: MsgPack });
  new A(container);
  const codec = new MsgPack();
  await using peer = new RawPeer(
    await Deno.connect({ hostname: "127.0.0.1", port: portOf(container) }),
  );
  await peer.write(frameOf(codec.encode([0, 4, ["agents/0/utc_date", [], {}]])));
  strictEqual(
    hex(await peer.readFrame()),
    vector("date typeid 0 (container) with microseconds", "msgpack").frame_hex,
  );
  await peer.write(frameOf(codec.encode([0, 5, ["agents/0/offset_date", [], {}]])));
  strictEqual(
    hex(await peer.readFrame()),
    vector("date typeid 0 (container) whole seconds, offset", "msgpack").frame_hex,
  );
});

Deno.test("our container reads Python's proxy and date tags in requests", async () => {
  class Reader extends Agent {
    @expose
    kinds(value: unknown): string {
      return value instanceof Temporal.ZonedDateTime ? `date ${value.toString()}` : typeof value;
    }
  }
  await using container = await Container.create(["127.0.0.1", 0]);
  new Reader(container);
  await using peer = new RawPeer(
    await Deno.connect({ hostname: "127.0.0.1", port: portOf(container) }),
  );
  const date = '{"__type__": [0, "2026-11-24T16:46:09+01:00"]}';
  await peer.write(
    frameOf(new TextEncoder().encode(`[0, 0, ["agents/0/kinds", [${date}], {}]]`)),
  );
  assertEquals(await peer.readJson(), [1, 0, "date 2026-11-24T16:46:09+01:00[+01:00]"]);
  const proxy = '{"__type__": [1, "agents/0"]}';
  await peer.write(
    frameOf(new TextEncoder().encode(`[0, 1, ["agents/0/kinds", [${proxy}], {}]]`)),
  );
  assertEquals(await peer.readJson(), [1, 1, "function"]);
});

Deno.test("container type ids: date 0, user extras from 1, the agent proxy last", async () => {
  class Geometry extends Agent {
    @expose
    flip(p: Point): Point {
      return new Point(p.y, p.x);
    }

    @expose
    self(): Geometry {
      return this;
    }
  }
  await using container = await Container.create(["127.0.0.1", 0], {
    extraSerializers: [pointSerializer],
  });
  new Geometry(container);
  await using peer = new RawPeer(
    await Deno.connect({ hostname: "127.0.0.1", port: portOf(container) }),
  );
  await peer.write(
    frameOf(new TextEncoder().encode('[0, 0, ["agents/0/flip", [{"__type__": [1, [1, 2]]}], {}]]')),
  );
  assertEquals(await peer.readJson(), [1, 0, { __type__: [1, [2, 1]] }]);
  await peer.write(frameOf(new TextEncoder().encode('[0, 1, ["agents/0/self", [], {}]]')));
  assertEquals(await peer.readJson(), [1, 1, { __type__: [2, "agents/0"] }]);
});
