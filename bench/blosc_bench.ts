/**
 * Blosc-1: our compress/decompress (TypeScript with our own WebAssembly
 * kernels) against the wasm build of c-blosc in `numcodecs` (npm,
 * bench-only), on the data aiomas sends.
 *
 *   deno bench -A bench/blosc_bench.ts
 *
 * Both sides use python-blosc's settings (level 9, byte shuffle, BloscLZ);
 * numcodecs always shuffles with typesize 4, we use 8 as aiomas does. The
 * compression ratios are printed before the benches run.
 *
 * @module
 */

import { Blosc } from "numcodecs";
import { compress, decompress } from "../codecs/blosc/mod.ts";
import { MsgPack } from "../codecs/msgpack.ts";

const MiB = 1 << 20;

function float64Bytes(n: number, f: (i: number) => number): Uint8Array {
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = f(i);
  return new Uint8Array(values.buffer);
}

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const datasets: [string, Uint8Array][] = [
  // A smooth measured-looking series: slow oscillation plus a trend.
  ["1 MiB float64 smooth", float64Bytes(MiB / 8, (i) => 20 + 5 * Math.sin(i / 1000) + i * 1e-5)],
  ["1 MiB float64 i * 0.5", float64Bytes(MiB / 8, (i) => i * 0.5)],
  ["1 MiB random bytes", randomBytes(MiB)],
  [
    "90 KB MsgPack of 10,000 floats",
    new MsgPack().encode(Array.from({ length: 10_000 }, (_, i) => i * 0.25 + 0.1)),
  ],
];

// shuffle 1 = byte shuffle.
const theirs = Blosc.fromConfig({ id: "blosc", clevel: 9, cname: "blosclz", shuffle: 1 });

console.log("compression ratios (original / compressed), blosclz level 9, byte shuffle:");
for (const [name, data] of datasets) {
  const ours = compress(data);
  const them = await theirs.encode(data);
  console.log(
    `  ${name.padEnd(32)} ours ${(data.length / ours.length).toFixed(2).padStart(7)}` +
      `   numcodecs ${(data.length / them.length).toFixed(2).padStart(7)}`,
  );
}

for (const [name, data] of datasets) {
  const ourFrame = compress(data);
  const theirFrame = await theirs.encode(data);
  Deno.bench(`ours      compress ${name}`, { group: `compress ${name}` }, () => {
    compress(data);
  });
  Deno.bench(
    `numcodecs compress ${name}`,
    { group: `compress ${name}`, baseline: true },
    async () => {
      await theirs.encode(data);
    },
  );
  Deno.bench(`ours      decompress ${name}`, { group: `decompress ${name}` }, () => {
    decompress(ourFrame);
  });
  Deno.bench(
    `numcodecs decompress ${name}`,
    { group: `decompress ${name}`, baseline: true },
    async () => {
      await theirs.decode(theirFrame);
    },
  );
}
