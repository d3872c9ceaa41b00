/**
 * RPC calls over mutual TLS next to plain TCP, in the same run: one call at
 * a time (`sequential`), and 100 calls in flight (`pipelined`).
 *
 *   deno run --allow-all bench/tls_bench.ts [rounds]
 *
 * runs timed loops, TCP and TLS interleaved round by round (so both see the
 * same machine load), and prints the median calls/s of the rounds with
 * their range as a Markdown table.
 *
 *   deno bench --allow-all bench/tls_bench.ts
 *
 * runs the same calls as `Deno.bench` cases; each iteration of a pipelined
 * case is 100 calls, so its calls/s is 100 times its iter/s.
 *
 * @module
 */

import { expose, openConnection, startServer } from "../rpc/mod.ts";
import type { TlsSettings } from "../channel/tls/mod.ts";

const PKI = new URL("../tests/fixtures/pki/", import.meta.url);
const pki = (name: string): string => new URL(name, PKI).pathname;
const IN_FLIGHT = 100;

class Calculator {
  @expose
  add(a: number, b: number): number {
    return a + b;
  }
}

const serverTls: TlsSettings = {
  ca: pki("ca.pem"),
  cert: pki("server.pem"),
  key: pki("server.key"),
};
const clientTls: TlsSettings = {
  ca: pki("ca.pem"),
  cert: pki("client.pem"),
  key: pki("client.key"),
};

const tcpServer = await startServer(["127.0.0.1", 0], new Calculator());
const tlsServer = await startServer(["127.0.0.1", 0], new Calculator(), { tls: serverTls });
const tcp = await openConnection<Calculator>(tcpServer.address);
const tls = await openConnection<Calculator>(tlsServer.address, { tls: clientTls });
if (tls.channel.peer.certificate === undefined) {
  throw new Error("the TLS connection is not verified");
}

function pipelined(remote: typeof tcp.remote): Promise<number[]> {
  const calls: Promise<number>[] = [];
  for (let i = 0; i < IN_FLIGHT; i++) calls.push(remote.add(i, 1));
  return Promise.all(calls);
}

Deno.bench({
  name: "plain TCP",
  group: "sequential RPC call",
  baseline: true,
  async fn() {
    await tcp.remote.add(1, 2);
  },
});
Deno.bench({
  name: "mutual TLS",
  group: "sequential RPC call",
  async fn() {
    await tls.remote.add(1, 2);
  },
});
Deno.bench({
  name: `plain TCP, ${IN_FLIGHT} calls`,
  group: `pipelined RPC calls (${IN_FLIGHT} in flight)`,
  baseline: true,
  async fn() {
    await pipelined(tcp.remote);
  },
});
Deno.bench({
  name: `mutual TLS, ${IN_FLIGHT} calls`,
  group: `pipelined RPC calls (${IN_FLIGHT} in flight)`,
  async fn() {
    await pipelined(tls.remote);
  },
});

/** Calls per second of `batches` runs of `run`, each making `callsPerBatch` calls. */
async function rate(run: () => Promise<unknown>, batches: number, callsPerBatch: number) {
  const start = performance.now();
  for (let i = 0; i < batches; i++) await run();
  return (batches * callsPerBatch) / ((performance.now() - start) / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

if (import.meta.main) {
  const rounds = Number(Deno.args[0] ?? 9);
  const SEQUENTIAL = 2_000;
  const BATCHES = 100;
  const cases = {
    "sequential, TCP": () => rate(() => tcp.remote.add(1, 2), SEQUENTIAL, 1),
    "sequential, mutual TLS": () => rate(() => tls.remote.add(1, 2), SEQUENTIAL, 1),
    [`${IN_FLIGHT} in flight, TCP`]: () => rate(() => pipelined(tcp.remote), BATCHES, IN_FLIGHT),
    [`${IN_FLIGHT} in flight, mutual TLS`]: () =>
      rate(() => pipelined(tls.remote), BATCHES, IN_FLIGHT),
  };
  const results = new Map<string, number[]>(Object.keys(cases).map((name) => [name, []]));
  for (const run of Object.values(cases)) await run(); // warm up
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(cases)) results.get(name)!.push(await run());
  }
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  console.log(`${rounds} rounds, Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs`);
  console.log("| case | calls/s (median) | min … max |");
  console.log("| --- | ---: | ---: |");
  for (const [name, values] of results) {
    console.log(
      `| ${name} | ${fmt(median(values))} | ${fmt(Math.min(...values))} … ${
        fmt(Math.max(...values))
      } |`,
    );
  }
  await tcp.close();
  await tls.close();
  await tcpServer.close();
  await tlsServer.close();
}
