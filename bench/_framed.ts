/**
 * A small framed message port over the same sockets as the raw echo (TCP,
 * Unix, mutual TLS), for running other RPC libraries on our transport: every
 * message is one length-prefixed frame, and the frames sent in one tick leave
 * in one write.
 *
 * @module
 */
import * as tls from "node:tls";
import {
  connectTlsClient,
  FrameBuffer,
  HEADER_SIZE,
  type Pki,
  type TransportName,
  writeAll,
} from "./_common.ts";
import { splitHostPort } from "./_raw_echo.ts";

/** One framed connection: `send` bytes, get whole messages through `onMessage`. */
export class FramedPort {
  #write: (data: Uint8Array) => Promise<void>;
  #close: () => void;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #flushing = false;
  #buffer = new FrameBuffer();
  #listeners: ((message: Uint8Array) => void)[] = [];
  #pending: Uint8Array[] = [];
  #closedListeners: ((error: Error) => void)[] = [];
  /** Set once the connection is gone. */
  closed = false;

  /**
   * @param write writes all of a chunk
   * @param close closes the connection
   */
  constructor(write: (data: Uint8Array) => Promise<void>, close: () => void) {
    this.#write = write;
    this.#close = close;
  }

  /** Queues one message; the queue is flushed in one write per tick. */
  send(message: Uint8Array): void {
    if (this.closed) throw new Error("framed port is closed");
    this.#queue.push(message);
    this.#queued += HEADER_SIZE + message.length;
    if (!this.#flushing) {
      this.#flushing = true;
      queueMicrotask(() => this.#flush());
    }
  }

  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0 && !this.closed) {
        const out = new Uint8Array(this.#queued);
        const view = new DataView(out.buffer);
        let pos = 0;
        for (const m of this.#queue) {
          view.setUint32(pos, m.length);
          out.set(m, pos + HEADER_SIZE);
          pos += HEADER_SIZE + m.length;
        }
        this.#queue = [];
        this.#queued = 0;
        await this.#write(out);
      }
    } catch (error) {
      this.fail(error as Error);
    } finally {
      this.#flushing = false;
    }
  }

  /** Calls `listener` with every whole message (as a view valid during the call). */
  onMessage(listener: (message: Uint8Array) => void): void {
    this.#listeners.push(listener);
    for (const m of this.#pending.splice(0)) listener(m);
  }

  /** Calls `listener` once when the connection fails or closes. */
  onClose(listener: (error: Error) => void): void {
    this.#closedListeners.push(listener);
  }

  /** Feeds bytes read from the connection. */
  feed(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const space = this.#buffer.space();
      const n = Math.min(space.length, chunk.length - offset);
      space.set(chunk.subarray(offset, offset + n));
      this.#buffer.commit(n);
      offset += n;
      this.#deliver();
    }
  }

  /** The space to read into directly, then `commit`. */
  space(): Uint8Array {
    return this.#buffer.space();
  }

  /** Records `n` bytes read into `space()` and delivers whole messages. */
  commit(n: number): void {
    this.#buffer.commit(n);
    this.#deliver();
  }

  #deliver(): void {
    const { bytes, count } = this.#buffer.take();
    if (count === 0) return;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let pos = 0;
    for (let i = 0; i < count; i++) {
      const len = view.getUint32(pos);
      // Copy: the receive buffer is reused and messages may outlive this call.
      const message = bytes.slice(pos + HEADER_SIZE, pos + HEADER_SIZE + len);
      pos += HEADER_SIZE + len;
      if (this.#listeners.length === 0) this.#pending.push(message);
      for (const l of this.#listeners) l(message);
    }
  }

  /** Marks the port closed and tells the close listeners. */
  fail(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.#closedListeners) l(error);
    this.close();
  }

  /** Closes the connection. */
  close(): void {
    this.closed = true;
    try {
      this.#close();
    } catch { /* already closed */ }
  }
}

function fromDenoConn(conn: Deno.Conn): FramedPort {
  const port = new FramedPort((data) => writeAll(conn, data), () => conn.close());
  (async () => {
    try {
      while (true) {
        const n = await conn.read(port.space());
        if (n === null) break;
        port.commit(n);
      }
      port.fail(new Error("connection closed by peer"));
    } catch (error) {
      port.fail(error as Error);
    }
  })();
  return port;
}

function fromNodeSocket(socket: tls.TLSSocket): FramedPort {
  const port = new FramedPort(
    (data) =>
      new Promise<void>((resolve, reject) =>
        socket.write(data, (error) => error ? reject(error) : resolve())
      ),
    () => socket.destroy(),
  );
  socket.on("data", (chunk: Uint8Array) => port.feed(chunk));
  socket.on("error", (error) => port.fail(error));
  socket.on("close", () => port.fail(new Error("connection closed by peer")));
  return port;
}

/** A running framed server. */
export interface FramedServer {
  /** `"127.0.0.1:port"` or a Unix socket path. */
  address: string;
  /** Stops listening and closes every connection. */
  close(): void;
}

/** Listens on `transport` and hands every new connection to `onPort`. */
export async function listenFramed(
  transport: TransportName,
  options: { pki?: Pki; socketPath?: string },
  onPort: (port: FramedPort) => void,
): Promise<FramedServer> {
  const ports = new Set<FramedPort>();
  const track = (port: FramedPort) => {
    ports.add(port);
    port.onClose(() => ports.delete(port));
    onPort(port);
  };
  if (transport === "tls") {
    const pki = options.pki!;
    const [ca, cert, key] = await Promise.all(
      [pki.ca, pki.serverCert, pki.serverKey].map((p) => Deno.readTextFile(p)),
    );
    const server = tls.createServer(
      { ca, cert, key, requestCert: true, rejectUnauthorized: true },
      (socket) => {
        socket.setNoDelay(true);
        track(fromNodeSocket(socket));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
      address: `127.0.0.1:${(server.address() as { port: number }).port}`,
      close() {
        server.close();
        for (const p of ports) p.close();
      },
    };
  }
  const listener = transport === "unix"
    ? Deno.listen({ transport: "unix", path: options.socketPath! })
    : Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const conn of listener) {
      if (transport === "tcp") (conn as Deno.TcpConn).setNoDelay(true);
      track(fromDenoConn(conn));
    }
  })().catch(() => {});
  const addr = listener.addr;
  return {
    address: addr.transport === "unix" ? addr.path : `127.0.0.1:${(addr as Deno.NetAddr).port}`,
    close() {
      listener.close();
      for (const p of ports) p.close();
    },
  };
}

/** Connects to a framed server. */
export async function connectFramed(
  transport: TransportName,
  address: string,
  pki?: Pki,
): Promise<FramedPort> {
  if (transport === "unix") {
    return fromDenoConn(await Deno.connect({ transport: "unix", path: address }));
  }
  const [hostname, port] = splitHostPort(address);
  if (transport === "tcp") {
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true);
    return fromDenoConn(conn);
  }
  // Cap'n Web sends an extra "release" message per call.
  return fromNodeSocket(await connectTlsClient(hostname, port, pki!));
}
