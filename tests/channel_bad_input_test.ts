import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects,
  strictEqual,
} from "node:assert/strict";
import {
  type Channel,
  ConnectionResetError,
  openConnection,
  ProtocolError,
  startServer,
} from "../channel/mod.ts";
import { MsgPack } from "../codecs/msgpack.ts";
import { RawPeer, rawServer, TRANSPORTS } from "./_channel_util.ts";

/** An echo server that records the reason each channel closed with. */
async function echoServer(address: Parameters<typeof startServer>[0], maxFrameSize?: number) {
  const reasons: Promise<Error | undefined>[] = [];
  const server = await startServer(address, (channel: Channel) => {
    reasons.push(channel.closed);
    channel.serve((request) => request.reply(request.content));
  }, { maxFrameSize });
  return Object.assign(server, { reasons });
}

/** The server still answers a well-behaved client. */
async function assertServes(server: { address: string }): Promise<void> {
  await using channel = await openConnection(server.address);
  strictEqual(await channel.send("still serving"), "still serving");
}

for (const transport of TRANSPORTS) {
  const name = transport.name;

  Deno.test(`${name}: an undecodable payload closes only that connection, with a clear error`, async () => {
    await using bound = await transport.bind();
    await using server = await echoServer(bound.address);
    await using bystander = await openConnection(server.address);
    await using peer = await RawPeer.connect(server);
    await peer.writeJson("{not json at all");
    assert(await peer.readsEnd());
    const reason = await server.reasons[1];
    assert(reason instanceof ProtocolError);
    assert(reason.message.includes("cannot decode a message"), reason.message);
    assert(reason.message.startsWith("Closed the connection to "));
    strictEqual(await bystander.send("bystander"), "bystander");
    await assertServes(server);
  });

  Deno.test(`${name}: a request with a readable id but a broken payload gets an EXCEPTION reply`, async () => {
    await using bound = await transport.bind();
    await using server = await echoServer(bound.address);
    await using peer = await RawPeer.connect(server);
    // Unknown type id 9 in a tag: the id (4) is still readable.
    await peer.writeJson('[0, 4, {"__type__": [9, "x"]}]');
    const reply = await peer.readJson() as [number, number, string];
    assertEquals(reply.slice(0, 2), [2, 4]);
    assert(reply[2].includes("Cannot decode request 4"), reply[2]);
    assert(reply[2].endsWith("\n"));
    // Truncated JSON after a readable head: an EXCEPTION reply too.
    await peer.writeJson("[0, 5, [1, 2");
    const second = await peer.readJson() as [number, number, string];
    assertEquals(second.slice(0, 2), [2, 5]);
    // The connection is still usable.
    await peer.writeJson('[0, 6, "ok"]');
    assertEquals(await peer.readJson(), [1, 6, "ok"]);
  });

  Deno.test(`${name}: a request of the wrong shape gets an EXCEPTION reply`, async () => {
    await using bound = await transport.bind();
    await using server = await echoServer(bound.address);
    await using peer = await RawPeer.connect(server);
    await peer.writeJson("[0, 7]");
    const reply = await peer.readJson() as [number, number, string];
    assertEquals(reply.slice(0, 2), [2, 7]);
    assert(/^ProtocolError: Malformed request: expected \[type, id, content\]/m.test(reply[2]));
    await peer.writeJson('[0, 8, "a", "extra"]');
    assertEquals((await peer.readJson() as unknown[]).slice(0, 2), [2, 8]);
    await peer.writeJson('[0, 9, "fine"]');
    assertEquals(await peer.readJson(), [1, 9, "fine"]);
  });

  Deno.test(`${name}: a message that is no request and has the wrong shape closes the connection`, async () => {
    await using bound = await transport.bind();
    await using server = await echoServer(bound.address);
    await using peer = await RawPeer.connect(server);
    await peer.writeJson('{"not": "an array"}');
    assert(await peer.readsEnd());
    const reason = await server.reasons[0];
    assert(reason instanceof ProtocolError);
    assert(reason.message.includes("expected [type, id, content]"), reason.message);
    await assertServes(server);
  });

  Deno.test(`${name}: an unknown message type closes the connection`, async () => {
    await using bound = await transport.bind();
    await using server = await echoServer(bound.address);
    await using peer = await RawPeer.connect(server);
    await peer.writeJson("[7, 1, null]");
    assert(await peer.readsEnd());
    const reason = await server.reasons[0];
    assert(reason instanceof ProtocolError && reason.message.includes("type 0, 1 or 2"));
    await assertServes(server);
  });

  Deno.test(`${name}: a reply to an unknown id is dropped and the connection stays`, async () => {
    await using bound = await transport.bind();
    await using server = await echoServer(bound.address);
    await using peer = await RawPeer.connect(server);
    await peer.writeJson('[1, 12345, "nobody asked"]');
    await peer.writeJson('[2, "weird id", "nobody asked either"]');
    await peer.writeJson('[0, 0, "after"]');
    assertEquals(await peer.readJson(), [1, 0, "after"]);
    strictEqual(server.channels.size, 1);
  });

  Deno.test(`${name}: a frame above maxFrameSize closes the connection from its header`, async () => {
    await using bound = await transport.bind();
    await using server = await echoServer(bound.address, 1024);
    await using peer = await RawPeer.connect(server);
    // The header of a 3 GiB frame and nothing else: refused without waiting for the bytes.
    await peer.writeBytes(new Uint8Array([0xc0, 0, 0, 0]));
    assert(await peer.readsEnd());
    const reason = await server.reasons[0];
    assert(reason instanceof ProtocolError);
    assert(
      reason.message.includes("3221225472 bytes exceeds the limit of 1024 bytes"),
      reason.message,
    );
    await assertServes(server);
  });

  Deno.test(`${name}: a frame above maxFrameSize fails the caller's pending calls`, async () => {
    await using bound = await transport.bind();
    await using server = await startServer(bound.address, async (channel) => {
      await channel.recv();
      // Reply with a 2 MiB string to a client that accepts 1 KiB.
      const request = await channel.recv();
      request.reply("z".repeat(2 * 1024 * 1024));
    });
    await using channel = await openConnection(server.address, { maxFrameSize: 1024 });
    const first = channel.send("one");
    const second = channel.send("two");
    await rejects(second, (error) => {
      return error instanceof ProtocolError && error.message.includes(channel.peer.address) &&
        error.message.includes("exceeds the limit of 1024 bytes");
    });
    await rejects(first, ProtocolError);
    assert(await channel.closed instanceof ProtocolError);
  });

  Deno.test(`${name}: a truncated frame then end of stream fails pending calls`, async () => {
    await using bound = await transport.bind();
    await using raw = rawServer(bound.address);
    const serving = (async () => {
      const peer = RawPeer.from(await raw.listener.accept());
      await peer.readFrame();
      // Seven bytes of a frame that announces ten payload bytes, then hang up.
      await peer.writeBytes(new Uint8Array([0, 0, 0, 10, 1, 2, 3]));
      peer.close();
    })();
    await using channel = await openConnection(raw.address);
    await rejects(channel.send("x"), (error) => {
      return error instanceof ConnectionResetError &&
        error.message.includes(channel.peer.address) &&
        error.message.includes("in the middle of a frame (3 of 10 payload bytes received)");
    });
    await serving;
  });

  Deno.test(`${name}: a client sending a truncated frame then hanging up costs only its connection`, async () => {
    await using bound = await transport.bind();
    await using server = await echoServer(bound.address);
    const peer = await RawPeer.connect(server);
    await peer.writeBytes(new Uint8Array([0, 0]));
    peer.close();
    const reason = await server.reasons[0];
    assert(reason instanceof ConnectionResetError);
    assert(reason.message.includes("2 of the 4 header bytes"), reason.message);
    await assertServes(server);
  });

  Deno.test(`${name}: a late reply after a timeout is dropped and the connection stays`, async () => {
    await using bound = await transport.bind();
    await using raw = rawServer(bound.address);
    const serving = (async () => {
      const peer = RawPeer.from(await raw.listener.accept());
      const first = await peer.readJson() as unknown[];
      const second = await peer.readJson() as unknown[];
      // Answer the timed-out call first, then the live one.
      await peer.writeJson(JSON.stringify([1, first[1], "late"]));
      await peer.writeJson(JSON.stringify([1, second[1], "on time"]));
      const third = await peer.readJson() as unknown[];
      await peer.writeJson(JSON.stringify([1, third[1], "third"]));
      await peer.readsEnd();
      peer.close();
    })();
    const channel = await openConnection(raw.address);
    await rejects(channel.send("slow", { timeout: 1 }), { name: "TimeoutError" });
    strictEqual(await channel.send("second"), "on time");
    strictEqual(await channel.send("third"), "third");
    strictEqual(channel.isClosed, false);
    await channel.close();
    await serving;
  });

  Deno.test(`${name}: a reply that cannot be decoded fails only its call`, async () => {
    await using bound = await transport.bind();
    await using raw = rawServer(bound.address);
    const serving = (async () => {
      const peer = RawPeer.from(await raw.listener.accept());
      const first = await peer.readJson() as unknown[];
      await peer.writeJson(`[1, ${first[1]}, {"__type__": [9, "no such type"]}]`);
      const second = await peer.readJson() as unknown[];
      await peer.writeJson(JSON.stringify([1, second[1], "fine"]));
      await peer.readsEnd();
      peer.close();
    })();
    const channel = await openConnection(raw.address);
    await rejects(channel.send("first"), (error) => {
      return error instanceof ProtocolError &&
        error.message.includes("Cannot decode the reply to call 0") &&
        error.message.includes(channel.peer.address);
    });
    strictEqual(await channel.send("second"), "fine");
    await channel.close();
    await serving;
  });

  Deno.test(`${name}: a MsgPack request with an unknown type id gets an EXCEPTION reply`, async () => {
    await using bound = await transport.bind();
    await using server = await startServer(bound.address, (channel) => {
      channel.serve((request) => request.reply(request.content));
    }, { codec: MsgPack });
    await using peer = await RawPeer.connect(server);
    // [0, 300, {"__type__": [5, 1]}]
    await peer.writeFrame(
      new Uint8Array([
        0x93,
        0x00,
        0xcd,
        0x01,
        0x2c,
        0x81,
        0xa8,
        ...new TextEncoder().encode("__type__"),
        0x92,
        0x05,
        0x01,
      ]),
    );
    const reply = new MsgPack().decode((await peer.readFrame())!) as unknown[];
    assertEquals(reply.slice(0, 2), [2, 300]);
    assert(String(reply[2]).includes("Unknown type id 5"), String(reply[2]));
  });
}
