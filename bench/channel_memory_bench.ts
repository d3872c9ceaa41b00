/**
 * What the channel layer costs in CPU, without sockets: round trips over an
 * in-memory connection pair, next to a raw framed echo over the same pair.
 *
 * ```sh
 * deno bench -A bench/channel_memory_bench.ts
 * ```
 *
 * @module
 */

import { Channel } from "../channel/channel.ts";
import type { Conn } from "../channel/transport.ts";
import { MsgPack } from "../codecs/msgpack.ts";
import { Json } from "../codecs/json.ts";

/** One direction of an in-memory byte stream. */
class Pipe {
  #chunks: Uint8Array[] = [];
  #reader: { buffer: Uint8Array; resolve: (count: number | null) => void } | undefined;

  write(data: Uint8Array): Promise<number> {
    const reader = this.#reader;
    if (reader !== undefined && data.length <= reader.buffer.length) {
      this.#reader = undefined;
      reader.buffer.set(data);
      reader.resolve(data.length);
    } else {
      this.#chunks.push(data.slice());
      if (reader !== undefined) {
        this.#reader = undefined;
        reader.resolve(this.#fill(reader.buffer));
      }
    }
    return Promise.resolve(data.length);
  }

  read(buffer: Uint8Array): Promise<number | null> {
    if (this.#chunks.length > 0) return Promise.resolve(this.#fill(buffer));
    return new Promise((resolve) => this.#reader = { buffer, resolve });
  }

  #fill(buffer: Uint8Array): number {
    const chunk = this.#chunks[0];
    const count = Math.min(chunk.length, buffer.length);
    buffer.set(chunk.subarray(0, count));
    if (count === chunk.length) this.#chunks.shift();
    else this.#chunks[0] = chunk.subarray(count);
    return count;
  }
}

function connPair(): [Conn, Conn] {
  const ab = new Pipe();
  const ba = new Pipe();
  const end = (address: string, input: Pipe, output: Pipe): Conn => ({
    peer: { address },
    localAddress: address === "a" ? "b" : "a",
    read: (buffer) => input.read(buffer),
    write: (data) => output.write(data),
    close: () => {},
  });
  return [end("b", ba, ab), end("a", ab, ba)];
}

const CONTENT = "0123456789abcdefghij";

// The raw echo: the far end copies every frame back as it arrives.
const [rawNear, rawFar] = connPair();
(async () => {
  const buffer = new Uint8Array(64 * 1024);
  while (true) {
    const count = await rawFar.read(buffer);
    if (count === null) return;
    await rawFar.write(buffer.subarray(0, count));
  }
})();
const rawFrame = new Uint8Array([0, 0, 0, 20, ...new TextEncoder().encode(CONTENT)]);
const rawBuffer = new Uint8Array(64 * 1024);

function channels(codec: typeof Json | typeof MsgPack): Channel {
  const [near, far] = connPair();
  new Channel(far, { codec }).serve((request) => request.reply(request.content));
  return new Channel(near, { codec });
}
const json = channels(Json);
const msgpack = channels(MsgPack);

Deno.bench("raw framed echo", { group: "round trip, in memory", baseline: true }, async () => {
  const reading = rawNear.read(rawBuffer);
  await rawNear.write(rawFrame);
  await reading;
});
Deno.bench("channel, MsgPack", { group: "round trip, in memory" }, async () => {
  await msgpack.send(CONTENT);
});
Deno.bench("channel, JSON", { group: "round trip, in memory" }, async () => {
  await json.send(CONTENT);
});
