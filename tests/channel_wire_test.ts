/**
 * Byte compatibility with Python aiomas: the golden frames of
 * tests/fixtures/wire_vectors.json over real sockets.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects,
  strictEqual,
} from "node:assert/strict";
import { openConnection, RemoteException, startServer } from "../channel/mod.ts";
import type { CodecClass } from "../codecs/codec.ts";
import { Json } from "../codecs/json.ts";
import { MsgPack } from "../codecs/msgpack.ts";
import { MsgPackBlosc } from "../codecs/blosc/mod.ts";
import { bytesToHex, vector, vectorsFor, type WireVector } from "./_vectors.ts";
import { RawPeer, rawServer } from "./_channel_util.ts";

const CODECS: [name: "json" | "msgpack" | "msgpackblosc", codec: CodecClass][] = [
  ["json", Json],
  ["msgpack", MsgPack],
  ["msgpackblosc", MsgPackBlosc],
];

/** A Python error's traceback has no JS stack: the last line alone. */
function pythonStyleError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  error.stack = `${name}: ${message}`;
  return error;
}

for (const [codecName, codec] of CODECS) {
  Deno.test(`${codecName}: Python request frames reach the server as the values Python sent`, async () => {
    const requests = vectorsFor(codecName, { kind: "request" });
    assert(requests.length > 10);
    const seen: unknown[] = [];
    await using server = await startServer(["127.0.0.1", 0], (channel) => {
      channel.serve((request) => {
        seen.push(request.content);
        request.reply(null);
      });
    }, { codec });
    await using peer = await RawPeer.connect(server);
    for (const v of requests) {
      await peer.writeBytes(v.frame);
      const reply = new codec().decode((await peer.readFrame())!) as unknown[];
      assertEquals(reply, [1, (v.message as unknown[])[1], null], v.name);
    }
    assertEquals(seen, requests.map((v) => (v.message as unknown[])[2]));
  });

  Deno.test(`${codecName}: Python reply frames resolve calls with the values Python sent`, async () => {
    const replies = vectorsFor(codecName, { kind: ["reply", "value", "exception"] });
    assert(replies.length > 10);
    for (const v of replies) {
      const [type, id, content] = v.message as [number, number, unknown];
      await using raw = rawServer(["127.0.0.1", 0]);
      const serving = (async () => {
        const peer = RawPeer.from(await raw.listener.accept());
        // Answer our calls 0 … id-1 with null, then call `id` with the Python frame.
        for (let i = 0; i <= id; i++) {
          const request = new codec().decode((await peer.readFrame())!) as unknown[];
          strictEqual(request[1], i);
          await peer.writeBytes(i < id ? frameOf(codec, [1, i, null]) : v.frame);
        }
        await peer.readsEnd();
        peer.close();
      })();
      const channel = await openConnection(raw.address, { codec });
      for (let i = 0; i < id; i++) strictEqual(await channel.send("filler"), null);
      if (type === 1) {
        assertEquals(await channel.send("call"), content, v.name);
      } else {
        await rejects(channel.send("call"), (error) => {
          assert(error instanceof RemoteException, v.name);
          strictEqual(error.remoteTraceback, content, v.name);
          strictEqual(error.origin, channel.peer.address);
          return true;
        });
      }
      await channel.close();
      await serving;
    }
  });
}

function frameOf(codec: CodecClass, message: unknown): Uint8Array {
  const payload = new codec().encode(message);
  const frame = new Uint8Array(4 + payload.length);
  new DataView(frame.buffer).setUint32(0, payload.length);
  frame.set(payload, 4);
  return frame;
}

Deno.test("msgpack: our requests are byte-identical to Python's", async () => {
  const expected: WireVector[] = [
    vector("msgpack", "request add(1, 2) id 0"),
    vector("msgpack", "request id 1"),
    vector("msgpack", "request kwargs sub/mul(3, b=4)"),
  ];
  await using raw = rawServer(["127.0.0.1", 0]);
  const received: string[] = [];
  const serving = (async () => {
    const peer = RawPeer.from(await raw.listener.accept());
    for (let i = 0; i < 3; i++) {
      const payload = (await peer.readFrame())!;
      received.push(bytesToHex(payload));
      await peer.writeBytes(frameOf(MsgPack, [1, i, null]));
    }
    await peer.readsEnd();
    peer.close();
  })();
  const channel = await openConnection(raw.address, { codec: MsgPack });
  await channel.send(["add", [1, 2], {}]);
  await channel.send(["echo", ["x"], {}]);
  // Id 2 here, 1 in the vector: compare everything but the id byte.
  await channel.send(["sub/mul", [3], { b: 4 }]);
  await channel.close();
  await serving;
  strictEqual(received[0], bytesToHex(expected[0].payload));
  strictEqual(received[1], bytesToHex(expected[1].payload));
  strictEqual(received[2], bytesToHex(expected[2].payload).replace(/^930001/, "930002"));
});

Deno.test("msgpack: our replies to Python requests are byte-identical to Python's", async () => {
  await using server = await startServer(["127.0.0.1", 0], (channel) => {
    channel.serve((request) => {
      const [path, args] = request.content as [string, number[]];
      if (path === "add") request.reply(args[0] + args[1]);
      else if (path === "echo") request.fail(pythonStyleError("ValueError", "42"));
      else request.reply(null);
    });
  }, { codec: MsgPack });
  await using peer = await RawPeer.connect(server);
  await peer.writeBytes(vector("msgpack", "request add(1, 2) id 0").frame);
  strictEqual(
    bytesToHex((await peer.readFrame())!),
    bytesToHex(vector("msgpack", "reply result 3").payload),
  );
  // [0, 0, ["echo", ["x"], {}]] with id 0, failed with ValueError(42).
  await peer.writeBytes(frameOf(MsgPack, [0, 0, ["echo", ["x"], {}]]));
  strictEqual(
    bytesToHex((await peer.readFrame())!),
    bytesToHex(vector("msgpack", "reply exception (Request.fail(ValueError(42)))").payload),
  );
});

Deno.test("json: our replies to Python requests decode to Python's values", async () => {
  await using server = await startServer(["127.0.0.1", 0], (channel) => {
    channel.serve((request) => {
      const [path, args] = request.content as [string, number[]];
      if (path === "add") request.reply(args[0] + args[1]);
      else request.fail(pythonStyleError("ValueError", "42"));
    });
  });
  await using peer = await RawPeer.connect(server);
  await peer.writeBytes(vector("json", "request add(1, 2) id 0").frame);
  assertEquals(await peer.readJson(), vector("json", "reply result 3").message);
  await peer.writeBytes(vector("json", "request id 1").frame);
  assertEquals(
    await peer.readJson(),
    [
      2,
      1,
      (vector("json", "reply exception (Request.fail(ValueError(42)))").message as unknown[])[2],
    ],
  );
});

Deno.test("pipelined messages of mixed sizes keep their bytes (payloads encoded into a reused buffer)", async () => {
  for (const codec of [MsgPack, Json]) {
    const sizes = [0, 3, 40, 700, 5_000, 20_000, 70_000, 300_000, 9, 2_500];
    const texts = sizes.map((n, i) => String.fromCharCode(97 + i).repeat(n) + "é€😀".repeat(i));
    await using server = await startServer(
      ["127.0.0.1", 0],
      (channel) =>
        channel.serve((request) => {
          const content = request.content as [string, number];
          request.reply([content, content[0].length]);
        }),
      { codec },
    );
    await using channel = await openConnection(server.address, { codec });
    const calls = [];
    for (let round = 0; round < 5; round++) {
      for (const text of texts) calls.push(channel.send([text, round]));
    }
    const replies = await Promise.all(calls);
    let i = 0;
    for (let round = 0; round < 5; round++) {
      for (const text of texts) {
        assertEquals(replies[i++], [[text, round], text.length], `${codec.name} ${text.length}`);
      }
    }
  }
});

Deno.test("decoded bin values survive later frames (the read buffer is reused)", async () => {
  const bytesOf = (n: number, seed: number) => {
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) bytes[i] = (seed * 31 + i * 7) & 0xff;
    return bytes;
  };
  const kept: Uint8Array[] = [];
  await using server = await startServer(["127.0.0.1", 0], (channel) =>
    channel.serve((request) => {
      const [bin, seed] = request.content as [Uint8Array, number];
      kept.push(bin);
      request.reply([bytesOf(bin.length, seed + 1), seed]);
    }), { codec: MsgPack });
  await using channel = await openConnection(server.address, { codec: MsgPack });
  const sizes = [1, 100, 3_000, 20_000, 65_000, 70_000, 10];
  const replies: [Uint8Array, number][] = [];
  for (let round = 0; round < 4; round++) {
    const calls = [];
    for (let i = 0; i < 60; i++) {
      const seed = round * 100 + i;
      calls.push(channel.send([bytesOf(sizes[i % sizes.length], seed), seed]));
    }
    replies.push(...(await Promise.all(calls)) as [Uint8Array, number][]);
  }
  assertEquals(replies.length, 240);
  assertEquals(kept.length, 240);
  for (const [bin, seed] of replies) {
    assertEquals(bin, bytesOf(bin.length, seed + 1), `reply ${seed}`);
  }
  for (let i = 0; i < kept.length; i++) {
    const seed = Math.floor(i / 60) * 100 + (i % 60);
    assertEquals(kept[i], bytesOf(sizes[i % 60 % sizes.length], seed), `request ${seed}`);
  }
});
