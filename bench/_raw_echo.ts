/**
 * The baseline: a framed echo written directly on the runtime's sockets, with
 * no codec and no message layer. The server sends back every whole frame as it
 * arrives; the client measures sequential round trips and pipelined messages
 * with the same workload shapes as the denomas layers.
 *
 * TCP and Unix sockets use `Deno.listen`/`Deno.connect`. Mutual TLS uses
 * `node:tls` on both sides, as the denomas TLS transport does: a server that
 * requests and verifies client certificates (the only way to do that in Deno)
 * and a client that presents one (with Nagle's algorithm off, which a Deno
 * `TlsConn` cannot do).
 *
 * @module
 */
import * as tls from "node:tls";
import {
  connectTlsClient,
  FrameBuffer,
  frames,
  HEADER_SIZE,
  Latencies,
  type Measurement,
  PIPELINE_DEPTH,
  type Pki,
  probeEnd,
  probeStart,
  type TransportName,
  writeAll,
} from "./_common.ts";

/** A running echo server. */
export interface RawServer {
  /** `"127.0.0.1:port"` or a Unix socket path. */
  address: string;
  /** Stops listening and closes every connection. */
  close(): void;
}

/** Starts the framed echo server on `transport`; `socketPath` is used for Unix sockets. */
export async function startRawServer(
  transport: TransportName,
  options: { pki?: Pki; socketPath?: string },
): Promise<RawServer> {
  if (transport === "tls") return await startTlsServer(options.pki!);
  const listener = transport === "unix"
    ? Deno.listen({ transport: "unix", path: options.socketPath! })
    : Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      if (transport === "tcp") (conn as Deno.TcpConn).setNoDelay(true);
      echoLoop(conn).finally(() => conns.delete(conn));
    }
  })().catch(() => {});
  const addr = listener.addr;
  return {
    address: addr.transport === "unix" ? addr.path : `127.0.0.1:${(addr as Deno.NetAddr).port}`,
    close() {
      listener.close();
      for (const conn of conns) conn.close();
    },
  };
}

async function echoLoop(conn: Deno.Conn): Promise<void> {
  const buffer = new FrameBuffer();
  try {
    while (true) {
      const n = await conn.read(buffer.space());
      if (n === null) break;
      buffer.commit(n);
      const { bytes, count } = buffer.take();
      if (count > 0) await writeAll(conn, bytes);
    }
  } catch {
    // The peer went away; nothing to report for a benchmark server.
  } finally {
    try {
      conn.close();
    } catch { /* already closed */ }
  }
}

async function startTlsServer(pki: Pki): Promise<RawServer> {
  const [ca, cert, key] = await Promise.all(
    [pki.ca, pki.serverCert, pki.serverKey].map((p) => Deno.readTextFile(p)),
  );
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer(
    { ca, cert, key, requestCert: true, rejectUnauthorized: true },
    (socket) => {
      sockets.add(socket);
      socket.setNoDelay(true);
      const buffer = new FrameBuffer();
      socket.on("data", (chunk: Uint8Array) => {
        let offset = 0;
        while (offset < chunk.length) {
          const space = buffer.space();
          const n = Math.min(space.length, chunk.length - offset);
          space.set(chunk.subarray(offset, offset + n));
          buffer.commit(n);
          offset += n;
        }
        const { bytes, count } = buffer.take();
        if (count > 0) socket.write(bytes.slice());
      });
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    address: `127.0.0.1:${port}`,
    close() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

/** Opens a client connection to a raw echo server. */
export async function connectRaw(
  transport: TransportName,
  address: string,
  pki?: Pki,
): Promise<RawClient> {
  if (transport === "unix") {
    return new RawClient(await Deno.connect({ transport: "unix", path: address }));
  }
  const [hostname, port] = splitHostPort(address);
  if (transport === "tcp") {
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true);
    return new RawClient(conn);
  }
  return new RawClient(new NodeSocketConn(await connectTlsClient(hostname, port, pki!)));
}

/** The read/write/close subset of `Deno.Conn` that the client uses. */
export interface ByteConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  close(): void;
}

/** A `node:tls` socket seen through {@linkcode ByteConn}. */
class NodeSocketConn implements ByteConn {
  #socket: tls.TLSSocket;
  #chunks: Uint8Array[] = [];
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(socket: tls.TLSSocket) {
    this.#socket = socket;
    const wake = () => {
      const w = this.#wake;
      this.#wake = undefined;
      w?.();
    };
    socket.on("data", (chunk: Uint8Array) => {
      this.#chunks.push(chunk);
      wake();
    });
    socket.on("end", () => {
      this.#ended = true;
      wake();
    });
    socket.on("close", () => {
      this.#ended = true;
      wake();
    });
    socket.on("error", (error) => {
      this.#error = error;
      wake();
    });
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#error) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    const chunk = this.#chunks[0];
    const n = Math.min(buffer.length, chunk.length);
    buffer.set(chunk.subarray(0, n));
    if (n === chunk.length) this.#chunks.shift();
    else this.#chunks[0] = chunk.subarray(n);
    return n;
  }

  write(data: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) =>
      this.#socket.write(data, (error) => error ? reject(error) : resolve(data.length))
    );
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** `"host:port"` → `[host, port]`. */
export function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(":");
  return [address.slice(0, i), Number(address.slice(i + 1))];
}

/** A client of the raw echo server. */
export class RawClient {
  #conn: ByteConn;
  #buffer = new FrameBuffer();

  /** @param conn an open connection to the echo server */
  constructor(conn: ByteConn) {
    this.#conn = conn;
  }

  /** Sends one frame and waits for its echo. */
  async roundTrip(frame: Uint8Array): Promise<void> {
    await writeAll(this.#conn, frame);
    while (true) {
      const { count } = this.#buffer.take();
      if (count > 0) return;
      const n = await this.#conn.read(this.#buffer.space());
      if (n === null) throw new Error("raw echo server closed the connection");
      this.#buffer.commit(n);
    }
  }

  /** Sequential round trips of `payload` for `seconds`, after `warmup` seconds. */
  async sequential(payload: Uint8Array, seconds: number, warmup: number): Promise<Measurement> {
    const frame = frames(payload);
    let end = performance.now() + warmup * 1000;
    while (performance.now() < end) await this.roundTrip(frame);
    const lat = new Latencies();
    probeStart();
    const start = performance.now();
    end = start + seconds * 1000;
    let now = start;
    let calls = 0;
    while (now < end) {
      await this.roundTrip(frame);
      const t = performance.now();
      lat.add(t - now);
      now = t;
      calls++;
    }
    const faults = probeEnd();
    return { calls, seconds: (now - start) / 1000, ...lat.percentiles(), faults };
  }

  /**
   * Keeps `depth` frames of `payload` in flight for `seconds` (after
   * `warmup`): every echo that comes back is replaced by a new frame, and all
   * the replacements for one read leave in one write.
   */
  async pipelined(
    payload: Uint8Array,
    seconds: number,
    warmup: number,
    depth = PIPELINE_DEPTH,
  ): Promise<Measurement> {
    const batch = frames(payload, depth);
    const frameSize = HEADER_SIZE + payload.length;
    let writing = Promise.resolve();
    const send = (count: number) => {
      const chunk = batch.subarray(0, count * frameSize);
      writing = writing.then(() => writeAll(this.#conn, chunk));
    };
    let inFlight = depth;
    send(depth);
    const warmEnd = performance.now() + warmup * 1000;
    let start = 0;
    let end = Infinity;
    let calls = 0;
    let stopped = 0;
    let faults: number[] = [];
    while (inFlight > 0) {
      const n = await this.#conn.read(this.#buffer.space());
      if (n === null) throw new Error("raw echo server closed the connection");
      this.#buffer.commit(n);
      const { count } = this.#buffer.take();
      if (count === 0) continue;
      inFlight -= count;
      const now = performance.now();
      if (start === 0 && now >= warmEnd) {
        probeStart();
        start = now;
        end = now + seconds * 1000;
      } else if (start !== 0 && stopped === 0) {
        calls += count;
        if (now >= end) {
          stopped = now;
          faults = probeEnd();
        }
      }
      if (stopped === 0) {
        send(count);
        inFlight += count;
      }
    }
    await writing;
    return { calls, seconds: (stopped - start) / 1000, faults };
  }

  /** Closes the connection. */
  close(): void {
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }
}
