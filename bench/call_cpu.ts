/**
 * CPU time per call of the RPC and agent call paths, client and server in
 * this process over TCP loopback. CPU time (user + system, from
 * `process.cpuUsage`) moves much less than calls/s when other work shares
 * the machine, so it compares two versions of the call path fairly: give
 * each tree's root as an argument and run them in turn, a few rounds each.
 *
 * ```sh
 * deno run -A bench/call_cpu.ts                       # this tree
 * deno run -A bench/call_cpu.ts /path/to/other/tree   # another checkout
 * ```
 *
 * @module
 */

import process from "node:process";
import { pathToFileURL } from "node:url";

/** Calls measured sequentially (one at a time). */
const SEQUENTIAL = 20_000;
/** Rounds of pipelined calls, each {@linkcode DEPTH} in flight. */
const ROUNDS = 400;
/** Calls in flight in the pipelined rounds. */
const DEPTH = 100;

const root = Deno.args[0] === undefined
  ? new URL("..", import.meta.url).href
  : `${pathToFileURL(await Deno.realPath(Deno.args[0])).href}/`;
// Typed as this tree's modules; the tree measured may be another checkout.
const agentMod: typeof import("../agent/mod.ts") = await import(new URL("agent/mod.ts", root).href);
const rpcMod: typeof import("../rpc/mod.ts") = await import(new URL("rpc/mod.ts", root).href);

/** CPU microseconds per call of `call`, sequential and pipelined. */
async function measure(label: string, call: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 3_000; i++) await call();
  let start = process.cpuUsage();
  for (let i = 0; i < SEQUENTIAL; i++) await call();
  let used = process.cpuUsage(start);
  const sequential = (used.user + used.system) / SEQUENTIAL;
  start = process.cpuUsage();
  for (let i = 0; i < ROUNDS; i++) await Promise.all(Array.from({ length: DEPTH }, call));
  used = process.cpuUsage(start);
  const pipelined = (used.user + used.system) / (ROUNDS * DEPTH);
  console.log(
    `${label.padEnd(6)} seq ${sequential.toFixed(2)} µs/call   pipe ${
      pipelined.toFixed(2)
    } µs/call`,
  );
}

const service = rpcMod.serviceDict({ add: (a: number, b: number) => a + b });
{
  await using server = await rpcMod.startServer(["127.0.0.1", 0], service);
  await using client = await rpcMod.openConnection<typeof service>(server.address);
  await measure("rpc", () => client.remote.add(1, 2));
}
{
  class Adder extends agentMod.Agent {
    @rpcMod.expose
    add(a: number, b: number): number {
      return a + b;
    }
  }
  await using a = await agentMod.Container.create(["127.0.0.1", 0]);
  await using b = await agentMod.Container.create(["127.0.0.1", 0]);
  const proxy = await a.connect<Adder>(new Adder(b).addr);
  await measure("agent", () => proxy.add(1, 2));
}
