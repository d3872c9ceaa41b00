/**
 * Memory per connection: an RPC server (`examples/interop_server.ts`, JSON
 * codec) in its own process, and client processes that hold raw TCP
 * connections to it. The server's resident set (`VmRSS`) and virtual size
 * (`VmSize`) come from `/proc/<pid>/status` (Linux only). Phases:
 *
 * 1. `idle`: 5,000 connections, opened and left idle;
 * 2. `after one call`: each has made one small call (`add(1, 2)`);
 * 3. `all closed`: every connection closed;
 * 4. `announce 64 MiB`: 300 fresh connections that each send a frame header
 *    announcing a 64 MiB frame, and nothing more.
 *
 * Each of the first three phases is watched for `--quiet` seconds (default
 * 30): long enough for V8's idle-time collection (its memory reducer starts
 * some 10-25 s after allocation stops) to return garbage, which would
 * otherwise be counted as memory the connections hold. The table shows the
 * figure once the RSS settled and at the end of the watch; targets are
 * judged on the latter. The announcing peers are judged on the highest RSS
 * and VM seen in 5 s, since a reservation shows at once.
 *
 * ```sh
 * deno task bench:connections
 * deno task bench:connections --connections 1000 --clients 2 --quiet 10 --json out.json
 * deno task bench:connections --server /tmp/old/examples/interop_server.ts  # another checkout
 * ```
 *
 * Exits with status 1 when a target is missed. The open-files limit of the
 * server and client processes is raised (up to the hard limit) as the run
 * needs.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { sleep } from "./_common.ts";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "5000" },
    announce: { type: "string", default: "300" },
    "announce-bytes": { type: "string", default: String(64 * 1024 * 1024) },
    clients: { type: "string", default: "5" },
    codec: { type: "string", default: "json" },
    server: {
      type: "string",
      default: new URL("../examples/interop_server.ts", import.meta.url).pathname,
    },
    quiet: { type: "string", default: "30" },
    json: { type: "string" },
  },
});

const connections = Number(values.connections);
const announced = Number(values.announce);
const announceBytes = Number(values["announce-bytes"]);
const clientCount = Math.max(1, Number(values.clients));
const quiet = Number(values.quiet);
const KiB = 1024;
const MiB = 1024 * 1024;

/** A process's resident and virtual size in bytes, from `/proc/<pid>/status`. */
interface Usage {
  rss: number;
  vm: number;
}

function usage(pid: number): Usage {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const field = (name: string) =>
    Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"))![1]) * KiB;
  return { rss: field("VmRSS"), vm: field("VmSize") };
}

/** What a phase saw: the usage once settled, at the end of the watch, and the highest. */
interface Watch {
  /** The first sample that moved less than 256 KiB from the one a second before. */
  settled: Usage;
  /** The last sample, after V8's idle-time collection had its chance. */
  final: Usage;
  /** The highest RSS and VM seen. */
  peak: Usage;
}

/** Samples the usage every 250 ms for `seconds`. */
async function watch(pid: number, seconds: number): Promise<Watch> {
  const samples = [usage(pid)];
  let settled: Usage | undefined;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end || settled === undefined) {
    await sleep(250);
    const now = usage(pid);
    samples.push(now);
    const before = samples[Math.max(0, samples.length - 5)];
    if (settled === undefined && samples.length > 4 && Math.abs(now.rss - before.rss) < 256 * KiB) {
      settled = now;
    }
    if (samples.length > 240 && settled === undefined) settled = now; // 60 s without settling
  }
  return {
    settled: settled!,
    final: samples.at(-1)!,
    peak: {
      rss: Math.max(...samples.map((u) => u.rss)),
      vm: Math.max(...samples.map((u) => u.vm)),
    },
  };
}

/** Reads lines from a child's standard output. */
function lineReader(stream: ReadableStream<Uint8Array>): () => Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let rest = "";
  return async () => {
    while (!rest.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("a child process exited early");
      rest += value;
    }
    const i = rest.indexOf("\n");
    const line = rest.slice(0, i);
    rest = rest.slice(i + 1);
    return line;
  };
}

/** A process started with enough open files for `files`. */
function spawn(args: string[], files: number): Deno.ChildProcess {
  const command = [Deno.execPath(), ...args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`);
  return new Deno.Command("bash", {
    args: ["-c", `ulimit -n ${files} 2>/dev/null || ulimit -n hard; exec ${command.join(" ")}`],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

class Client {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #next: () => Promise<string>;

  constructor(address: string, files: number) {
    this.#child = spawn([
      "run",
      "--allow-net",
      new URL("./_connections_client.ts", import.meta.url).pathname,
      address,
    ], files);
    this.#writer = this.#child.stdin.getWriter();
    this.#next = lineReader(this.#child.stdout);
  }

  async command(line: string): Promise<string> {
    await this.#writer.write(new TextEncoder().encode(line + "\n"));
    return this.#next();
  }

  async stop(): Promise<void> {
    await this.#writer.close().catch(() => {});
    await this.#child.status;
  }
}

const hardLimit = Number(
  new TextDecoder().decode(
    new Deno.Command("bash", { args: ["-c", "ulimit -Hn"] }).outputSync().stdout,
  ).trim(),
);
const perClient = Math.ceil(connections / clientCount);
const serverFiles = connections + announced + 256;
const needed = Math.max(serverFiles, perClient + 256);
if (Number.isFinite(hardLimit) && hardLimit < needed) {
  console.error(
    `The hard limit of open files (ulimit -Hn) is ${hardLimit}; this run needs ${needed}`,
  );
  Deno.exit(2);
}

const server = spawn([
  "run",
  "--allow-all",
  values.server!,
  "--port",
  "0",
  "--codec",
  values.codec!,
], serverFiles);
const serverLine = lineReader(server.stdout);
const ready = await serverLine();
if (!ready.startsWith("READY ")) throw new Error(`unexpected server output: ${ready}`);
const address = ready.slice(6).trim().replace(/^tcp:\/\//, "");
const pid = server.pid;

interface Row {
  phase: string;
  connections: number;
  /** The usage the target is judged on. */
  usage: Usage;
  /** RSS and VM above the phase's base (the start; for the announcing peers, the closed state). */
  rssGrowth: number;
  vmGrowth: number;
  /** RSS growth per connection, once settled and at the end of the watch. */
  perConnection?: { settled: number; final: number };
  target: string;
  met: boolean;
}

const rows: Row[] = [];
const start = (await watch(pid, 3)).final;
rows.push({
  phase: "start",
  connections: 0,
  usage: start,
  rssGrowth: 0,
  vmGrowth: 0,
  target: "",
  met: true,
});

/** A phase of `count` connections judged on its final usage per connection. */
function perConnectionRow(phase: string, count: number, seen: Watch, limit: number): void {
  const each = (u: Usage) => (u.rss - start.rss) / count;
  rows.push({
    phase,
    connections: count,
    usage: seen.final,
    rssGrowth: seen.final.rss - start.rss,
    vmGrowth: seen.final.vm - start.vm,
    perConnection: { settled: each(seen.settled), final: each(seen.final) },
    target: `<= ${limit / KiB} KiB each`,
    met: each(seen.final) <= limit,
  });
}

const clients = Array.from({ length: clientCount }, () => new Client(address, perClient + 256));
try {
  const share = (i: number) => Math.min(perClient, Math.max(0, connections - i * perClient));
  await Promise.all(clients.map((client, i) => client.command(`OPEN ${share(i)}`)));
  perConnectionRow("idle", connections, await watch(pid, quiet), 16 * KiB);

  await Promise.all(clients.map((client) => client.command("CALL")));
  perConnectionRow("after one call", connections, await watch(pid, quiet), 20 * KiB);

  await Promise.all(clients.map((client) => client.command("CLOSE")));
  const closed = (await watch(pid, quiet)).final;
  rows.push({
    phase: "all closed",
    connections: 0,
    usage: closed,
    rssGrowth: closed.rss - start.rss,
    vmGrowth: closed.vm - start.vm,
    target: "<= 50 MB above start",
    met: closed.rss - start.rss <= 50e6,
  });

  if (announced > 0) {
    const flooders = Array.from(
      { length: Math.min(clientCount, announced) },
      () => new Client(address, announced + 256),
    );
    const each = Math.ceil(announced / flooders.length);
    const share = (i: number) => Math.min(each, Math.max(0, announced - i * each));
    await Promise.all(
      flooders.map((client, i) => client.command(`ANNOUNCE ${share(i)} ${announceBytes}`)),
    );
    // Judged on the highest RSS and VM while they wait: a reservation shows at once.
    const { peak } = await watch(pid, 5);
    rows.push({
      phase: `${announced} announce ${announceBytes / MiB} MiB`,
      connections: announced,
      usage: peak,
      rssGrowth: peak.rss - closed.rss,
      vmGrowth: peak.vm - closed.vm,
      target: "RSS and VM +< 100 MB",
      met: peak.rss - closed.rss < 100e6 && peak.vm - closed.vm < 100e6,
    });
    await Promise.all(flooders.map((client) => client.command("CLOSE")));
    await Promise.all(flooders.map((client) => client.stop()));
  }
} finally {
  await Promise.all(clients.map((client) => client.stop()));
  server.kill("SIGTERM");
  await server.status;
}

const mib = (bytes: number) => (bytes / MiB).toFixed(1);
const signed = (bytes: number) => `${bytes >= 0 ? "+" : ""}${mib(bytes)}`;
console.log(`server ${values.server} (${values.codec}), ${clientCount} client processes`);
console.log(
  "| phase | connections | RSS MiB | RSS growth MiB | VM growth MiB | per connection, settled → after the watch | target | met |",
);
console.log("|---|--:|--:|--:|--:|--:|---|---|");
for (const r of rows) {
  const each = r.perConnection === undefined
    ? ""
    : `${(r.perConnection.settled / KiB).toFixed(1)} → ${
      (r.perConnection.final / KiB).toFixed(1)
    } KiB`;
  const met = r.target ? (r.met ? "yes" : "NO") : "";
  console.log(
    `| ${r.phase} | ${r.connections} | ${mib(r.usage.rss)} | ${signed(r.rssGrowth)} | ` +
      `${signed(r.vmGrowth)} | ${each} | ${r.target} | ${met} |`,
  );
}
if (values.json) {
  const report = {
    date: new Date().toISOString(),
    server: values.server,
    codec: values.codec,
    rows,
  };
  await Deno.writeTextFile(values.json, JSON.stringify(report, null, 2));
}
if (!rows.every((r) => r.met)) Deno.exit(1);
