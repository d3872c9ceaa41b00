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
 * Every call returns a new buffer on both sides, so the figures include
 * fresh memory, whose cost varies a lot between runs on some machines; as
 * `deno bench` runs one case after the other, one side can meet an
 * expensive stretch the other does not. `deno run -A bench/blosc_bench.ts
 * --interleaved` alternates batches of the two sides instead and prints
 * the min and median time per call of each and their ratio.
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

/** One comparison: operation and data set, then our call and numcodecs' call. */
type Pair = [string, string, () => unknown, () => unknown];

const pairs: Pair[] = [];
for (const [name, data] of datasets) {
  const ourFrame = compress(data);
  const theirFrame = await theirs.encode(data);
  pairs.push(["compress", name, () => compress(data), () => theirs.encode(data)]);
  pairs.push(["decompress", name, () => decompress(ourFrame), () => theirs.decode(theirFrame)]);
}

if (Deno.args.includes("--interleaved")) {
  await runInterleaved();
} else {
  for (const [op, name, ours, numcodecs] of pairs) {
    const group = `${op} ${name}`;
    Deno.bench(`ours      ${group}`, { group }, () => {
      ours();
    });
    Deno.bench(`numcodecs ${group}`, { group, baseline: true }, async () => {
      await numcodecs();
    });
  }
}

/** Alternates batches of the two sides; prints µs per call and ratios. */
async function runInterleaved(rounds = 40): Promise<void> {
  console.log("\nµs per call, min and median of alternating batches; numcodecs / ours:");
  for (const [op, name, ours, numcodecs] of pairs) {
    // About 20 ms of our calls per batch.
    const start = performance.now();
    ours();
    const calls = Math.max(5, Math.round(20 / Math.max(performance.now() - start, 0.01)));
    const times: [number[], number[]] = [[], []];
    for (let round = 0; round < rounds; round++) {
      let t0 = performance.now();
      for (let i = 0; i < calls; i++) ours();
      times[0].push(((performance.now() - t0) * 1000) / calls);
      t0 = performance.now();
      for (let i = 0; i < calls; i++) await numcodecs();
      times[1].push(((performance.now() - t0) * 1000) / calls);
    }
    const [min, median] = [0, rounds >> 1].map((k) => times.map((t) => t.sort((a, b) => a - b)[k]));
    console.log(
      `  ${`${op} ${name}`.padEnd(42)} ours ${fmt(min[0])} / ${fmt(median[0])}` +
        `   numcodecs ${fmt(min[1])} / ${fmt(median[1])}` +
        `   ${(min[1] / min[0]).toFixed(2)}x / ${(median[1] / median[0]).toFixed(2)}x`,
    );
  }
}

function fmt(us: number): string {
  return us.toFixed(1).padStart(7);
}
