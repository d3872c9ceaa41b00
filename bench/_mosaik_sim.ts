/**
 * The simulator process of `bench/mosaik_bench.ts`: N time-based entities
 * that add up their inputs (`--raw` instead answers every request with
 * `null` after decoding it: the floor of framing and JSON).
 *
 * `deno run -A bench/_mosaik_sim.ts HOST:PORT [--raw]`
 *
 * @module
 */

import { encodeFrame, FrameReader } from "../channel/frame.ts";
import { type InputData, type OutputRequest, Simulator, startSimulation } from "../mosaik/mod.ts";

/** N entities with one input and one output each. */
class SumSim extends Simulator {
  readonly values = new Map<string, number>();

  constructor() {
    super({
      type: "time-based",
      models: { Sum: { public: true, params: [], attrs: ["val_in", "val_out"] } },
    });
  }

  create(num: number, model: string) {
    return Array.from({ length: num }, () => {
      const eid = String(this.values.size);
      this.values.set(eid, 0);
      return { eid, type: model };
    });
  }

  step(time: number, inputs: InputData): number {
    for (const [eid, attrs] of Object.entries(inputs)) {
      let sum = 0;
      for (const value of Object.values(attrs.val_in ?? {})) sum += value as number;
      this.values.set(eid, sum);
    }
    return time + 1;
  }

  getData(outputs: OutputRequest) {
    const data: Record<string, Record<string, number>> = {};
    for (const eid of Object.keys(outputs)) data[eid] = { val_out: this.values.get(eid)! };
    return data;
  }
}

/** Reads frames, decodes them, answers `[1, id, null]`; ends at `stop` or EOF. */
async function rawEcho(address: string): Promise<void> {
  const [hostname, port] = address.split(":");
  using conn = await Deno.connect({ hostname, port: Number(port) });
  const reader = new FrameReader();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  for (;;) {
    const count = await conn.read(reader.readable());
    if (count === null) return;
    reader.commit(count);
    for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
      const [, id, [method]] = JSON.parse(decoder.decode(frame));
      if (method === "stop") return;
      await conn.write(encodeFrame(encoder.encode(`[1, ${id}, null]`)));
    }
  }
}

if (import.meta.main) {
  if (Deno.args.includes("--raw")) await rawEcho(Deno.args[0]);
  else Deno.exit(await startSimulation(new SumSim(), { args: Deno.args, log: () => {} }));
}
