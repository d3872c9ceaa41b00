/**
 * mosaik simulators in TypeScript: the simulator API of mosaik 3 (OFFIS'
 * co-simulation framework) over its low-level protocol, and an adapter
 * that runs a denomas {@linkcode Container} as one mosaik simulator.
 *
 * Subclass {@linkcode Simulator}, and start it with
 * {@linkcode startSimulation}: mosaik runs it through a `cmd` entry
 * (`deno run -A my_sim.ts %(addr)s`), or connects to it (`connect`) when it
 * was started with `--remote`.
 *
 * @example A simulator in a few lines
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { type OutputRequest, Simulator } from "@denomas/denomas/mosaik";
 *
 * class Clock extends Simulator {
 *   time = 0;
 *   constructor() {
 *     super({ type: "time-based", models: { Clock: { public: true, params: [], attrs: ["t"] } } });
 *   }
 *   create(num: number, model: string) {
 *     return Array.from({ length: num }, (_, i) => ({ eid: `Clock_${i}`, type: model }));
 *   }
 *   step(time: number) {
 *     this.time = time;
 *     return time + 60;
 *   }
 *   getData(outputs: OutputRequest) {
 *     return Object.fromEntries(Object.keys(outputs).map((eid) => [eid, { t: this.time }]));
 *   }
 * }
 * // In a simulator's main module: Deno.exit(await startSimulation(new Clock()));
 * const sim = new Clock();
 * assertEquals(sim.step(0), 60);
 * ```
 *
 * @module
 */

export {
  DEFAULT_REMOTE_TIMEOUT,
  LOG_LEVELS,
  type LogLevel,
  parseHostPort,
  parseSimulatorArgs,
  type SimulatorArgs,
  usage,
  UsageError,
} from "./args.ts";
export { MosaikConnectionError, MosaikError, MosaikRequestError } from "./errors.ts";
export { type Logger, logs, silentLogger, stderrLogger } from "./log.ts";
export type { MosaikProxy } from "./proxy.ts";
export { runSimulator, type RunSimulatorOptions, type SimulationEnd } from "./run.ts";
export { API_VERSION, Simulator } from "./simulator.ts";
export { startSimulation, type StartSimulationOptions } from "./start.ts";
export type * from "./types.ts";
export {
  type AgentModel,
  ContainerSimulator,
  type ContainerSimulatorOptions,
  DEFAULT_START_DATE,
  type EntityAgent,
  type MosaikEntity,
} from "./container_simulator.ts";
