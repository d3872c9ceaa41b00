/**
 * `ExampleMas` of mosaik's own tests (the `pyexamplemas` console script),
 * in TypeScript: a multi-agent system that uses mosaik's asynchronous
 * requests. It can replace `RemoteMAS` in mosaik's scenario tests:
 *
 * ```python
 * "RemoteMAS": {"cmd": "deno run -A examples/mosaik/example_mas.ts %(addr)s"},
 * ```
 *
 * Each step, every agent asks for the progress, learns its related
 * entities (at time 0 only), reads their `val_out` and sets their `val_in`
 * to 23.
 *
 * Run: `deno run -A examples/mosaik/example_mas.ts HOST:PORT [--remote]`
 *
 * @module
 */

import {
  type CreateResult,
  type Meta,
  type OutputData,
  Simulator,
  startSimulation,
} from "../../mosaik/mod.ts";
import { ValueError } from "./_python.ts";

/** mosaik's test multi-agent system `ExampleMas`. */
export class ExampleMas extends Simulator {
  sid = "";
  stepSize = 1;
  readonly agents: string[] = [];
  /** Full ids of each agent's related entities, by the agent's full id. */
  related: Record<string, string[]> = {};
  /** The `val_out` values read in the last step. */
  lastData: Record<string, Record<string, unknown>> = {};
  progress = 0;

  constructor() {
    super({
      type: "time-based",
      models: { Agent: { public: true, params: [], attrs: [] } },
    });
  }

  override init(sid: string, _timeResolution: number, simParams: Record<string, unknown>): Meta {
    for (const key of Object.keys(simParams)) {
      if (key !== "step_size") {
        throw new TypeError(`init() got an unexpected keyword argument '${key}'`);
      }
    }
    this.sid = sid;
    if (simParams.step_size !== undefined) this.stepSize = simParams.step_size as number;
    return this.meta;
  }

  create(num: number, model: string, modelParams: Record<string, unknown>): CreateResult[] {
    if (model !== "Agent") throw new ValueError(`Unknown model: "${model}"`);
    const unexpected = Object.keys(modelParams)[0];
    if (unexpected !== undefined) {
      throw new TypeError(`create() got an unexpected keyword argument '${unexpected}'`);
    }
    const entities: CreateResult[] = [];
    for (let i = 0; i < num; i++) {
      const eid = String(this.agents.length);
      this.agents.push(eid);
      entities.push({ eid, type: model });
    }
    return entities;
  }

  async step(time: number): Promise<number> {
    this.progress = await this.mosaik.getProgress();
    const fullIds = this.agents.map((eid) => `${this.sid}.${eid}`);
    if (time === 0) {
      const related = await this.mosaik.getRelatedEntities(fullIds);
      this.related = Object.fromEntries(
        fullIds.map((id) => [id, Object.keys(related[id] ?? {})]),
      );
    }
    const request: Record<string, string[]> = {};
    for (const id of fullIds) {
      for (const other of this.related[id] ?? []) request[other] = ["val_out"];
    }
    this.lastData = await this.mosaik.getData(request);
    const data: Record<string, Record<string, Record<string, unknown>>> = {};
    for (const id of fullIds) {
      data[id] = Object.fromEntries(
        (this.related[id] ?? []).map((other) => [other, { val_in: 23 }]),
      );
    }
    await this.mosaik.setData(data);
    return time + this.stepSize;
  }

  getData(): OutputData {
    return {};
  }
}

if (import.meta.main) Deno.exit(await startSimulation(new ExampleMas()));
