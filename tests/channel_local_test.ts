import {
  deepStrictEqual as assertEquals,
  rejects as assertRejects,
  strictEqual,
} from "node:assert/strict";
import { LocalTransport } from "../channel/local.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function readAll(conn: { read(b: Uint8Array): Promise<number | null> }): Promise<string> {
  const buffer = new Uint8Array(7);
  let text = "";
  for (;;) {
    const n = await conn.read(buffer);
    if (n === null) return text;
    text += decoder.decode(buffer.subarray(0, n));
  }
}

Deno.test("LocalTransport carries bytes both ways and signals end of stream", async () => {
  const transport = new LocalTransport();
  const listener = await transport.listen({ transport: "local", name: "q" });
  try {
    const client = await transport.connect({ transport: "local", name: "q" });
    const server = await listener.accept();
    strictEqual(server.localAddress, "local://q");
    strictEqual(client.peer.address, "local://q");
    await client.write(encoder.encode("hello, "));
    await client.write(encoder.encode("server and more"));
    await server.write(encoder.encode("hi"));
    client.close();
    assertEquals(await readAll(server), "hello, server and more");
    const buffer = new Uint8Array(8);
    strictEqual(await client.read(buffer), null, "a closed side reads end of stream");
    await assertRejects(server.write(encoder.encode("late")), Deno.errors.BrokenPipe);
    server.close();
  } finally {
    listener.close();
  }
});

Deno.test("LocalTransport copies written data, so writers may reuse buffers", async () => {
  const transport = new LocalTransport();
  const listener = await transport.listen({ transport: "local", name: "copy" });
  try {
    const client = await transport.connect({ transport: "local", name: "copy" });
    const server = await listener.accept();
    const data = encoder.encode("abc");
    await client.write(data);
    data.fill(0);
    client.close();
    assertEquals(await readAll(server), "abc");
    server.close();
  } finally {
    listener.close();
  }
});

Deno.test("LocalTransport applies backpressure until the reader drains", async () => {
  const transport = new LocalTransport();
  const listener = await transport.listen({ transport: "local", name: "bp" });
  try {
    const client = await transport.connect({ transport: "local", name: "bp" });
    const server = await listener.accept();
    let written = false;
    const write = client.write(new Uint8Array(2 << 20)).then(() => written = true);
    await new Promise((resolve) => setTimeout(resolve, 0));
    strictEqual(written, false, "a write above the high-water mark waits");
    const buffer = new Uint8Array(64 * 1024);
    let total = 0;
    while (total < 2 << 20) total += (await server.read(buffer))!;
    await write;
    strictEqual(written, true);
    client.close();
    server.close();
  } finally {
    listener.close();
  }
});

Deno.test("LocalTransport refuses unknown names and names in use", async () => {
  const transport = new LocalTransport();
  await assertRejects(
    transport.connect({ transport: "local", name: "nobody" }),
    (error: unknown) =>
      error instanceof Deno.errors.ConnectionRefused &&
      /Nothing listens at local:\/\/nobody/.test(error.message),
  );
  const listener = await transport.listen({ transport: "local", name: "taken" });
  await assertRejects(
    transport.listen({ transport: "local", name: "taken" }),
    (error: unknown) =>
      error instanceof Deno.errors.AddrInUse &&
      /local:\/\/taken is already in use/.test(error.message),
  );
  listener.close();
  listener.close();
  const again = await transport.listen({ transport: "local", name: "taken" });
  again.close();
});

Deno.test("LocalTransport listener stops iterating and rejects accept once closed", async () => {
  const transport = new LocalTransport();
  const listener = await transport.listen({ transport: "local", name: "iter" });
  const accepted: string[] = [];
  const loop = (async () => {
    for await (const conn of listener) {
      accepted.push(conn.peer.address);
      conn.close();
    }
  })();
  const a = await transport.connect({ transport: "local", name: "iter" });
  const b = await transport.connect({ transport: "local", name: "iter" });
  await new Promise((resolve) => setTimeout(resolve, 0));
  listener.close();
  await loop;
  strictEqual(accepted.length, 2);
  await assertRejects(listener.accept(), Deno.errors.BadResource);
  a.close();
  b.close();
});

Deno.test("LocalTransport connect rejects with the reason of an aborted signal", async () => {
  const transport = new LocalTransport();
  await assertRejects(
    transport.connect({ transport: "local", name: "x" }, AbortSignal.abort(new Error("nope"))),
    /nope/,
  );
});
