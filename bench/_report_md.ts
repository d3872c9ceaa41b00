/**
 * Turns a `bench/rpc.ts --json` report into the Markdown tables of
 * `docs/benchmarks.md`: one table per transport, one line per layer and
 * codec, calls/s with the share of the raw echo in the same run.
 *
 * ```sh
 * deno run -A bench/_report_md.ts docs/benchmarks.json
 * ```
 *
 * @module
 */
import type { Report, Row } from "./rpc.ts";

const report = JSON.parse(
  await Deno.readTextFile(Deno.args[0] ?? "docs/benchmarks.json"),
) as Report;
const rows = report.rows;
const fmt = (n: number | undefined) =>
  n === undefined ? "–" : Math.round(n).toLocaleString("en-US");
const pct = (r: Row | undefined) =>
  r?.ofRaw === undefined || r.layer === "raw" ? "" : ` (${Math.round(r.ofRaw * 100)}%)`;
const LABEL: Record<string, string> = {
  raw: "raw framed echo",
  channel: "denomas channel",
  rpc: "denomas RPC",
  agent: "denomas agent → agent",
  birpc: "birpc 4.2.0",
  capnweb: "Cap'n Web 0.12.0",
};
const TRANSPORT: Record<string, string> = { tcp: "TCP", unix: "Unix socket", tls: "mutual TLS" };

for (const transport of ["tcp", "unix", "tls"]) {
  const here = rows.filter((r) => r.transport === transport);
  if (here.length === 0) continue;
  console.log(`\n#### ${TRANSPORT[transport]}\n`);
  console.log(
    "| layer | codec | add seq calls/s (of raw) | add p50 / p99 µs | add pipelined calls/s (of raw) | echo seq calls/s (of raw) | echo p50 / p99 µs | echo pipelined calls/s (of raw) |",
  );
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  const keys = [...new Set(here.map((r) => `${r.layer}|${r.codec}`))];
  for (const key of keys) {
    const [layer, codec] = key.split("|");
    const get = (workload: string, mode: string) =>
      here.find((r) =>
        r.layer === layer && r.codec === codec && r.workload === workload && r.mode === mode
      );
    const cell = (workload: string, mode: string) => {
      const r = get(workload, mode);
      return r ? `${fmt(r.callsPerSec)}${pct(r)}` : "–";
    };
    const lat = (workload: string) => {
      const r = get(workload, "seq");
      return r ? `${fmt(r.p50Us)} / ${fmt(r.p99Us)}` : "–";
    };
    console.log(
      `| ${LABEL[layer] ?? layer} | ${codec} | ${cell("add", "seq")} | ${lat("add")} | ${
        cell("add", "pipe")
      } | ${cell("echo", "seq")} | ${lat("echo")} | ${cell("echo", "pipe")} |`,
    );
  }
}
if (report.skipped.length > 0) {
  console.log("\nNot measured in this run:\n");
  for (const s of report.skipped) console.log(`- ${s}`);
}
