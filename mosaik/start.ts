/**
 * Starting a simulator process the way mosaik starts one.
 *
 * @module
 */

import { parseSimulatorArgs, usage, UsageError } from "./args.ts";
import { type Logger, stderrLogger } from "./log.ts";
import { runSimulator } from "./run.ts";
import type { Simulator } from "./simulator.ts";
import { MosaikConnectionError } from "./errors.ts";

/** Options of {@linkcode startSimulation}. */
export interface StartSimulationOptions {
  /**
   * The command line.
   *
   * @default {Deno.args}
   */
  readonly args?: readonly string[];
  /** The first line of the `--help` text. */
  readonly description?: string;
  /**
   * Receives the log lines; by default they go to stderr from the level
   * given with `-l/--log-level` (`info` without it).
   */
  readonly log?: Logger;
  /** Ends the simulation early. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `sim` as a mosaik simulator process, reading the command line as
 * mosaik-api-v3 does: `HOST:PORT` connects to mosaik (what a `cmd` entry
 * with `%(addr)s` runs), `-r/--remote` listens at `HOST:PORT` and waits up
 * to `-t/--timeout` seconds (60) for mosaik (a `connect` entry), and
 * `-l/--log-level` sets the log level.
 *
 * Resolves when mosaik sends `stop` or closes the connection, after
 * `sim.finalize()`. Failures are reported on stderr, never thrown.
 *
 * @param sim The simulator.
 * @param options The command line and the log.
 * @returns The exit code: 0 when the simulation ended normally, 1 after an
 *   error (a bad command line, mosaik not reachable or vanished, an error
 *   in `init`).
 *
 * @example As the main module of a simulator
 * ```ts ignore
 * if (import.meta.main) Deno.exit(await startSimulation(new ExampleSim()));
 * ```
 *
 * @example A bad command line
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { type OutputRequest, Simulator, startSimulation } from "@denomas/denomas/mosaik";
 *
 * class Idle extends Simulator {
 *   constructor() {
 *     super({ models: {} });
 *   }
 *   create() {
 *     return [];
 *   }
 *   step(time: number) {
 *     return time + 1;
 *   }
 *   getData(_outputs: OutputRequest) {
 *     return {};
 *   }
 * }
 * const lines: string[] = [];
 * const code = await startSimulation(new Idle(), {
 *   args: ["--frobnicate", "127.0.0.1:5555"],
 *   log: (_level, message) => lines.push(message),
 * });
 * assertEquals(code, 1);
 * assertEquals(lines[0], "Unknown option --frobnicate");
 * ```
 */
export async function startSimulation(
  sim: Simulator,
  options: StartSimulationOptions = {},
): Promise<number> {
  const name = sim.constructor.name;
  const program = `deno run -A ${Deno.mainModule.split("/").pop() ?? "simulator.ts"}`;
  let log = options.log ?? stderrLogger("info");
  let args;
  try {
    args = parseSimulatorArgs(options.args ?? Deno.args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    log("error", error.message);
    log("error", usage(program, options.description));
    return 1;
  }
  if (args.help) {
    console.log(usage(program, options.description));
    return 0;
  }
  log = options.log ?? stderrLogger(args.logLevel);
  try {
    log("info", `Starting ${name} ...`);
    sim.configure(args);
    const end = await runSimulator(sim, {
      hostname: args.hostname,
      port: args.port,
      remote: args.remote,
      timeout: args.timeout * 1000,
      signal: options.signal,
      log,
    });
    log(
      "info",
      end === "stop" ? `${name} stopped by mosaik` : `${name} ended: mosaik closed the connection`,
    );
    return 0;
  } catch (error) {
    if (error instanceof MosaikConnectionError) {
      log("error", error.message);
    } else {
      const stack = error instanceof Error
        ? error.stack ?? `${error.name}: ${error.message}`
        : String(error);
      log("error", `Error in ${name}:\n${stack}\n---------${"-".repeat(name.length)}-`);
    }
    return 1;
  }
}
