/**
 * Helpers for the channel tests: the transports every behaviour runs over,
 * and a raw framed peer that reads and writes bytes on a real socket.
 *
 * @module
 */

import type { Address } from "../channel/address.ts";
import { encodeFrame, FrameReader } from "../channel/frame.ts";
import type { ChannelServer } from "../channel/server.ts";

/** A transport the tests run over: where to bind a server. */
export interface TestTransport {
  /** `"tcp"` or `"unix"`, for test names. */
  readonly name: "tcp" | "unix";
  /** A fresh address to listen at, and a cleanup. */
  bind(): Promise<{ address: Address } & AsyncDisposable>;
}

/** TCP on 127.0.0.1 with a free port, and Unix sockets in a temporary directory. */
export const TRANSPORTS: readonly TestTransport[] = [
  {
    name: "tcp",
    bind: () =>
      Promise.resolve({ address: ["127.0.0.1", 0], [Symbol.asyncDispose]: async () => {} }),
  },
  {
    name: "unix",
    async bind() {
      const dir = await Deno.makeTempDir({ prefix: "denomas-channel-" });
      return {
        address: `${dir}/test.sock`,
        [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
      };
    },
  },
];

/** A peer that speaks raw frames on a real socket. */
export class RawPeer implements AsyncDisposable {
  readonly conn: Deno.Conn;
  readonly #reader: FrameReader;
  #closed = false;

  private constructor(conn: Deno.Conn, maxFrameSize: number) {
    this.conn = conn;
    this.#reader = new FrameReader({ maxFrameSize });
  }

  /** Connects to a server's address. */
  static async connect(server: ChannelServer, maxFrameSize = 0xffff_ffff): Promise<RawPeer> {
    const endpoint = server.endpoint;
    const conn = endpoint.transport === "tcp"
      ? await Deno.connect({ hostname: endpoint.hostname, port: endpoint.port })
      : await Deno.connect({ transport: "unix", path: (endpoint as { path: string }).path });
    return new RawPeer(conn, maxFrameSize);
  }

  /** Wraps an accepted connection. */
  static from(conn: Deno.Conn): RawPeer {
    return new RawPeer(conn, 0xffff_ffff);
  }

  /** Writes raw bytes. */
  async writeBytes(bytes: Uint8Array): Promise<void> {
    let written = 0;
    while (written < bytes.length) written += await this.conn.write(bytes.subarray(written));
  }

  /** Writes one frame around `payload`. */
  writeFrame(payload: Uint8Array): Promise<void> {
    return this.writeBytes(encodeFrame(payload));
  }

  /** Writes a frame holding `text` (JSON). */
  writeJson(text: string): Promise<void> {
    return this.writeFrame(new TextEncoder().encode(text));
  }

  /** Reads the next frame's payload; `null` at end of stream. */
  async readFrame(): Promise<Uint8Array | null> {
    while (true) {
      const frame = this.#reader.next();
      if (frame !== undefined) return frame;
      const count = await this.conn.read(this.#reader.readable());
      if (count === null) return null;
      this.#reader.commit(count);
    }
  }

  /** Reads the next frame as JSON text. */
  async readJson(): Promise<unknown> {
    const frame = await this.readFrame();
    if (frame === null) throw new Error("end of stream instead of a frame");
    return JSON.parse(new TextDecoder().decode(frame));
  }

  /** Resolves `true` when the peer closed the connection (reads until end of stream). */
  async readsEnd(): Promise<boolean> {
    try {
      while (true) {
        const frame = await this.readFrame();
        if (frame === null) return true;
      }
    } catch (error) {
      if (error instanceof Deno.errors.ConnectionReset) return true;
      throw error;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/**
 * A raw listener at a test address (TCP port 0 or a Unix path): a peer whose
 * bytes the test writes.
 */
export function rawServer(address: Address): {
  listener: Deno.Listener;
  address: Address;
} & AsyncDisposable {
  const listener = typeof address === "string"
    ? Deno.listen({ transport: "unix", path: address })
    : Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const addr = listener.addr;
  return {
    listener,
    address: addr.transport === "tcp" ? ["127.0.0.1", addr.port] : (addr as Deno.UnixAddr).path,
    [Symbol.asyncDispose]: () => {
      try {
        listener.close();
      } catch (error) {
        if (!(error instanceof Deno.errors.BadResource)) throw error;
      }
      return Promise.resolve();
    },
  };
}
