/**
 * End-to-end benchmark: client (this process) and server (a child process)
 * over TCP, Unix sockets and mutual TLS, for the denomas channel, RPC and
 * agent layers, other RPC libraries, and the raw framed echo as the baseline
 * measured over the same transport in the same run.
 *
 * ```sh
 * deno task bench:rpc                       # everything, ~1 s per case
 * deno task bench:rpc --quick               # 0.3 s per case
 * deno task bench:rpc --transport tcp --layer raw,rpc --codec msgpack --json out.json
 * ```
 *
 * Workloads: `add(1, 2)` and `echo(<10 KiB string>)`, each sequential (one
 * call at a time: calls/s and p50/p90/p99 latency) and pipelined (100 calls in
 * flight: calls/s).
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  type CodecName,
  CODECS,
  type LayerName,
  LAYERS,
  loadPki,
  type Measurement,
  measurePipelined,
  measureSequential,
  type ModeName,
  PIPELINE_DEPTH,
  type Pki,
  RAW_ADD_PAYLOAD,
  RAW_ECHO_PAYLOAD,
  setProbePids,
  type TransportName,
  TRANSPORTS,
  type WorkloadName,
  WORKLOADS,
} from "./_common.ts";
import { connectRaw, type RawClient } from "./_raw_echo.ts";
import { connectLayer } from "./_layers.ts";
import { ServerProcess } from "./_process.ts";

/** One line of the results. */
export interface Row {
  /** What was measured. */
  layer: LayerName;
  /** Over which byte stream. */
  transport: TransportName;
  /** With which codec (`"-"` for the raw echo). */
  codec: CodecName | "-";
  /** `add` or `echo`. */
  workload: WorkloadName;
  /** `seq` or `pipe`. */
  mode: ModeName;
  /** Completed calls per second. */
  callsPerSec: number;
  /** Calls per second as a fraction of the raw echo's, measured in turn with it (same run, shape and transport). */
  ofRaw?: number;
  /** The raw echo's calls/s measured in turn with this line. */
  rawCallsPerSec?: number;
  /** Sequential latency percentiles in microseconds. */
  p50Us?: number;
  /** 90th percentile. */
  p90Us?: number;
  /** 99th percentile. */
  p99Us?: number;
  /** Completed calls counted. */
  calls: number;
  /** Length of the measured interval in seconds. */
  seconds: number;
  /** Minor page faults per call in the client process (fresh memory touched; Linux only). */
  clientFaultsPerCall?: number;
  /** Minor page faults per call in the server process. */
  serverFaultsPerCall?: number;
}

/** The JSON file written with `--json`. */
export interface Report {
  /** When the run started (ISO 8601). */
  date: string;
  /** The machine and runtime. */
  machine: { cpu: string; cores: number; deno: string; v8: string; os: string };
  /** The options of the run. */
  options: { seconds: number; warmup: number; depth: number; repeat: number };
  /** The 1-minute load average at the start and at the end (other work on the machine skews figures). */
  load: { start: number; end: number };
  /** The results. */
  rows: Row[];
  /** Cases that could not run, with the reason. */
  skipped: string[];
}

const { values } = parseArgs({
  options: {
    seconds: { type: "string" },
    warmup: { type: "string" },
    quick: { type: "boolean", default: false },
    transport: { type: "string", default: TRANSPORTS.join(",") },
    layer: { type: "string", default: LAYERS.join(",") },
    codec: { type: "string", default: CODECS.join(",") },
    workload: { type: "string", default: WORKLOADS.join(",") },
    mode: { type: "string", default: "seq,pipe" },
    json: { type: "string" },
    "server-prof": { type: "string" },
    "no-raw": { type: "boolean", default: false },
    repeat: { type: "string", default: "1" },
    help: { type: "boolean", default: false },
  },
});

if (values.help) {
  console.log(`deno task bench:rpc [options]
  --seconds S        measured seconds per case (default 1, --quick 0.3)
  --warmup S         uncounted warm-up per case (default 0.3, --quick 0.1)
  --quick            short run
  --transport LIST   tcp,unix,tls
  --layer LIST       raw,channel,rpc,agent,birpc,capnweb (raw always runs)
  --codec LIST       json,msgpack,msgpackblosc
  --workload LIST    add,echo
  --mode LIST        seq,pipe
  --json PATH        write the results as JSON
  --server-prof DIR  run the servers with --cpu-prof into DIR
  --no-raw           skip the raw echo (for profiling one layer)
  --repeat N         measure each case N times and keep the best (default 1)`);
  Deno.exit(0);
}

const list = <T extends string>(text: string, all: readonly T[]): T[] => {
  const items = text.split(",").map((s) => s.trim()).filter(Boolean) as T[];
  for (const item of items) {
    if (!all.includes(item)) throw new Error(`unknown value "${item}"; expected one of ${all}`);
  }
  return items;
};

const seconds = Number(values.seconds ?? (values.quick ? 0.3 : 1));
const warmup = Number(values.warmup ?? (values.quick ? 0.1 : 0.3));
const transports = list(values.transport, TRANSPORTS);
const layers = list(values.layer, LAYERS).filter((l) => l !== "raw");
const codecs = list(values.codec, CODECS);
const workloads = list(values.workload, WORKLOADS);
const modes = list<ModeName>(values.mode, ["seq", "pipe"]);
const repeat = Math.max(1, Number(values.repeat));

const serverFlags = values["server-prof"]
  ? ["--cpu-prof", `--cpu-prof-dir=${values["server-prof"]}`]
  : [];

/** Which codecs each layer runs with. */
const LAYER_CODECS: Record<LayerName, readonly CodecName[]> = {
  raw: [],
  channel: CODECS,
  rpc: CODECS,
  agent: CODECS,
  birpc: ["json", "msgpack"],
  capnweb: ["json"],
};

/** The denomas module each layer needs. */
const LAYER_MODULE: Partial<Record<LayerName, string>> = {
  channel: "channel/mod.ts",
  rpc: "rpc/mod.ts",
  agent: "agent/mod.ts",
};

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(new URL(`../${path}`, import.meta.url));
    return true;
  } catch {
    return false;
  }
}

const tmp = await Deno.makeTempDir({ prefix: "denomas-bench-" });
const pki: Pki = await loadPki(tmp);
const rows: Row[] = [];
const skipped: string[] = [];
let socketCount = 0;
const socketPath = () => `${tmp}/s${socketCount++}.sock`;

const log = (text: string) => Deno.stderr.writeSync(new TextEncoder().encode(text + "\n"));

/** A raw echo server and a client connected to it, kept for a whole transport. */
interface RawEcho {
  server: ServerProcess;
  client: RawClient;
}

async function startRaw(transport: TransportName): Promise<RawEcho> {
  const server = await ServerProcess.start({
    layer: "raw",
    transport,
    codec: "msgpack",
    pki,
    socketPath: transport === "unix" ? socketPath() : undefined,
    denoFlags: serverFlags,
  });
  try {
    return { server, client: await connectRaw(transport, server.address, pki) };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

function measureRaw(raw: RawEcho, workload: WorkloadName, mode: ModeName): Promise<Measurement> {
  setProbePids([raw.server.pid]);
  const payload = workload === "add" ? RAW_ADD_PAYLOAD : RAW_ECHO_PAYLOAD;
  return mode === "seq"
    ? raw.client.sequential(payload, seconds, warmup)
    : raw.client.pipelined(payload, seconds, warmup, PIPELINE_DEPTH);
}

const rate = (m: Measurement) => m.calls / m.seconds;

function row(
  layer: LayerName,
  transport: TransportName,
  codec: CodecName | "-",
  workload: WorkloadName,
  mode: ModeName,
  m: Measurement,
): Row {
  const r: Row = {
    layer,
    transport,
    codec,
    workload,
    mode,
    callsPerSec: m.calls / m.seconds,
    calls: m.calls,
    seconds: m.seconds,
  };
  if (m.faults && m.calls > 0) {
    r.clientFaultsPerCall = m.faults[0] / m.calls;
    r.serverFaultsPerCall = m.faults[1] / m.calls;
  }
  if (m.p50Us !== undefined) {
    r.p50Us = m.p50Us;
    r.p90Us = m.p90Us;
    r.p99Us = m.p99Us;
  }
  log(
    `  ${layer.padEnd(8)} ${transport.padEnd(5)} ${codec.padEnd(12)} ${workload.padEnd(5)} ${
      mode.padEnd(5)
    } ${Math.round(r.callsPerSec).toLocaleString("en-US").padStart(10)} calls/s`,
  );
  return r;
}

async function measureLayer(
  layer: LayerName,
  transport: TransportName,
  codec: CodecName,
  raw: RawEcho | undefined,
  rawRows: Row[],
): Promise<Row[]> {
  const server = await ServerProcess.start({
    layer,
    transport,
    codec,
    pki,
    socketPath: transport === "unix" ? socketPath() : undefined,
    denoFlags: serverFlags,
  });
  const out: Row[] = [];
  let client;
  try {
    client = await connectLayer(layer, transport, codec, server.address, pki);
    setProbePids([server.pid]);
    for (const workload of workloads) {
      const call = workload === "add" ? client.add : client.echo;
      if (workload === "add") {
        const result = await call();
        if (result !== 3) throw new Error(`${layer} add(1, 2) returned ${result}`);
      }
      for (const mode of modes) {
        // The raw echo and the layer take turns, `repeat` times; the best of
        // each is kept, so both see the same machine load.
        let bestRaw: Measurement | undefined;
        let bestLayer: Measurement | undefined;
        for (let i = 0; i < repeat; i++) {
          if (raw) {
            const m = await measureRaw(raw, workload, mode);
            if (!bestRaw || rate(m) > rate(bestRaw)) bestRaw = m;
            setProbePids([server.pid]);
          }
          const m = mode === "seq"
            ? await measureSequential(call, seconds, warmup)
            : await measurePipelined(call, seconds, warmup, PIPELINE_DEPTH);
          if (!bestLayer || rate(m) > rate(bestLayer)) bestLayer = m;
        }
        if (bestRaw) rawRows.push(row("raw", transport, "-", workload, mode, bestRaw));
        const r = row(layer, transport, codec, workload, mode, bestLayer!);
        if (bestRaw) {
          r.rawCallsPerSec = rate(bestRaw);
          r.ofRaw = r.callsPerSec / r.rawCallsPerSec;
        }
        out.push(r);
      }
    }
  } finally {
    await client?.close();
    await server.stop();
  }
  return out;
}

const started = new Date();
const loadStart = Deno.loadavg()[0];
for (const transport of transports) {
  log(`${transport}:`);
  let raw: RawEcho | undefined;
  if (!values["no-raw"]) {
    try {
      raw = await startRaw(transport);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      skipped.push(`raw echo over ${transport}: ${reason.split("\n")[0]}`);
      log(`  raw: FAILED ${reason.split("\n")[0]}`);
    }
  }
  const rawRows: Row[] = [];
  const layerRows: Row[] = [];
  try {
    for (const layer of layers) {
      const module = LAYER_MODULE[layer];
      if (module && !(await exists(module))) {
        skipped.push(`${layer} over ${transport}: ${module} does not exist yet`);
        continue;
      }
      for (const codec of LAYER_CODECS[layer].filter((c) => codecs.includes(c))) {
        if (codec === "msgpackblosc" && !(await exists("codecs/blosc/mod.ts"))) {
          skipped.push(
            `${layer} ${codec} over ${transport}: codecs/blosc/mod.ts does not exist yet`,
          );
          continue;
        }
        try {
          layerRows.push(...await measureLayer(layer, transport, codec, raw, rawRows));
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          skipped.push(`${layer} ${codec} over ${transport}: ${reason.split("\n")[0]}`);
          log(`  ${layer} ${codec}: FAILED ${reason.split("\n")[0]}`);
        }
      }
    }
    if (raw && layers.length === 0) {
      for (const workload of workloads) {
        for (const mode of modes) {
          let top: Measurement | undefined;
          for (let i = 0; i < repeat; i++) {
            const m = await measureRaw(raw, workload, mode);
            if (!top || rate(m) > rate(top)) top = m;
          }
          rawRows.push(row("raw", transport, "-", workload, mode, top!));
        }
      }
    }
  } finally {
    raw?.client.close();
    await raw?.server.stop();
  }
  // The raw line of each shape is the best of all its runs on this transport;
  // each layer line's share is against the raw runs taken in turn with it.
  for (const workload of workloads) {
    for (const mode of modes) {
      const runs = rawRows.filter((r) => r.workload === workload && r.mode === mode);
      if (runs.length === 0) continue;
      const top = runs.reduce((a, b) => (b.callsPerSec > a.callsPerSec ? b : a));
      rows.push({ ...top, ofRaw: 1 });
    }
  }
  rows.push(...layerRows);
}
await Deno.remove(tmp, { recursive: true }).catch(() => {});

console.log(table(rows));
for (const s of skipped) console.log(`skipped: ${s}`);

if (values.json) {
  const cpu = (await Deno.readTextFile("/proc/cpuinfo").catch(() => ""))
    .match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown";
  const report: Report = {
    date: started.toISOString(),
    machine: {
      cpu,
      cores: navigator.hardwareConcurrency,
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      os: `${Deno.build.os} ${Deno.build.arch}`,
    },
    options: { seconds, warmup, depth: PIPELINE_DEPTH, repeat },
    load: { start: loadStart, end: Deno.loadavg()[0] },
    rows,
    skipped,
  };
  await Deno.writeTextFile(values.json, JSON.stringify(report, null, 2) + "\n");
  console.log(`wrote ${values.json}`);
}

/** A Markdown table of the rows. */
export function table(rows: Row[]): string {
  const fmt = (n: number | undefined, digits = 0) =>
    n === undefined || Number.isNaN(n)
      ? ""
      : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const lines = [
    "| transport | layer | codec | workload | mode | calls/s | of raw | p50 µs | p90 µs | p99 µs | page faults/call client, server |",
    "| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.transport} | ${r.layer} | ${r.codec} | ${r.workload} | ${r.mode} | ${
        fmt(r.callsPerSec)
      } | ${r.ofRaw === undefined ? "" : `${Math.round(r.ofRaw * 100)}%`} | ${fmt(r.p50Us)} | ${
        fmt(r.p90Us)
      } | ${fmt(r.p99Us)} | ${fmt(r.clientFaultsPerCall, 2)}, ${fmt(r.serverFaultsPerCall, 2)} |`,
    );
  }
  return lines.join("\n");
}
