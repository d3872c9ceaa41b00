/**
 * The server side of the end-to-end benchmarks, run in its own process by
 * `bench/rpc.ts` and `bench/memory.ts`:
 *
 * ```sh
 * deno run -A bench/_server.ts --layer rpc --transport tcp --codec msgpack [--pki JSON] [--socket PATH] [--rss-ms 500]
 * ```
 *
 * It prints `READY <address>` once it accepts connections, optionally
 * `RSS <rss bytes> <heap used bytes>` every `--rss-ms` milliseconds, and exits when its standard
 * input closes (or after `--max-seconds`, a safety net).
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { CodecName, LayerName, Pki, TransportName } from "./_common.ts";
import { startLayerServer } from "./_layers.ts";

const { values } = parseArgs({
  options: {
    layer: { type: "string", default: "raw" },
    transport: { type: "string", default: "tcp" },
    codec: { type: "string", default: "msgpack" },
    pki: { type: "string" },
    socket: { type: "string" },
    "rss-ms": { type: "string" },
    "max-seconds": { type: "string", default: "3600" },
  },
});

const server = await startLayerServer(
  values.layer as LayerName,
  values.transport as TransportName,
  values.codec as CodecName,
  {
    pki: values.pki ? JSON.parse(values.pki) as Pki : undefined,
    socketPath: values.socket,
  },
);

const encoder = new TextEncoder();
const say = (line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n"));
say(`READY ${server.address}`);

let rssTimer: ReturnType<typeof setInterval> | undefined;
if (values["rss-ms"]) {
  // With --v8-flags=--expose-gc, collect first so that the sample shows live memory.
  const gc = (globalThis as { gc?: () => void }).gc;
  rssTimer = setInterval(() => {
    gc?.();
    const { rss, heapUsed } = Deno.memoryUsage();
    say(`RSS ${rss} ${heapUsed}`);
  }, Number(values["rss-ms"]));
}
const safety = setTimeout(() => stop(), Number(values["max-seconds"]) * 1000);

async function stop(): Promise<never> {
  clearInterval(rssTimer);
  clearTimeout(safety);
  try {
    await server.close();
  } finally {
    Deno.exit(0);
  }
}

// Exit when the parent closes our standard input (or goes away).
const sink = new Uint8Array(64);
while ((await Deno.stdin.read(sink)) !== null) { /* ignore input */ }
await stop();
