/**
 * Codec benchmarks: our MsgPack against msgpackr (the baseline of each group)
 * and @msgpack/msgpack, our JSON against plain `JSON.stringify`/`JSON.parse`
 * with the same UTF-8 step. Run: `deno bench --allow-all bench/codecs_bench.ts`.
 *
 * Targets (issue 3): MsgPack within 1.25x of msgpackr on every group and at
 * least 3x faster than @msgpack/msgpack on the small-message encode; JSON
 * within 1.5x of plain JSON on the small message. Decoded bin values are
 * copies by default (they own their buffer) while msgpackr returns views:
 * compare like with like, `denomas MsgPack zeroCopy` with `msgpackr` and
 * `denomas MsgPack.decode` with `msgpackr copyBuffers`.
 *
 * On a busy machine `deno bench` (which runs one case after the other) gives
 * ratios that follow the load more than the code. `deno run --allow-all
 * bench/codecs_bench.ts --interleaved` runs the same cases in alternating
 * batches and prints the ratio to the baseline of the fastest batch and of
 * the median batch, which stays stable under load.
 *
 * @module
 */

import { pack, unpack, Unpackr } from "msgpackr";
import { decode as mpDecode, encode as mpEncode } from "@msgpack/msgpack";
import { Json, MsgPack } from "../codecs/mod.ts";
import { ECHO_PAYLOAD } from "./_common.ts";

const msgpack = new MsgPack();
/** Decodes bin as views into the input, as msgpackr does by default. */
const zeroCopy = new MsgPack([], { zeroCopy: true });
/** msgpackr copying bin, as denomas does by default. */
const copying = new Unpackr({ copyBuffers: true });
const json = new Json();
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** The small RPC request of the targets. */
const SMALL = [0, 17, ["agents/3/method", [1, 2.5, "x"], {}]];
/** The reply of the end-to-end `echo` workload: a 10 KiB string of letters and digits. */
const ECHO = [1, 5, ECHO_PAYLOAD];
/** 10,000 non-integral floats (all float64 on the wire). */
const FLOATS = Array.from({ length: 10_000 }, (_, i) => i * 1.1 + 0.1);
/** 1 MiB of pseudo-random bytes. */
const BINARY = (() => {
  const bytes = new Uint8Array(1 << 20);
  let state = 0x12345678;
  for (let i = 0; i < bytes.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state;
  }
  return bytes;
})();

let sink: unknown;

function msgpackGroup(label: string, value: unknown): void {
  const ours = msgpack.encode(value);
  const theirs = pack(value);
  Deno.bench({
    name: `msgpackr pack (${label})`,
    group: `msgpack encode ${label}`,
    baseline: true,
    fn: () => {
      sink = pack(value);
    },
  });
  Deno.bench({
    name: `denomas MsgPack.encode (${label})`,
    group: `msgpack encode ${label}`,
    fn: () => {
      sink = msgpack.encode(value);
    },
  });
  Deno.bench({
    name: `@msgpack/msgpack encode (${label})`,
    group: `msgpack encode ${label}`,
    fn: () => {
      sink = mpEncode(value);
    },
  });
  Deno.bench({
    name: `msgpackr unpack (${label})`,
    group: `msgpack decode ${label}`,
    baseline: true,
    fn: () => {
      sink = unpack(theirs);
    },
  });
  Deno.bench({
    name: `denomas MsgPack.decode (${label})`,
    group: `msgpack decode ${label}`,
    fn: () => {
      sink = msgpack.decode(ours);
    },
  });
  Deno.bench({
    name: `msgpackr unpack copyBuffers (${label})`,
    group: `msgpack decode ${label}`,
    fn: () => {
      sink = copying.unpack(theirs);
    },
  });
  Deno.bench({
    name: `denomas MsgPack zeroCopy decode (${label})`,
    group: `msgpack decode ${label}`,
    fn: () => {
      sink = zeroCopy.decode(ours);
    },
  });
  Deno.bench({
    name: `@msgpack/msgpack decode (${label})`,
    group: `msgpack decode ${label}`,
    fn: () => {
      sink = mpDecode(ours);
    },
  });
  Deno.bench({
    name: `msgpackr pack+unpack (${label})`,
    group: `msgpack round trip ${label}`,
    baseline: true,
    fn: () => {
      sink = unpack(pack(value));
    },
  });
  Deno.bench({
    name: `denomas MsgPack encode+decode (${label})`,
    group: `msgpack round trip ${label}`,
    fn: () => {
      sink = msgpack.decode(msgpack.encode(value));
    },
  });
  Deno.bench({
    name: `denomas MsgPack zeroCopy encode+decode (${label})`,
    group: `msgpack round trip ${label}`,
    fn: () => {
      sink = zeroCopy.decode(zeroCopy.encode(value));
    },
  });
}

msgpackGroup("small message", SMALL);
msgpackGroup("10 KiB string", ECHO);
msgpackGroup("10,000 floats", FLOATS);
msgpackGroup("1 MiB binary", BINARY);

function jsonGroup(label: string, value: unknown): void {
  const encoded = json.encode(value).slice();
  Deno.bench({
    name: `plain JSON.stringify + TextEncoder (${label})`,
    group: `json encode ${label}`,
    baseline: true,
    fn: () => {
      sink = textEncoder.encode(JSON.stringify(value));
    },
  });
  Deno.bench({
    name: `denomas Json.encode (${label})`,
    group: `json encode ${label}`,
    fn: () => {
      sink = json.encode(value);
    },
  });
  Deno.bench({
    name: `plain TextDecoder + JSON.parse (${label})`,
    group: `json decode ${label}`,
    baseline: true,
    fn: () => {
      sink = JSON.parse(textDecoder.decode(encoded));
    },
  });
  Deno.bench({
    name: `denomas Json.decode (${label})`,
    group: `json decode ${label}`,
    fn: () => {
      sink = json.decode(encoded);
    },
  });
  Deno.bench({
    name: `plain JSON round trip (${label})`,
    group: `json round trip ${label}`,
    baseline: true,
    fn: () => {
      sink = JSON.parse(textDecoder.decode(textEncoder.encode(JSON.stringify(value))));
    },
  });
  Deno.bench({
    name: `denomas Json encode+decode (${label})`,
    group: `json round trip ${label}`,
    fn: () => {
      sink = json.decode(json.encode(value));
    },
  });
  Deno.bench({
    name: `bare JSON.stringify + JSON.parse on strings (${label})`,
    group: `json round trip ${label}`,
    fn: () => {
      sink = JSON.parse(JSON.stringify(value));
    },
  });
}

jsonGroup("small message", SMALL);
jsonGroup("10 KiB string", ECHO);

/** One case of the interleaved comparison: name and function, baseline first. */
type Cases = [string, () => unknown][];

const interleaved: [string, number, Cases][] = [
  ["msgpack encode small message", 20_000, [
    ["msgpackr", () => pack(SMALL)],
    ["denomas", () => msgpack.encode(SMALL)],
    ["@msgpack/msgpack", () => mpEncode(SMALL)],
  ]],
  ["msgpack decode small message", 20_000, [
    ["msgpackr", () => unpack(packed.small)],
    ["denomas", () => msgpack.decode(ours.small)],
    ["@msgpack/msgpack", () => mpDecode(ours.small)],
  ]],
  ["msgpack encode 10 KiB string", 2_000, [
    ["msgpackr", () => pack(ECHO)],
    ["denomas", () => msgpack.encode(ECHO)],
  ]],
  ["msgpack decode 10 KiB string", 2_000, [
    ["msgpackr", () => unpack(packed.echo)],
    ["denomas", () => msgpack.decode(ours.echo)],
  ]],
  ["msgpack encode 10,000 floats", 30, [
    ["msgpackr", () => pack(FLOATS)],
    ["denomas", () => msgpack.encode(FLOATS)],
  ]],
  ["msgpack decode 10,000 floats", 30, [
    ["msgpackr", () => unpack(packed.floats)],
    ["denomas", () => msgpack.decode(ours.floats)],
  ]],
  ["msgpack encode 1 MiB binary", 20, [
    ["msgpackr", () => pack(BINARY)],
    ["denomas", () => msgpack.encode(BINARY)],
  ]],
  ["msgpack decode 1 MiB binary", 5_000, [
    ["msgpackr", () => unpack(packed.binary)],
    ["denomas", () => msgpack.decode(ours.binary)],
    ["msgpackr copyBuffers", () => copying.unpack(packed.binary)],
    ["denomas zeroCopy", () => zeroCopy.decode(ours.binary)],
  ]],
  ["json encode small message", 20_000, [
    ["JSON.stringify + TextEncoder", () => textEncoder.encode(JSON.stringify(SMALL))],
    ["denomas", () => json.encode(SMALL)],
  ]],
  ["json decode small message", 20_000, [
    ["TextDecoder + JSON.parse", () => JSON.parse(textDecoder.decode(smallJson))],
    ["denomas", () => json.decode(smallJson)],
  ]],
  ["json encode 10 KiB string", 2_000, [
    ["JSON.stringify + TextEncoder", () => textEncoder.encode(JSON.stringify(ECHO))],
    ["denomas", () => json.encode(ECHO)],
  ]],
  ["json decode 10 KiB string", 2_000, [
    ["TextDecoder + JSON.parse", () => JSON.parse(textDecoder.decode(echoJson))],
    ["denomas", () => json.decode(echoJson)],
  ]],
];

const smallJson = json.encode(SMALL).slice();
const echoJson = json.encode(ECHO).slice();
const ours = {
  small: msgpack.encode(SMALL).slice(),
  echo: msgpack.encode(ECHO).slice(),
  floats: msgpack.encode(FLOATS).slice(),
  binary: msgpack.encode(BINARY).slice(),
};
const packed = {
  small: pack(SMALL),
  echo: pack(ECHO),
  floats: pack(FLOATS),
  binary: pack(BINARY),
};

/** Runs the cases in alternating batches; prints ns per call and ratios to the first case. */
function runInterleaved(rounds = 60): void {
  for (const [group, iterations, cases] of interleaved) {
    const samples = cases.map(() => [] as number[]);
    for (const [, fn] of cases) for (let i = 0; i < iterations; i++) sink = fn();
    for (let round = 0; round < rounds; round++) {
      cases.forEach(([, fn], k) => {
        const start = performance.now();
        for (let i = 0; i < iterations; i++) sink = fn();
        samples[k].push(((performance.now() - start) * 1e6) / iterations);
      });
    }
    const stats = samples.map((s) => {
      const sorted = s.sort((a, b) => a - b);
      return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)] };
    });
    console.log(`\n${group}`);
    cases.forEach(([name], k) => {
      const { min, median } = stats[k];
      console.log(
        `  ${name.padEnd(30)} min ${fmt(min)}  median ${fmt(median)}  ratio ${
          (min / stats[0].min).toFixed(2)
        }x (min) ${(median / stats[0].median).toFixed(2)}x (median)`,
      );
    });
  }
}

function fmt(ns: number): string {
  return ns >= 1e6
    ? `${(ns / 1e6).toFixed(2)} ms`.padStart(10)
    : ns >= 1e3
    ? `${(ns / 1e3).toFixed(1)} µs`.padStart(10)
    : `${ns.toFixed(0)} ns`.padStart(10);
}

if (Deno.args.includes("--interleaved")) runInterleaved();

globalThis.addEventListener("unload", () => {
  if (sink === Symbol.for("never")) console.log(sink);
});
