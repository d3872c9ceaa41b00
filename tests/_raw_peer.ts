/**
 * A test peer that plays Python aiomas's side on a raw socket: it writes and
 * reads whole frames (header included), so tests compare them with the wire
 * vectors byte for byte.
 *
 * @module
 */

/** A peer that reads and writes raw aiomas frames. */
export class RawPeer implements AsyncDisposable {
  readonly #conn: Deno.Conn;
  #buffer = new Uint8Array(0);

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  static async connect(address: string): Promise<RawPeer> {
    const [hostname, port] = address.split(":");
    return new RawPeer(await Deno.connect({ hostname, port: Number(port) }));
  }

  async write(frame: Uint8Array): Promise<void> {
    let written = 0;
    while (written < frame.length) written += await this.#conn.write(frame.subarray(written));
  }

  async writePayload(payload: Uint8Array): Promise<void> {
    const frame = new Uint8Array(4 + payload.length);
    new DataView(frame.buffer).setUint32(0, payload.length);
    frame.set(payload, 4);
    await this.write(frame);
  }

  /** Reads one whole frame, header included. */
  async readFrame(): Promise<Uint8Array> {
    while (true) {
      if (this.#buffer.length >= 4) {
        const length = new DataView(this.#buffer.buffer, this.#buffer.byteOffset).getUint32(0);
        if (this.#buffer.length >= 4 + length) {
          const frame = this.#buffer.slice(0, 4 + length);
          this.#buffer = this.#buffer.slice(4 + length);
          return frame;
        }
      }
      const chunk = new Uint8Array(65536);
      const n = await this.#conn.read(chunk);
      if (n === null) throw new Error("the peer closed the connection");
      const next = new Uint8Array(this.#buffer.length + n);
      next.set(this.#buffer);
      next.set(chunk.subarray(0, n), this.#buffer.length);
      this.#buffer = next;
    }
  }

  /** The next frame's JSON payload, parsed. */
  async readJson(): Promise<unknown> {
    return JSON.parse(new TextDecoder().decode((await this.readFrame()).subarray(4)));
  }

  [Symbol.asyncDispose](): Promise<void> {
    try {
      this.#conn.close();
    } catch {
      // Closed already by the peer.
    }
    return Promise.resolve();
  }
}
