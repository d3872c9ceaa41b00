/**
 * The example simulator of mosaik's tutorial ("Integrating a simulation
 * model into the mosaik ecosystem"), in TypeScript: `ExampleModel`
 * entities whose `val` grows by `delta` each step. It can replace
 * `simulator_mosaik:ExampleSim` in the tutorial's `demo_1.py` and
 * `demo_2.py`:
 *
 * ```python
 * 'ExampleSim': {'cmd': 'deno run -A examples/mosaik/tutorial_sim.ts %(addr)s'},
 * ```
 *
 * Run: `deno run -A examples/mosaik/tutorial_sim.ts HOST:PORT [--remote]`
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
import { noOtherParams, ValueError } from "./_python.ts";

/** A value that grows by `delta` each step. */
export class Model {
  val: number;
  delta = 1;

  constructor(initVal = 0) {
    this.val = initVal;
  }

  step(): void {
    this.val += this.delta;
  }
}

const ATTRS = ["delta", "val"];

/** The tutorial's `ExampleSim`: hybrid, one model, `delta` triggers a step. */
export class ExampleSim extends Simulator {
  eidPrefix = "Model_";
  readonly entities = new Map<string, Model>();
  time = 0;

  constructor() {
    super({
      type: "hybrid",
      models: {
        ExampleModel: {
          public: true,
          params: ["init_val"],
          attrs: ATTRS,
          trigger: ["delta"],
        },
      },
    });
  }

  override init(_sid: string, timeResolution: number, simParams: Record<string, unknown>) {
    noOtherParams("init", simParams, ["eid_prefix"]);
    if (timeResolution !== 1) {
      const shown = Number.isInteger(timeResolution) ? timeResolution.toFixed(1) : timeResolution;
      throw new ValueError(
        `ExampleSim only supports time_resolution=1., but ${shown} was set.`,
      );
    }
    const prefix = simParams.eid_prefix;
    if (prefix !== undefined && prefix !== null) this.eidPrefix = String(prefix);
    return this.meta;
  }

  create(num: number, model: string, modelParams: Record<string, unknown>): CreateResult[] {
    noOtherParams("create", modelParams, ["init_val"]);
    if (!("init_val" in modelParams)) {
      throw new TypeError("create() missing 1 required positional argument: 'init_val'");
    }
    const next = this.entities.size;
    const entities: CreateResult[] = [];
    for (let i = next; i < next + num; i++) {
      const eid = `${this.eidPrefix}${i}`;
      this.entities.set(eid, new Model(modelParams.init_val as number));
      entities.push({ eid, type: model });
    }
    return entities;
  }

  step(time: number, inputs: InputData): number {
    this.time = time;
    for (const [eid, model] of this.entities) {
      const attrs = inputs[eid];
      if (attrs !== undefined) {
        // As in the original, the last attribute's sum wins.
        let newDelta: number | undefined;
        for (const values of Object.values(attrs)) {
          newDelta = Object.values(values).reduce((sum: number, v) => sum + (v as number), 0);
        }
        if (newDelta === undefined) throw new ReferenceError("new_delta is not defined");
        model.delta = newDelta;
      }
      model.step();
    }
    return time + 1; // Step size is 1 second.
  }

  getData(outputs: OutputRequest): OutputData {
    const data: Record<string, unknown> = {};
    for (const [eid, attrs] of Object.entries(outputs)) {
      const model = this.entities.get(eid);
      if (model === undefined) throw new RangeError(`Unknown entity: ${eid}`);
      data.time = this.time;
      const values: Record<string, number> = {};
      data[eid] = values;
      for (const attr of attrs) {
        if (!ATTRS.includes(attr)) throw new ValueError(`Unknown output attribute: ${attr}`);
        values[attr] = attr === "val" ? model.val : model.delta;
      }
    }
    return data as OutputData;
  }
}

if (import.meta.main) Deno.exit(await startSimulation(new ExampleSim()));
