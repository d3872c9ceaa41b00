/**
 * Compares two checkouts of denomas on the `bench:rpc` workloads in one run:
 * each side has its own server process (its own `bench/_server.ts`) and its
 * own client modules, and the two are measured in alternating short slices
 * (the order flips every slice), so that load on a shared machine hits both
 * alike. Prints calls/s per side (median of the slices) and the median of
 * the per-slice ratios `new / base`.
 *
 * ```sh
 * git -C . archive 994fbf4 | (mkdir -p /tmp/base && tar -x -C /tmp/base)
 * deno run -A bench/rpc_ab.ts --base /tmp/base            # this checkout is "new"
 * deno run -A bench/rpc_ab.ts --base /tmp/base --layers rpc --codecs msgpack --slices 20
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { BenchCalls } from "./_layers.ts";
import { type CodecName, type LayerName, type Measurement, median } from "./_common.ts";

const { values } = parseArgs({
  options: {
    base: { type: "string" },
    new: { type: "string", default: new URL("..", import.meta.url).pathname },
    layers: { type: "string", default: "channel,rpc" },
    codecs: { type: "string", default: "json,msgpack" },
    workloads: { type: "string", default: "add,echo" },
    modes: { type: "string", default: "seq,pipe" },
    slices: { type: "string", default: "10" },
    seconds: { type: "string", default: "0.25" },
  },
});
if (values.base === undefined) {
  console.error("usage: rpc_ab.ts --base DIR [--new DIR] (two checkouts of denomas)");
  Deno.exit(2);
}

type Side = "base" | "new";
const SIDES: readonly Side[] = ["base", "new"];
const slices = Number(values.slices);
const seconds = Number(values.seconds);

interface Tree {
  ServerProcess: {
    start(options: { layer: string; transport: string; codec: string }): Promise<
      { address: string; stop(): Promise<void> }
    >;
  };
  connectLayer(layer: LayerName, transport: "tcp", codec: CodecName, address: string): Promise<
    BenchCalls
  >;
  measureSequential(call: () => Promise<unknown>, s: number, w: number): Promise<Measurement>;
  measurePipelined(call: () => Promise<unknown>, s: number, w: number): Promise<Measurement>;
}

async function load(dir: string): Promise<Tree> {
  const root = dir.endsWith("/") ? dir : `${dir}/`;
  const [process, layers, common] = await Promise.all([
    import(`${root}bench/_process.ts`),
    import(`${root}bench/_layers.ts`),
    import(`${root}bench/_common.ts`),
  ]);
  return { ...process, ...layers, ...common };
}

const trees: Record<Side, Tree> = { base: await load(values.base), new: await load(values.new) };

console.log(`base ${values.base}, new ${values.new}; ${slices} slices of ${seconds} s each`);
console.log("| case | base calls/s | new calls/s | new / base |");
console.log("| --- | ---: | ---: | ---: |");
for (const layer of values.layers.split(",") as LayerName[]) {
  for (const codec of values.codecs.split(",") as CodecName[]) {
    const servers = await Promise.all(
      SIDES.map((side) => trees[side].ServerProcess.start({ layer, transport: "tcp", codec })),
    );
    const clients = await Promise.all(
      SIDES.map((side, i) => trees[side].connectLayer(layer, "tcp", codec, servers[i].address)),
    );
    try {
      for (const workload of values.workloads.split(",") as ("add" | "echo")[]) {
        for (const mode of values.modes.split(",")) {
          const rates: Record<Side, number[]> = { base: [], new: [] };
          const ratios: number[] = [];
          for (let slice = 0; slice < slices; slice++) {
            const got = { base: 0, new: 0 };
            for (const i of slice % 2 === 0 ? [0, 1] : [1, 0]) {
              const tree = trees[SIDES[i]];
              const call = () => clients[i][workload]();
              const measured = mode === "seq"
                ? await tree.measureSequential(call, seconds, 0.05)
                : await tree.measurePipelined(call, seconds, 0.05);
              got[SIDES[i]] = measured.calls / measured.seconds;
              rates[SIDES[i]].push(got[SIDES[i]]);
            }
            ratios.push(got.new / got.base);
          }
          const rate = (side: Side) => Math.round(median(rates[side])).toLocaleString("en-US");
          console.log(
            `| ${layer} ${codec} ${workload} ${mode} | ${rate("base")} | ${rate("new")} | ` +
              `${median(ratios).toFixed(3)} |`,
          );
        }
      }
    } finally {
      for (const client of clients) client.close();
      await Promise.all(servers.map((server) => server.stop()));
    }
  }
}
