/**
 * Memory check: 1,000,000 `add(1, 2)` calls over one connection, pipelined in
 * windows of 100, with the resident set size sampled on both sides (the
 * server runs in its own process and prints its samples).
 *
 * ```sh
 * deno task bench:memory                         # rpc, tcp, msgpack, 1,000,000 calls
 * deno task bench:memory --calls 200000 --layer channel --codec json --json out.json
 * ```
 *
 * The growth is the last sample minus the first sample after the warm-up
 * (the first 10% of the calls); the peak after warm-up is reported too.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type CodecName, type LayerName, loadPki, type TransportName } from "./_common.ts";
import { connectLayer } from "./_layers.ts";
import { ServerProcess } from "./_process.ts";

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "1000000" },
    window: { type: "string", default: "100" },
    layer: { type: "string", default: "rpc" },
    transport: { type: "string", default: "tcp" },
    codec: { type: "string", default: "msgpack" },
    "sample-ms": { type: "string", default: "250" },
    json: { type: "string" },
  },
});

const total = Number(values.calls);
const windowSize = Number(values.window);
const sampleMs = Number(values["sample-ms"]);
const layer = values.layer as LayerName;
const transport = values.transport as TransportName;
const codec = values.codec as CodecName;
const warmupCalls = Math.floor(total / 10);

// With --v8-flags=--expose-gc (as `deno task bench:memory` runs), every sample
// is taken after a full collection, so it shows live memory, not garbage.
const gc = (globalThis as { gc?: () => void }).gc;
const tmp = await Deno.makeTempDir({ prefix: "denomas-memory-" });
const pki = await loadPki(tmp);
const server = await ServerProcess.start({
  layer,
  transport,
  codec,
  pki,
  socketPath: transport === "unix" ? `${tmp}/memory.sock` : undefined,
  rssMs: sampleMs,
  denoFlags: gc ? ["--v8-flags=--expose-gc"] : [],
});

/** One RSS sample of this process: calls done so far and bytes. */
const clientSamples: {
  calls: number;
  rss: number;
  heap: number;
  heapTotal: number;
  external: number;
}[] = [];
const sample = () => {
  gc?.();
  const { rss, heapUsed, heapTotal, external } = Deno.memoryUsage();
  clientSamples.push({ calls: done, rss, heap: heapUsed, heapTotal, external });
};
let done = 0;
let serverWarmIndex = -1;
const timer = setInterval(sample, sampleMs);

const client = await connectLayer(layer, transport, codec, server.address, pki);
const started = performance.now();
let warmAt = 0;
try {
  while (done < total) {
    const n = Math.min(windowSize, total - done);
    const calls = new Array(n);
    for (let i = 0; i < n; i++) calls[i] = client.add();
    const results = await Promise.all(calls);
    if (results[n - 1] !== 3) throw new Error(`add(1, 2) returned ${results[n - 1]}`);
    done += n;
    if (warmAt === 0 && done >= warmupCalls) {
      warmAt = performance.now();
      serverWarmIndex = server.rss.length;
      sample();
    }
  }
} finally {
  clearInterval(timer);
  sample();
  // Give the server one more sample period, then stop it.
  await new Promise((r) => setTimeout(r, sampleMs * 2));
  await client.close();
  await server.stop();
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
}
const seconds = (performance.now() - started) / 1000;

const MB = 1024 * 1024;
const clientWarm = clientSamples.filter((s) => s.calls >= warmupCalls);
const serverWarm = server.rss.slice(Math.max(0, serverWarmIndex));
const serverHeapWarm = server.heap.slice(Math.max(0, serverWarmIndex));
const heapGrowth = (samples: number[]) => (samples[samples.length - 1] - samples[0]) / MB;
const summary = (samples: number[]) => ({
  atWarmupMB: samples[0] / MB,
  endMB: samples[samples.length - 1] / MB,
  peakMB: Math.max(...samples) / MB,
  growthMB: (samples[samples.length - 1] - samples[0]) / MB,
  peakGrowthMB: (Math.max(...samples) - samples[0]) / MB,
});
const result = {
  date: new Date().toISOString(),
  layer,
  transport,
  codec,
  calls: done,
  window: windowSize,
  warmupCalls,
  seconds,
  callsPerSec: done / seconds,
  gcBeforeSamples: gc !== undefined,
  client: {
    ...summary(clientWarm.map((s) => s.rss)),
    heapGrowthMB: heapGrowth(clientWarm.map((s) => s.heap)),
  },
  server: { ...summary(serverWarm), heapGrowthMB: heapGrowth(serverHeapWarm) },
  clientSamples,
  serverSamples: server.rss.map((rss, i) => ({ rss, heap: server.heap[i] })),
};
const f = (n: number) => n.toFixed(1);
console.log(
  `${
    done.toLocaleString("en-US")
  } ${layer} add calls over ${transport} (${codec}), windows of ${windowSize}: ` +
    `${seconds.toFixed(1)} s, ${Math.round(result.callsPerSec).toLocaleString("en-US")} calls/s`,
);
console.log(
  "| side | RSS after warm-up (MB) | RSS at end (MB) | peak (MB) | RSS growth (MB) | peak growth (MB) | V8 heap growth (MB) |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const side of ["client", "server"] as const) {
  const s = result[side];
  console.log(
    `| ${side} | ${f(s.atWarmupMB)} | ${f(s.endMB)} | ${f(s.peakMB)} | ${f(s.growthMB)} | ${
      f(s.peakGrowthMB)
    } | ${f(s.heapGrowthMB)} |`,
  );
}
const worst = Math.max(result.client.growthMB, result.server.growthMB);
console.log(
  `target: RSS growth < 20 MB after warm-up: ${worst < 20 ? "met" : "MISSED"} (${f(worst)} MB)` +
    (gc
      ? "; samples taken after a full GC"
      : "; run with --v8-flags=--expose-gc to sample after a full GC"),
);
if (values.json) {
  await Deno.writeTextFile(values.json, JSON.stringify(result, null, 2) + "\n");
  console.log(`wrote ${values.json}`);
}
