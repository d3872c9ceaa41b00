/**
 * Memory per connection: an RPC server (`examples/interop_server.ts`, JSON
 * codec) in its own process, and client processes that hold raw TCP
 * connections to it. The server's resident set (`VmRSS`) and virtual size
 * (`VmSize`) come from `/proc/<pid>/status` (Linux only), read once they
 * settle after each phase:
 *
 * 1. `idle`: 5,000 connections, opened and left idle;
 * 2. `after one call`: each has made one small call (`add(1, 2)`);
 * 3. `all closed`: every connection closed;
 * 4. `announce 64 MiB`: 300 fresh connections that each send a frame header
 *    announcing a 64 MiB frame, and nothing more.
 *
 * ```sh
 * deno task bench:connections
 * deno task bench:connections --connections 1000 --clients 2 --json out.json
 * deno task bench:connections --server /tmp/old/examples/interop_server.ts  # another checkout
 * ```
 *
 * Exits with status 1 when a target is missed. The server's open-files limit
 * is raised (up to the hard limit) when it is below what the run needs.
 *
 * @module
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "5000" },
    announce: { type: "string", default: "300" },
    "announce-bytes": { type: "string", default: String(64 * 1024 * 1024) },
    clients: { type: "string", default: "5" },
    codec: { type: "string", default: "json" },
    server: { type: "string", default: new URL("../examples/interop_server.ts", import.meta.url).pathname },
    json: { type: "string" },
  },
});

const connections = Number(values.connections);
const announced = Number(values.announce);
const announceBytes = Number(values["announce-bytes"]);
const clientCount = Math.max(1, Number(values.clients));
const KiB = 1024;
const MiB = 1024 * 1024;

/** A process's resident and virtual size in bytes, from `/proc/<pid>/status`. */
interface Usage {
  rss: number;
  vm: number;
}

function usage(pid: number): Usage {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const field = (name: string) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"))![1]) * KiB;
  return { rss: field("VmRSS"), vm: field("VmSize") };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The usage once the RSS changed by less than 256 KiB over a second (at most 15 s). */
async function settled(pid: number): Promise<Usage> {
  let last = usage(pid);
  for (let i = 0; i < 15; i++) {
    await sleep(1000);
    const now = usage(pid);
    if (Math.abs(now.rss - last.rss) < 256 * KiB) return now;
    last = now;
  }
  return last;
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

const hardLimit = Number(new TextDecoder().decode(
  new Deno.Command("bash", { args: ["-c", "ulimit -Hn"] }).outputSync().stdout,
).trim());
const perClient = Math.ceil(connections / clientCount);
const serverFiles = connections + announced + 256;
const needed = Math.max(serverFiles, perClient + 256);
if (Number.isFinite(hardLimit) && hardLimit < needed) {
  console.error(`The hard limit of open files (ulimit -Hn) is ${hardLimit}; this run needs ${needed}`);
  Deno.exit(2);
}

const server = spawn(["run", "--allow-all", values.server!, "--port", "0", "--codec", values.codec!], serverFiles);
const serverLine = lineReader(server.stdout);
const ready = await serverLine();
if (!ready.startsWith("READY ")) throw new Error(`unexpected server output: ${ready}`);
const address = ready.slice(6).trim().replace(/^tcp:\/\//, "");
const pid = server.pid;

interface Row {
  phase: string;
  connections: number;
  rss: number;
  vm: number;
  /** RSS above the start. */
  rssGrowth: number;
  vmGrowth: number;
  /** RSS growth per connection, when that is what the phase measures. */
  perConnection?: number;
  target: string;
  met: boolean;
}

const rows: Row[] = [];
const start = await settled(pid);
const row = (
  phase: string,
  count: number,
  now: Usage,
  base: Usage,
  target: string,
  met: boolean,
  perConnection?: number,
) => {
  rows.push({
    phase,
    connections: count,
    rss: now.rss,
    vm: now.vm,
    rssGrowth: now.rss - base.rss,
    vmGrowth: now.vm - base.vm,
    perConnection,
    target,
    met,
  });
};
row("start", 0, start, start, "", true);

const clients = Array.from({ length: clientCount }, () => new Client(address, perClient + 256));
try {
  const share = (i: number) => Math.min(perClient, Math.max(0, connections - i * perClient));
  await Promise.all(clients.map((client, i) => client.command(`OPEN ${share(i)}`)));
  const idle = await settled(pid);
  const idleEach = (idle.rss - start.rss) / connections;
  row("idle", connections, idle, start, "<= 16 KiB each", idleEach <= 16 * KiB, idleEach);

  await Promise.all(clients.map((client) => client.command("CALL")));
  const called = await settled(pid);
  const calledEach = (called.rss - start.rss) / connections;
  row("after one call", connections, called, start, "<= 20 KiB each", calledEach <= 20 * KiB, calledEach);

  await Promise.all(clients.map((client) => client.command("CLOSE")));
  const closed = await settled(pid);
  row("all closed", 0, closed, start, "<= 50 MB above start", closed.rss - start.rss <= 50e6);

  const flooders = Array.from({ length: Math.min(clientCount, announced) }, () => new Client(address, announced + 256));
  const perFlooder = Math.ceil(announced / flooders.length);
  await Promise.all(flooders.map((client, i) =>
    client.command(`ANNOUNCE ${Math.min(perFlooder, Math.max(0, announced - i * perFlooder))} ${announceBytes}`)
  ));
  const flooded = await settled(pid);
  const floodMet = flooded.rss - closed.rss < 100e6 && flooded.vm - closed.vm < 100e6;
  row(`announce ${announceBytes / MiB} MiB`, announced, flooded, closed, "RSS and VM +< 100 MB", floodMet);
  await Promise.all(flooders.map((client) => client.command("CLOSE")));
  await Promise.all(flooders.map((client) => client.stop()));
} finally {
  await Promise.all(clients.map((client) => client.stop()));
  server.kill("SIGTERM");
  await server.status;
}

const mib = (bytes: number) => (bytes / MiB).toFixed(1);
const signed = (bytes: number) => `${bytes >= 0 ? "+" : ""}${mib(bytes)}`;
console.log(`server ${values.server} (${values.codec}), ${clientCount} client processes`);
console.log(
  "| phase | connections | RSS MiB | RSS growth MiB | VM growth MiB | per connection | target | met |",
);
console.log("|---|--:|--:|--:|--:|--:|---|---|");
for (const r of rows) {
  const each = r.perConnection === undefined ? "" : `${(r.perConnection / KiB).toFixed(1)} KiB`;
  console.log(
    `| ${r.phase} | ${r.connections} | ${mib(r.rss)} | ${signed(r.rssGrowth)} | ${signed(r.vmGrowth)} | ${each} | ${r.target} | ${r.target ? (r.met ? "yes" : "NO") : ""} |`,
  );
}
if (values.json) await Deno.writeTextFile(values.json, JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
if (!rows.every((r) => r.met)) Deno.exit(1);
