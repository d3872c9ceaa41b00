/**
 * The example controller of mosaik's tutorial ("Adding a control
 * mechanism to a scenario"), in TypeScript: event-based `Agent` entities
 * that turn a model's `delta` around when its `val` reaches ±3. It can
 * replace `controller:Controller` in the tutorial's `demo_2.py`:
 *
 * ```python
 * 'ExampleCtrl': {'cmd': 'deno run -A examples/mosaik/tutorial_ctrl.ts %(addr)s'},
 * ```
 *
 * Run: `deno run -A examples/mosaik/tutorial_ctrl.ts HOST:PORT [--remote]`
 *
 * @module
 */

import {
  type CreateResult,
  type InputData,
  type OutputData,
  type OutputRequest,
  Simulator,
  startSimulation,
} from "../../mosaik/mod.ts";
import { RuntimeError, ValueError } from "./_python.ts";

/** The tutorial's `Controller`. */
export class Controller extends Simulator {
  readonly agents: string[] = [];
  data: Record<string, { delta: number }> = {};
  time = 0;

  constructor() {
    super({
      type: "event-based",
      models: { Agent: { public: true, params: [], attrs: ["val_in", "delta"] } },
    });
  }

  create(num: number, model: string, modelParams: Record<string, unknown>): CreateResult[] {
    const unexpected = Object.keys(modelParams)[0];
    if (unexpected !== undefined) {
      throw new TypeError(`create() got an unexpected keyword argument '${unexpected}'`);
    }
    const count = this.agents.length;
    const entities: CreateResult[] = [];
    for (let i = count; i < count + num; i++) {
      const eid = `Agent_${i}`;
      this.agents.push(eid);
      entities.push({ eid, type: model });
    }
    return entities;
  }

  step(time: number, inputs: InputData): null {
    this.time = time;
    const data: Record<string, { delta: number }> = {};
    for (const [agentEid, attrs] of Object.entries(inputs)) {
      const deltas = Object.values(attrs.delta ?? {});
      if (deltas.length > 0) {
        data[agentEid] = { delta: deltas[0] as number };
        continue;
      }
      const values = Object.values(attrs.val_in ?? {});
      if (values.length !== 1) {
        throw new RuntimeError(
          `Only one ingoing connection allowed per agent, but "${agentEid}" has ${values.length}.`,
        );
      }
      const value = values[0] as number;
      let delta: number;
      if (value >= 3) delta = -1;
      else if (value <= -3) delta = 1;
      else continue;
      data[agentEid] = { delta };
    }
    this.data = data;
    return null;
  }

  getData(outputs: OutputRequest): OutputData {
    const data: Record<string, unknown> = {};
    for (const [agentEid, attrs] of Object.entries(outputs)) {
      for (const attr of attrs) {
        if (attr !== "delta") throw new ValueError(`Unknown output attribute "${attr}"`);
        if (Object.hasOwn(this.data, agentEid)) {
          data.time = this.time;
          const entry = (data[agentEid] ??= {}) as Record<string, number>;
          entry[attr] = this.data[agentEid].delta;
        }
      }
    }
    return data as OutputData;
  }
}

if (import.meta.main) Deno.exit(await startSimulation(new Controller()));
