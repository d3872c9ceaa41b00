import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { MsgPack, type Serializer } from "../codecs/mod.ts";
import { expose, openConnection, startServer } from "../rpc/mod.ts";

/** Float64 samples as bin; `deserialize` records what user code was handed. */
class Samples {
  constructor(readonly values: Float64Array) {}
}
function samplesSerializer(seen: Uint8Array[]): Serializer<Samples> {
  return {
    type: Samples,
    serialize: (s) => new Uint8Array(s.values.buffer, s.values.byteOffset, s.values.byteLength),
    deserialize: (data) => {
      const bytes = data as Uint8Array;
      seen.push(bytes);
      // A view (zeroCopy) may start anywhere: only a copy is sure to be aligned for floats.
      const own = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length;
      return new Samples(new Float64Array((own ? bytes : bytes.slice()).buffer));
    },
  };
}

class Stats {
  @expose
  sum(samples: Samples): number {
    return samples.values.reduce((a, b) => a + b, 0);
  }
}

Deno.test("over a connection, bytes handed to a serializer own their buffer", async () => {
  const seen: Uint8Array[] = [];
  const options = { codec: MsgPack, extraSerializers: [samplesSerializer(seen)] };
  await using server = await startServer(["127.0.0.1", 0], new Stats(), options);
  await using client = await openConnection<Stats>(server.address, options);
  assertEquals(await client.remote.sum(new Samples(new Float64Array([1, 2, 3.5]))), 6.5);
  assertEquals(seen.length, 1);
  assertEquals([seen[0].byteOffset, seen[0].buffer.byteLength], [0, 24]);
});

Deno.test("over a connection, zeroCopy views stay intact while more frames arrive", async () => {
  const seen: Uint8Array[] = [];
  const ZeroCopy = MsgPack.configure({ zeroCopy: true });
  const options = { codec: ZeroCopy, extraSerializers: [samplesSerializer(seen)] };
  await using server = await startServer(["127.0.0.1", 0], new Stats(), options);
  await using client = await openConnection<Stats>(server.address, options);
  const calls = Array.from(
    { length: 50 },
    (_, i) => client.remote.sum(new Samples(new Float64Array([i, i, i]))),
  );
  assertEquals(await Promise.all(calls), Array.from({ length: 50 }, (_, i) => 3 * i));
  assertEquals(seen.some((bytes) => bytes.buffer.byteLength !== bytes.length), true);
  // Every view still holds its own call's samples: frames were never overwritten.
  const firsts = seen.map((bytes) => new Float64Array(bytes.slice().buffer)[0]).sort((a, b) =>
    a - b
  );
  assertEquals(firsts, Array.from({ length: 50 }, (_, i) => i));
});
