/**
 * The base class of a mosaik simulator.
 *
 * @module
 */

import { DenomasError } from "../errors.ts";
import type { MosaikProxy } from "./proxy.ts";
import type { SimulatorArgs } from "./args.ts";
import type {
  CreateResult,
  InputData,
  MaybePromise,
  Meta,
  MetaInput,
  ModelName,
  OutputData,
  OutputRequest,
  SimId,
  Time,
} from "./types.ts";

/**
 * The API version put in {@linkcode Meta.api_version} by default: the
 * mosaik-api-v3 release whose behaviour this module follows.
 */
export const API_VERSION = "3.0.13";

const NOT_CONNECTED: MosaikProxy = {
  signal: new AbortController().signal,
  getProgress: notConnected,
  getRelatedEntities: notConnected,
  getData: notConnected,
  setData: notConnected,
  setEvent: notConnected,
} as MosaikProxy;

function notConnected(): Promise<never> {
  return Promise.reject(new DenomasError("This simulator is not connected to mosaik"));
}

/**
 * A mosaik simulator: subclass it, implement {@linkcode Simulator.create},
 * {@linkcode Simulator.step} and {@linkcode Simulator.getData}, and hand an
 * instance to {@linkcode startSimulation}. Every method may be sync or
 * async. mosaik's snake_case calls map to these methods (`setup_done` →
 * `setupDone`, `get_data` → `getData`); arguments are bound by their Python
 * parameter names, so mosaik may send them positionally or as keywords.
 *
 * Methods listed in `meta.extra_methods` are called by the name listed
 * there, or by its camelCase form (`example_method` → `exampleMethod`), with
 * keyword arguments bound to the method's parameter names.
 *
 * @example A counter per entity
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { type InputData, type OutputRequest, Simulator } from "@denomas/denomas/mosaik";
 *
 * class Counter extends Simulator {
 *   counts = new Map<string, number>();
 *   constructor() {
 *     super({ type: "time-based", models: { C: { public: true, params: [], attrs: ["n"] } } });
 *   }
 *   create(num: number, model: string) {
 *     return Array.from({ length: num }, () => {
 *       const eid = `C_${this.counts.size}`;
 *       this.counts.set(eid, 0);
 *       return { eid, type: model };
 *     });
 *   }
 *   step(time: number, _inputs: InputData) {
 *     for (const [eid, n] of this.counts) this.counts.set(eid, n + 1);
 *     return time + 1;
 *   }
 *   getData(outputs: OutputRequest) {
 *     return Object.fromEntries(
 *       Object.keys(outputs).map((eid) => [eid, { n: this.counts.get(eid) }]),
 *     );
 *   }
 * }
 *
 * const sim = new Counter();
 * assertEquals(sim.meta.api_version, "3.0.13");
 * assertEquals(sim.create(1, "C"), [{ eid: "C_0", type: "C" }]);
 * assertEquals(sim.step(0, {}), 1);
 * assertEquals(sim.getData({ C_0: ["n"] }), { C_0: { n: 1 } });
 * ```
 */
export abstract class Simulator {
  /**
   * The meta data sent to mosaik by the default {@linkcode Simulator.init}:
   * the constructor's argument over the defaults `api_version`
   * ({@linkcode API_VERSION}), `type: "time-based"` and `extra_methods: []`.
   */
  meta: Meta;
  /**
   * mosaik, for requests during a step (`await this.mosaik.getProgress()`).
   * Set when the simulator is connected.
   */
  mosaik: MosaikProxy = NOT_CONNECTED;
  /** Seconds per mosaik time step, from `init` (1 until then). */
  timeResolution = 1;

  /**
   * Sets {@linkcode Simulator.meta} from `meta` and the defaults.
   *
   * @param meta The simulator's models and, optionally, type and extra methods.
   */
  constructor(meta: MetaInput) {
    // The key order of mosaik-api-v3's meta, for identical JSON.
    this.meta = Object.assign(
      { api_version: API_VERSION, models: {}, extra_methods: [], type: "time-based" as const },
      meta,
    );
  }

  /**
   * Called once, first. Returns the meta data; the default returns
   * {@linkcode Simulator.meta} and ignores `simParams`.
   *
   * @param _sid The simulator's id in the scenario.
   * @param _timeResolution Seconds per time step.
   * @param _simParams The other keyword arguments of `world.start(...)`.
   */
  init(
    _sid: SimId,
    _timeResolution: number,
    _simParams: Record<string, unknown>,
  ): MaybePromise<Meta> {
    return this.meta;
  }

  /**
   * Creates `num` entities of `model`.
   *
   * @param num How many.
   * @param model A public model of the meta.
   * @param modelParams The model's parameters, by name.
   * @returns Exactly `num` entity descriptions.
   */
  abstract create(
    num: number,
    model: ModelName,
    modelParams: Record<string, unknown>,
  ): MaybePromise<CreateResult[]>;

  /** Called when the scenario is set up, before the first step. The default does nothing. */
  setupDone(): MaybePromise<void> {}

  /**
   * Performs the step at `time`.
   *
   * @param time The step's time (an integer).
   * @param inputs Inputs by entity, attribute and source.
   * @param maxAdvance How far the simulator may advance without missing an input.
   * @returns The time of the next step (an integer after `time`), or `null` for none.
   */
  abstract step(time: Time, inputs: InputData, maxAdvance: Time): MaybePromise<Time | null>;

  /**
   * Returns the values of the requested attributes.
   *
   * @param outputs Attribute names by entity.
   */
  abstract getData(outputs: OutputRequest): MaybePromise<OutputData>;

  /**
   * Called by {@linkcode startSimulation} with the parsed command line,
   * before it connects. The default does nothing.
   */
  configure(_args: SimulatorArgs): void {}

  /** Called when the simulation ended (stop, connection closed, or an error). */
  finalize(): MaybePromise<void> {}
}
