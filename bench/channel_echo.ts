/**
 * Channel layer throughput: a 20-byte echo, sequential (one request at a
 * time) and pipelined (100 in flight), over TCP and Unix sockets, next to a
 * raw framed echo (no codec, no message layer) over the same transport in
 * the same run. The server runs in a child process, so client and server
 * each get a core.
 *
 * ```sh
 * deno task bench:channel                           # 2 s per case, best of 3 rounds
 * deno run -A bench/channel_echo.ts                 # the same
 * deno run -A bench/channel_echo.ts --seconds 5 --rounds 5 --transport tcp --codec msgpack
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Json } from "../codecs/json.ts";
import { MsgPack } from "../codecs/msgpack.ts";
import type { CodecClass } from "../codecs/codec.ts";
import { openConnection, startServer } from "../channel/mod.ts";

/** Requests kept in flight by the pipelined cases. */
const PIPELINE_DEPTH = 100;
/** The echoed content: a 20-character string. */
const CONTENT = "0123456789abcdefghij";
/** The raw echo's payload: 20 bytes. */
const RAW_PAYLOAD = new TextEncoder().encode(CONTENT);

const CODECS: Record<string, CodecClass> = { json: Json, msgpack: MsgPack };

type Kind = "raw" | "json" | "msgpack";
type TransportName = "tcp" | "unix";

// ---------------------------------------------------------------- server side

async function serve(kind: Kind, transport: TransportName, path: string): Promise<void> {
  const address = transport === "tcp" ? "127.0.0.1:0" : path;
  let close: () => Promise<void> | void;
  let printed: string;
  if (kind === "raw") {
    const listener = transport === "tcp"
      ? Deno.listen({ hostname: "127.0.0.1", port: 0 })
      : Deno.listen({ transport: "unix", path });
    const conns = new Set<Deno.Conn>();
    (async () => {
      for await (const conn of listener) {
        if (transport === "tcp") (conn as Deno.TcpConn).setNoDelay(true);
        conns.add(conn);
        rawEcho(conn).finally(() => conns.delete(conn));
      }
    })().catch(() => {});
    const addr = listener.addr;
    printed = addr.transport === "tcp" ? `127.0.0.1:${addr.port}` : path;
    close = () => {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* closed already by its echo loop */ }
      }
    };
  } else {
    const server = await startServer(address, (channel) => {
      channel.serve((request) => {
        request.reply(request.content);
      });
    }, { codec: CODECS[kind] });
    printed = server.address;
    close = () => server.close();
  }
  console.log(`READY ${printed}`);
  // Run until the parent closes our standard input.
  for await (const _ of Deno.stdin.readable) { /* drain */ }
  await close();
}

/** Echoes every complete frame back in one write per read. */
async function rawEcho(conn: Deno.Conn): Promise<void> {
  let buffer = new Uint8Array(256 * 1024);
  let start = 0;
  let end = 0;
  try {
    while (true) {
      if (buffer.length - end < 16 * 1024) {
        const next = new Uint8Array(Math.max(buffer.length, (end - start) * 2 + 16 * 1024));
        next.set(buffer.subarray(start, end));
        buffer = next;
        end -= start;
        start = 0;
      }
      const n = await conn.read(buffer.subarray(end));
      if (n === null) break;
      end += n;
      let pos = start;
      while (end - pos >= 4) {
        const length = (buffer[pos] << 24 | buffer[pos + 1] << 16 | buffer[pos + 2] << 8 |
          buffer[pos + 3]) >>> 0;
        if (end - pos - 4 < length) break;
        pos += 4 + length;
      }
      if (pos > start) {
        const out = buffer.slice(start, pos);
        start = pos;
        if (start === end) start = end = 0;
        let written = 0;
        while (written < out.length) written += await conn.write(out.subarray(written));
      }
    }
  } catch {
    // The client went away; a benchmark server has nobody to tell.
  } finally {
    try {
      conn.close();
    } catch { /* closed already */ }
  }
}

// ---------------------------------------------------------------- client side

interface Client {
  /** One round trip. */
  call(): Promise<unknown>;
  /** Keeps `depth` requests in flight until `count` replies came back. */
  pipeline(count: number, depth: number): Promise<void>;
  close(): Promise<void> | void;
}

async function rawClient(transport: TransportName, address: string): Promise<Client> {
  const conn = transport === "tcp"
    ? await Deno.connect({
      hostname: "127.0.0.1",
      port: Number(address.slice(address.lastIndexOf(":") + 1)),
    })
    : await Deno.connect({ transport: "unix", path: address });
  if (transport === "tcp") (conn as Deno.TcpConn).setNoDelay(true);
  const frame = new Uint8Array(4 + RAW_PAYLOAD.length);
  new DataView(frame.buffer).setUint32(0, RAW_PAYLOAD.length);
  frame.set(RAW_PAYLOAD, 4);
  const frameSize = frame.length;
  const batch = new Uint8Array(frameSize * PIPELINE_DEPTH);
  for (let i = 0; i < PIPELINE_DEPTH; i++) batch.set(frame, i * frameSize);
  const buffer = new Uint8Array(256 * 1024);
  let pending = 0; // bytes of a partial reply frame carried over
  async function writeAll(data: Uint8Array): Promise<void> {
    let written = 0;
    while (written < data.length) written += await conn.write(data.subarray(written));
  }
  /** Reads until `frames` whole replies arrived (all replies have the same size). */
  async function readFrames(frames: number): Promise<number> {
    const bytes = pending + (await conn.read(buffer) ?? fail());
    const got = Math.min(frames, Math.floor(bytes / frameSize));
    pending = bytes - got * frameSize;
    return got;
  }
  return {
    async call() {
      // Start the read before the write completes, as the channel's read loop does.
      const writing = writeAll(frame);
      let got = 0;
      while (got < 1) got += await readFrames(1);
      await writing;
    },
    async pipeline(count, depth) {
      let sent = Math.min(depth, count);
      await writeAll(batch.subarray(0, sent * frameSize));
      let received = 0;
      while (received < count) {
        const got = await readFrames(sent - received);
        received += got;
        const more = Math.min(got, count - sent);
        if (more > 0) {
          sent += more;
          await writeAll(batch.subarray(0, more * frameSize));
        }
      }
    },
    close: () => conn.close(),
  };
}

function fail(): never {
  throw new Error("The server closed the connection");
}

async function channelClient(kind: Kind, address: string): Promise<Client> {
  const channel = await openConnection(address, { codec: CODECS[kind] });
  return {
    call: () => channel.send(CONTENT),
    pipeline(count, depth) {
      const { promise, resolve, reject } = Promise.withResolvers<void>();
      let sent = 0;
      let received = 0;
      const onReply = () => {
        received++;
        if (sent < count) {
          sent++;
          channel.send(CONTENT).then(onReply, reject);
        } else if (received === count) {
          resolve();
        }
      };
      for (; sent < Math.min(depth, count);) {
        sent++;
        channel.send(CONTENT).then(onReply, reject);
      }
      return promise;
    },
    close: () => channel.close(),
  };
}

/** Runs `step` repeatedly for about `seconds`, returns operations per second. */
async function rate(seconds: number, step: () => Promise<number>): Promise<number> {
  // Warm up for a fifth of the time, then measure.
  const warm = performance.now() + seconds * 200;
  while (performance.now() < warm) await step();
  const start = performance.now();
  const stop = start + seconds * 1000;
  let ops = 0;
  while (performance.now() < stop) ops += await step();
  return ops / ((performance.now() - start) / 1000);
}

async function measure(
  kind: Kind,
  transport: TransportName,
  seconds: number,
): Promise<{ seq: number; pipe: number }> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/echo.sock`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--serve", kind, transport, path],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("server exited before READY");
      text += value;
    }
    reader.releaseLock();
    void child.stdout.cancel().catch(() => {});
    const address = text.slice(text.indexOf("READY ") + 6, text.indexOf("\n"));
    const client = kind === "raw"
      ? await rawClient(transport, address)
      : await channelClient(kind, address);
    try {
      const seq = await rate(seconds, async () => {
        for (let i = 0; i < 100; i++) await client.call();
        return 100;
      });
      const pipe = await rate(seconds, async () => {
        await client.pipeline(10_000, PIPELINE_DEPTH);
        return 10_000;
      });
      return { seq, pipe };
    } finally {
      await client.close();
    }
  } finally {
    await child.stdin.close();
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      serve: { type: "boolean" },
      seconds: { type: "string", default: "2" },
      rounds: { type: "string", default: "3" },
      transport: { type: "string", default: "tcp,unix" },
      codec: { type: "string", default: "json,msgpack" },
    },
    allowPositionals: true,
  });
  if (values.serve) {
    const [kind, transport, path] = Deno.args.slice(Deno.args.indexOf("--serve") + 1);
    await serve(kind as Kind, transport as TransportName, path);
  } else {
    const seconds = Number(values.seconds);
    const rounds = Number(values.rounds);
    const kinds: Kind[] = ["raw", ...values.codec.split(",") as Kind[]];
    const transports = values.transport.split(",") as TransportName[];
    const load = Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
    console.log(
      `channel echo of ${CONTENT.length} bytes, server in a child process, ${seconds} s per case, ` +
        `best of ${rounds} interleaved rounds, pipelined depth ${PIPELINE_DEPTH}; ` +
        `deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores, load average ${load}`,
    );
    const best = new Map<string, { seq: number; pipe: number }>();
    for (let round = 0; round < rounds; round++) {
      for (const transport of transports) {
        for (const kind of kinds) {
          const { seq, pipe } = await measure(kind, transport, seconds);
          const key = `${transport}/${kind}`;
          const previous = best.get(key) ?? { seq: 0, pipe: 0 };
          best.set(key, { seq: Math.max(previous.seq, seq), pipe: Math.max(previous.pipe, pipe) });
        }
      }
    }
    console.log("");
    console.log(
      "| transport | layer | codec | sequential round trips/s | pipelined msgs/s | seq vs raw | pipe vs raw |",
    );
    console.log("| --- | --- | --- | ---: | ---: | ---: | ---: |");
    const format = (n: number) => Math.round(n).toLocaleString("en");
    for (const transport of transports) {
      const raw = best.get(`${transport}/raw`)!;
      for (const kind of kinds) {
        const { seq, pipe } = best.get(`${transport}/${kind}`)!;
        const isRaw = kind === "raw";
        console.log(
          `| ${transport} | ${isRaw ? "raw framed echo" : "channel"} | ${isRaw ? "-" : kind} | ` +
            `${format(seq)} | ${format(pipe)} | ` +
            `${isRaw ? "" : `${(seq / raw.seq * 100).toFixed(0)} %`} | ` +
            `${isRaw ? "" : `${(pipe / raw.pipe * 100).toFixed(0)} %`} |`,
        );
      }
    }
  }
}
