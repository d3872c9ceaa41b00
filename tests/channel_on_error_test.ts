/**
 * The `onError` hook of channels and servers: what the library notices but
 * cannot throw to a caller is reported there, and the process and the other
 * connections carry on.
 *
 * @module
 */

import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { type Channel, openConnection, startServer } from "../channel/mod.ts";
import { LateReplyError, ProtocolError } from "../channel/errors.ts";
import type { Request } from "../channel/channel.ts";
import { TlsHandshakeError } from "../channel/tls/mod.ts";
import { openConnection as openRpc } from "../rpc/mod.ts";
import { RawPeer, rawServer, TRANSPORTS } from "./_channel_util.ts";
import { Reports } from "./_reports.ts";
import { settings } from "./_tls_pki.ts";

/** Echoes every request; `held` requests are kept for the test to answer. */
function echo(channel: Channel): void {
  channel.serve((request) => request.reply(request.content));
}

for (const transport of TRANSPORTS) {
  Deno.test(`${transport.name}: a reply to a call given up on is reported as a LateReplyError; the connection carries on`, async () => {
    await using bound = await transport.bind();
    const held: Request[] = [];
    const arrived = Promise.withResolvers<void>();
    await using server = await startServer(bound.address, (channel) => {
      channel.serve((request) => {
        if (request.content === "hold") {
          held.push(request);
          arrived.resolve();
        } else request.reply(request.content);
      });
    });
    const reports = new Reports();
    await using channel = await openConnection(server.address, { onError: reports.push });
    const controller = new AbortController();
    const call = channel.send("hold", { signal: controller.signal });
    await arrived.promise;
    controller.abort(new Error("given up"));
    await assertRejects(call, /given up/);
    held[0].reply("too late");

    const report = await reports.find((error) => error instanceof LateReplyError);
    assert(report instanceof LateReplyError);
    assertEquals(report.callId, 0);
    assert(report.message.includes(channel.peer.address), report.message);
    assert(report.message.includes("given up on"), report.message);
    assertEquals(await channel.send("still here"), "still here");
    assertEquals(reports.errors.length, 1);
  });

  Deno.test(`${transport.name}: an undecodable request is answered, reported, and costs nothing else`, async () => {
    await using bound = await transport.bind();
    const reports = new Reports();
    await using server = await startServer(bound.address, echo, { onError: reports.push });
    await using peer = await RawPeer.connect(server);
    await peer.writeJson('[0, 0, "first"]');
    assertEquals(await peer.readJson(), [1, 0, "first"]);
    await peer.writeJson('[0, 5, {"__type__": [9, "x"]}]');
    const reply = await peer.readJson() as unknown[];
    assertEquals(reply.slice(0, 2), [2, 5]);
    const report = await reports.find((error) => error instanceof ProtocolError);
    assert(/undecodable request 5 from .*Unknown type id 9/.test(report.message), report.message);
    await peer.writeJson('[0, 6, "after"]');
    assertEquals(await peer.readJson(), [1, 6, "after"]);
  });

  Deno.test(`${transport.name}: a frame that cannot be decoded closes only its connection and is reported`, async () => {
    await using bound = await transport.bind();
    const reports = new Reports();
    await using server = await startServer(bound.address, echo, { onError: reports.push });
    await using other = await openConnection(server.address);
    await using peer = await RawPeer.connect(server);
    await peer.writeJson('[0, 0, "first"]');
    assertEquals(await peer.readJson(), [1, 0, "first"]);
    await peer.writeFrame(new Uint8Array([0xff, 0xfe, 0x00]));
    assert(await peer.readsEnd());

    const report = await reports.find((error) => error instanceof ProtocolError);
    assert(
      /^Closed the connection to .*: cannot decode a message/.test(report.message),
      report.message,
    );
    // Not the first frame: nothing suggests another codec.
    assert(!report.message.includes("another codec"), report.message);
    assertEquals(await other.send("unharmed"), "unharmed");
  });

  Deno.test(`${transport.name}: a reply with an id this side never used is reported`, async () => {
    await using bound = await transport.bind();
    await using raw = rawServer(bound.address);
    const reports = new Reports();
    const connecting = openConnection(raw.address, { onError: reports.push });
    await using peer = RawPeer.from(await raw.listener.accept());
    await using channel = await connecting;
    await peer.writeJson('[1, 99, "unasked"]');
    const report = await reports.find((error) => error instanceof LateReplyError);
    assert(report.message.includes("never made"), report.message);
    const call = channel.send("ping");
    assertEquals(await peer.readJson(), [0, 0, "ping"]);
    await peer.writeJson('[1, 0, "pong"]');
    assertEquals(await call, "pong");
  });

  Deno.test(`${transport.name}: a reply whose id is a bigint is reported, and the connection carries on`, async () => {
    await using bound = await transport.bind();
    await using raw = rawServer(bound.address);
    const reports = new Reports();
    const connecting = openConnection(raw.address, { onError: reports.push });
    await using peer = RawPeer.from(await raw.listener.accept());
    await using channel = await connecting;
    await peer.writeJson('[1, 123456789012345678901234567890, "unasked"]');
    const report = await reports.find((error) => error instanceof LateReplyError);
    assert(report.message.includes("123456789012345678901234567890"), report.message);
    const call = channel.send("ping");
    assertEquals(await peer.readJson(), [0, 0, "ping"]);
    await peer.writeJson('[1, 0, "pong"]');
    assertEquals(await call, "pong");
  });
}

Deno.test("an onError hook that throws is logged, and the channel carries on", async () => {
  const arrived = Promise.withResolvers<Request>();
  await using server = await startServer(["127.0.0.1", 0], (channel) => {
    channel.serve((request) => {
      if (request.content === "hold") arrived.resolve(request);
      else request.reply(request.content);
    });
  });
  let calls = 0;
  await using channel = await openConnection(server.address, {
    onError: () => {
      calls++;
      throw new Error("a broken hook");
    },
  });
  const call = channel.send("hold", { timeout: 1 });
  await assertRejects(call);
  (await arrived.promise).reply("late");
  assertEquals(await channel.send("after"), "after");
  assertEquals(calls, 1);
});

Deno.test("the server reports a failing channel handler to onError and keeps serving", async () => {
  const reports = new Reports();
  let first = true;
  await using server = await startServer(["127.0.0.1", 0], (channel) => {
    if (first) {
      first = false;
      throw new RangeError("handler bug");
    }
    echo(channel);
  }, { onError: reports.push });
  await using broken = await openConnection(server.address);
  await assertRejects(broken.send("x"));
  const report = await reports.find((error) => /handler bug/.test(error.message));
  assert(/channel handler for .* failed: RangeError: handler bug/.test(report.message));
  assert(report.cause instanceof RangeError);
  await using good = await openConnection(server.address);
  assertEquals(await good.send("fine"), "fine");
});

Deno.test("a refused TLS handshake goes to the server's onError, and good clients still connect", async () => {
  const reports = new Reports();
  await using server = await startServer(["127.0.0.1", 0], echo, {
    tls: settings("server"),
    onError: reports.push,
  });
  const plain = await openConnection(server.address);
  await assertRejects(plain.send("ohai"));
  await plain.close();
  const report = await reports.find((error) => error instanceof TlsHandshakeError);
  assert(/does not speak TLS/.test(report.message), report.message);

  await using good = await openConnection(server.address, { tls: settings("client") });
  assertEquals(await good.send("ohai"), "ohai");
});

Deno.test("an explicit TLS onError still takes the TLS failures instead of onError", async () => {
  const reports = new Reports();
  const handshakes = new Reports();
  await using server = await startServer(["127.0.0.1", 0], echo, {
    tls: settings("server", { onError: handshakes.push }),
    onError: reports.push,
  });
  const plain = await openConnection(server.address);
  await assertRejects(plain.send("ohai"));
  await plain.close();
  await handshakes.find((error) => error instanceof TlsHandshakeError);
  assertEquals(reports.errors.length, 0);
});

Deno.test("an onConnectionReset callback that throws is reported to the connection's onError", async () => {
  const server = await startServer(["127.0.0.1", 0], echo);
  const reports = new Reports();
  await using client = await openRpc(server.address, { onError: reports.push });
  client.onConnectionReset(() => {
    throw new Error("callback bug");
  });
  await server.close();
  const report = await reports.find((error) => /callback bug/.test(error.message));
  assert(/onConnectionReset callback for .* failed: Error: callback bug/.test(report.message));
  assert(report.cause instanceof Error);
});
