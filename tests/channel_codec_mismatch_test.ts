/**
 * Two peers with different codecs: both sides say that the peer probably
 * uses another codec, naming their own, instead of a bare "closed by the
 * peer".
 *
 * @module
 */

import { ok as assert, rejects as assertRejects } from "node:assert/strict";
import { openConnection, ProtocolError, startServer } from "../channel/mod.ts";
import { type CodecClass, Json, MsgPack } from "../codecs/mod.ts";
import { MsgPackBlosc } from "../codecs/blosc/mod.ts";
import { expose, openConnection as openRpc, startServer as startRpc } from "../rpc/mod.ts";
import { Reports } from "./_reports.ts";

const PAIRS: [client: CodecClass, server: CodecClass, clientLabel: string, serverLabel: string][] =
  [
    [Json, MsgPack, "JSON", "MsgPack"],
    [MsgPack, Json, "MsgPack", "JSON"],
    [MsgPack, MsgPackBlosc, "MsgPack", "MsgPackBlosc"],
  ];

for (const [clientCodec, serverCodec, ours, theirs] of PAIRS) {
  Deno.test(`a ${ours} client calling a ${theirs} server hears that the peer probably uses another codec; so does the server's onError`, async () => {
    const serverReports = new Reports();
    await using server = await startServer(["127.0.0.1", 0], (channel) => {
      channel.serve((request) => request.reply(request.content));
    }, { codec: serverCodec, onError: serverReports.push });
    const clientReports = new Reports();
    await using channel = await openConnection(server.address, {
      codec: clientCodec,
      onError: clientReports.push,
    });

    await assertRejects(channel.send(["ping", [], {}]), (error) => {
      assert(error instanceof ProtocolError, String(error));
      assert(
        error.message.includes(
          `could not be decoded as ${ours}: the peer probably uses another codec`,
        ),
        error.message,
      );
      assert(error.message.includes(server.address), error.message);
      return true;
    });
    const reported = await serverReports.find((error) => error instanceof ProtocolError);
    assert(
      reported.message.includes(
        `could not be decoded as ${theirs}: the peer probably uses another codec`,
      ),
      reported.message,
    );
    // The bytes give the codec away where they can.
    if (theirs !== "MsgPackBlosc") {
      assert(reported.message.includes(`(the bytes look like ${ours})`), reported.message);
    }
    // The client's hook hears of its closed connection too.
    await clientReports.find((error) => error instanceof ProtocolError);

    // The server carries on for clients that speak its codec.
    await using good = await openConnection(server.address, { codec: serverCodec });
    assert((await good.send("fine")) === "fine");
  });
}

Deno.test("an RPC call between JSON and MsgPack peers names the codec, not just a closed connection", async () => {
  const reports = new Reports();
  await using server = await startRpc(["127.0.0.1", 0], {
    add: expose((a: number, b: number) => a + b),
  }, {
    codec: MsgPack,
    onError: reports.push,
  });
  await using client = await openRpc<{ add(a: number, b: number): number }>(server.address, {
    codec: Json,
    onError: () => {},
  });
  await assertRejects(
    client.remote.add(1, 2),
    /could not be decoded as JSON: the peer probably uses another codec \(the bytes look like MsgPack\)/,
  );
  await reports.find((error) => /decoded as MsgPack: the peer probably/.test(error.message));
});

Deno.test("a first frame of the right codec but the wrong shape does not blame the codec", async () => {
  const reports = new Reports();
  await using server = await startServer(["127.0.0.1", 0], () => {}, { onError: reports.push });
  const { port } = server.endpoint as { port: number };
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const payload = new TextEncoder().encode('{"not": "a message"}');
    const frame = new Uint8Array(4 + payload.length);
    new DataView(frame.buffer).setUint32(0, payload.length);
    frame.set(payload, 4);
    await conn.write(frame);
    const report = await reports.find((error) => error instanceof ProtocolError);
    assert(report.message.includes("expected [type, id, content]"), report.message);
    assert(!report.message.includes("another codec"), report.message);
  } finally {
    conn.close();
  }
});
