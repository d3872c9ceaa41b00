/**
 * `ExampleSim` of mosaik's own tests (the `pyexamplesim` console script),
 * in TypeScript. It can replace `Remote` in mosaik's scenario tests:
 *
 * ```python
 * "Remote": {"cmd": "deno run -A examples/mosaik/example_sim.ts %(addr)s"},
 * ```
 *
 * Time-based. Model `A` counts up from `init_val` by one per inner step;
 * model `B` takes the sum of its `val_in` inputs when some came and keeps
 * its value otherwise; `C` is a sub-model without attributes. Each `step`
 * does `step_size` inner steps. Every `create` call makes a new group `g`
 * whose entities are `"g.0"`, `"g.1"`, …
 *
 * Run: `deno run -A examples/mosaik/example_sim.ts HOST:PORT [--remote]`
 *
 * @module
 */

import {
  type CreateResult,
  type InputData,
  type Meta,
  type OutputData,
  type OutputRequest,
  Simulator,
  startSimulation,
} from "../../mosaik/mod.ts";
import { noOtherParams } from "./_python.ts";

interface Entity {
  readonly model: string;
  value: number;
}

/** mosaik's test simulator `ExampleSim`. */
export class ExampleSim extends Simulator {
  stepSize = 1;
  readonly entities = new Map<string, Entity>();
  #groups = 0;

  constructor() {
    super({
      type: "time-based",
      models: {
        A: { public: true, params: ["init_val"], attrs: ["val_out", "dummy_out"] },
        B: { public: true, params: ["init_val"], attrs: ["val_in", "val_out", "dummy_in"] },
        C: { public: false, params: [], attrs: [] },
      },
      extra_methods: ["example_method"],
    });
  }

  override init(_sid: string, _timeResolution: number, simParams: Record<string, unknown>): Meta {
    noOtherParams("init", simParams, ["step_size"]);
    if (simParams.step_size !== undefined) this.stepSize = simParams.step_size as number;
    return this.meta;
  }

  create(num: number, model: string, modelParams: Record<string, unknown>): CreateResult[] {
    noOtherParams("create", modelParams, ["init_val"]);
    const group = this.#groups++;
    const initVal = (modelParams.init_val as number | undefined) ?? 0;
    const entities: CreateResult[] = [];
    for (let i = 0; i < num; i++) {
      const eid = `${group}.${i}`;
      this.entities.set(eid, { model, value: initVal });
      entities.push({ eid, type: model });
    }
    return entities;
  }

  step(time: number, inputs: InputData): number {
    for (let i = 0; i < this.stepSize; i++) {
      for (const [eid, entity] of this.entities) {
        if (entity.model === "A") {
          entity.value += 1;
        } else if (entity.model === "B") {
          const sources = inputs[eid]?.val_in;
          if (sources !== undefined && Object.keys(sources).length > 0) {
            entity.value = Object.values(sources).reduce(
              (sum: number, v) => sum + (v as number),
              0,
            );
          }
        }
      }
    }
    return time + this.stepSize;
  }

  getData(outputs: OutputRequest): OutputData {
    const data: Record<string, Record<string, number>> = {};
    for (const [eid, attrs] of Object.entries(outputs)) {
      const entity = this.entities.get(eid);
      if (entity === undefined) throw new RangeError(`Unknown entity: ${eid}`);
      data[eid] = attrs.includes("val_out") ? { val_out: entity.value } : {};
    }
    return data;
  }

  /** The extra method mosaik's tests call: returns its argument. */
  example_method(value: unknown): unknown {
    return value;
  }
}

if (import.meta.main) Deno.exit(await startSimulation(new ExampleSim()));
