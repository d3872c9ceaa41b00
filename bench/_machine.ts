/**
 * Describes the machine the benchmarks run on: CPU, cores, Deno and V8
 * versions, load, and what touching fresh memory costs (minor page faults),
 * which on some virtual machines dominates the cost of large messages.
 *
 * ```sh
 * deno run -A bench/_machine.ts
 * ```
 *
 * @module
 */
import { minorFaults } from "./_common.ts";

const cpu = (await Deno.readTextFile("/proc/cpuinfo").catch(() => ""))
  .match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown";
console.log(`CPU: ${cpu}, ${navigator.hardwareConcurrency} cores`);
console.log(
  `Deno ${Deno.version.deno}, V8 ${Deno.version.v8}, ${Deno.build.os} ${Deno.build.arch}`,
);
console.log(`load average: ${Deno.loadavg().map((l) => l.toFixed(2)).join(" ")}`);

function perOp(name: string, op: () => unknown, ms = 400): void {
  for (let i = 0; i < 200; i++) op();
  const faults0 = minorFaults("self");
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) {
    op();
    n++;
  }
  const us = ((performance.now() - start) * 1000) / n;
  const faults = (minorFaults("self") - faults0) / n;
  console.log(
    `${name.padEnd(40)} ${us.toFixed(2).padStart(9)} µs ${faults.toFixed(2).padStart(7)} faults`,
  );
}

const reused = new Uint8Array(256 * 1024);
perOp("fill a reused 256 KiB buffer", () => reused.fill(1));
perOp("allocate and fill a 256 KiB buffer", () => new Uint8Array(256 * 1024).fill(1));
perOp("allocate a 10 KiB buffer", () => new Uint8Array(10 * 1024));
perOp("allocate a 1 KiB buffer", () => new Uint8Array(1024));
