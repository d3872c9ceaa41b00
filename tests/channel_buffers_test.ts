/**
 * What a channel holds in buffers over real TCP sockets: a small read buffer
 * while idle, growth only with bytes that arrived, no write buffer once the
 * queue is written.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import {
  type Channel,
  type Conn,
  ConnectionResetError,
  type Endpoint,
  type Listener,
  ProtocolError,
  startServer,
  tcpTransport,
  type Transport,
} from "../channel/mod.ts";
import { encodeFrame, FrameReader } from "../channel/frame.ts";
import { MAX_READ_SIZE, MIN_READ_SIZE } from "../channel/_buffers.ts";
import { bufferUsage } from "../channel/channel.ts";

/** A server-side connection that records its reads, so a test can wait for bytes to arrive. */
class ObservedConn implements Conn {
  readonly peer: Conn["peer"];
  readonly localAddress: string;
  readonly #conn: Conn;
  /** Bytes read so far. */
  received = 0;
  /** The size of every buffer a read was given (the memory a pending read holds). */
  readonly offered: number[] = [];
  #waiters: { bytes: number; resolve: () => void }[] = [];

  constructor(conn: Conn) {
    this.#conn = conn;
    this.peer = conn.peer;
    this.localAddress = conn.localAddress;
  }

  /** Resolves once `bytes` bytes were read in all. */
  receivedAtLeast(bytes: number): Promise<void> {
    if (this.received >= bytes) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiters.push({ bytes, resolve });
    return promise;
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    this.offered.push(buffer.buffer.byteLength);
    const count = await this.#conn.read(buffer);
    if (count !== null) {
      this.received += count;
      this.#waiters = this.#waiters.filter((waiter) => {
        if (this.received < waiter.bytes) return true;
        waiter.resolve();
        return false;
      });
    }
    return count;
  }

  write(data: Uint8Array): Promise<number> {
    return this.#conn.write(data);
  }

  close(): void {
    this.#conn.close();
  }
}

/** TCP whose accepted connections are {@linkcode ObservedConn}s, handed to `accepted`. */
function observedTcp(accepted: (conn: ObservedConn) => void): Transport {
  return {
    connect: (endpoint, signal) => tcpTransport.connect(endpoint, signal),
    async listen(endpoint: Endpoint): Promise<Listener> {
      const listener = await tcpTransport.listen(endpoint);
      const accept = async (): Promise<Conn> => {
        const conn = new ObservedConn(await listener.accept());
        accepted(conn);
        return conn;
      };
      return {
        endpoint: listener.endpoint,
        accept,
        [Symbol.asyncIterator]: () => ({
          next: async () => ({ value: await accept(), done: false }),
        }),
        close: () => listener.close(),
      };
    },
  };
}

/** A server whose one connection the test watches, and a raw client socket to it. */
async function watchedServer(options: { maxFrameSize?: number } = {}) {
  const conn = Promise.withResolvers<ObservedConn>();
  const channel = Promise.withResolvers<Channel>();
  const server = await startServer(["127.0.0.1", 0], (accepted) => {
    accepted.serve((request) => request.reply(JSON.stringify(request.content).length));
    channel.resolve(accepted);
  }, { ...options, transport: observedTcp((accepted) => conn.resolve(accepted)) });
  const endpoint = server.endpoint as { hostname: string; port: number };
  const client = await Deno.connect({ hostname: endpoint.hostname, port: endpoint.port });
  return {
    server,
    client,
    conn: await conn.promise,
    channel: await channel.promise,
    async [Symbol.asyncDispose]() {
      try {
        client.close();
      } catch { /* closed by the test */ }
      await server.close();
    },
  };
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await conn.write(bytes.subarray(written));
  }
}

const replies = new WeakMap<Deno.Conn, FrameReader>();

/** Reads the next frame's payload as JSON. */
async function readJson(conn: Deno.Conn): Promise<unknown> {
  let reader = replies.get(conn);
  if (reader === undefined) replies.set(conn, reader = new FrameReader());
  while (true) {
    const frame = reader.next();
    if (frame !== undefined) return JSON.parse(new TextDecoder().decode(frame));
    const count = await conn.read(reader.readable());
    if (count === null) throw new Error("end of stream instead of a frame");
    reader.commit(count);
  }
}

function request(id: number, content: unknown): Uint8Array {
  return encodeFrame(new TextEncoder().encode(JSON.stringify([0, id, content])));
}

/** Lets the queued reads and writes run (no timing: a bounded number of turns). */
async function turns(until: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !until(); i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

Deno.test("tcp: a header announcing 64 MiB reserves nothing before the bytes arrive", async () => {
  await using peer = await watchedServer();
  await writeAll(peer.client, new Uint8Array([4, 0, 0, 0]));
  await peer.conn.receivedAtLeast(4);
  assertEquals(bufferUsage(peer.channel).read, MIN_READ_SIZE);
  // 300 KiB of it, in 3 KiB writes: the buffer grows with what arrived only.
  const chunk = new Uint8Array(3 * 1024).fill(0x20);
  for (let sent = 0; sent < 300 * 1024; sent += chunk.length) {
    await writeAll(peer.client, chunk);
    await peer.conn.receivedAtLeast(4 + sent + chunk.length);
    const held = bufferUsage(peer.channel).read;
    assert(held <= Math.max(MAX_READ_SIZE, 2 * peer.conn.received), `${held} held`);
  }
  assert(Math.max(...peer.conn.offered) <= 2 * peer.conn.received, "no read got a 64 MiB buffer");
  peer.client.close();
  const reason = await peer.channel.closed;
  assert(reason instanceof ConnectionResetError);
  assert(reason.message.includes(`${300 * 1024} of ${64 * 1024 * 1024} payload bytes`));
  assertEquals(bufferUsage(peer.channel).read, 0, "the buffer is released once reading stopped");
});

Deno.test("tcp: a frame arriving in many small chunks is reassembled, then the buffer shrinks", async () => {
  await using peer = await watchedServer();
  const text = "denomas ".repeat(40_000); // a 320 KB request
  const frame = request(7, text);
  for (let offset = 0; offset < frame.length; offset += 1000) {
    await writeAll(peer.client, frame.subarray(offset, offset + 1000));
  }
  assertEquals(await readJson(peer.client), [1, 7, JSON.stringify(text).length]);
  assert(peer.conn.offered.length >= 5, "the frame came in many reads");
  assert(bufferUsage(peer.channel).read <= MAX_READ_SIZE, "the large buffer is gone");
  // Small calls halve the read size until it is back at the minimum.
  for (let id = 8; id < 30; id++) {
    await writeAll(peer.client, request(id, "x"));
    assertEquals(await readJson(peer.client), [1, id, 3]);
  }
  assertEquals(bufferUsage(peer.channel).read, MIN_READ_SIZE);
  assertEquals(peer.conn.offered.at(-1), MIN_READ_SIZE);
});

Deno.test("tcp: an oversize header is refused from the header, with nothing reserved", async () => {
  await using peer = await watchedServer({ maxFrameSize: 1024 * 1024 });
  await writeAll(peer.client, new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
  const reason = await peer.channel.closed;
  assert(reason instanceof ProtocolError);
  assert(reason.message.includes("4294967295 bytes exceeds the limit of 1048576 bytes"));
  assert(Math.max(...peer.conn.offered) <= MIN_READ_SIZE);
});

Deno.test("tcp: write buffers exist only while replies wait to be written", async () => {
  await using peer = await watchedServer();
  assertEquals(bufferUsage(peer.channel).write, 0, "a new channel holds no write buffer");
  for (let id = 0; id < 3; id++) {
    await writeAll(peer.client, request(id, "ohai"));
    assertEquals(await readJson(peer.client), [1, id, 6]);
    await turns(() => bufferUsage(peer.channel).write === 0);
    assertEquals(bufferUsage(peer.channel).write, 0);
  }
  // A burst of replies, one of them larger than a batch: all released once written.
  const burst = [request(10, "a".repeat(100_000)), request(11, "b"), request(12, "c")];
  await writeAll(peer.client, Uint8Array.from(burst.flatMap((bytes) => [...bytes])));
  for (const id of [10, 11, 12]) assertEquals(((await readJson(peer.client)) as number[])[1], id);
  await turns(() => bufferUsage(peer.channel).write === 0);
  assertEquals(bufferUsage(peer.channel).write, 0);
});
