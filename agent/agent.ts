/**
 * The agent base class.
 *
 * @module
 */

import { ScopedClock } from "../clocks/scoped.ts";
import { INSPECT } from "../internal/inspect.ts";
import type { Container } from "./container.ts";
import { logError } from "../errors.ts";
import { AgentTaskError, ShutdownError } from "./errors.ts";
import { agentInternals, containerErrors, containerHooks } from "./_hooks.ts";

/** Options of {@linkcode Agent.runTask}. */
export interface TaskOptions {
  /**
   * The task's name in error reports.
   *
   * @default {the function's name, else `"anonymous"`}
   */
  readonly name?: string;
}

/** Options of {@linkcode Agent.every}. */
export interface EveryOptions extends TaskOptions {
  /** Stops the periodic task (as stopping the agent does). */
  readonly signal?: AbortSignal;
}

/**
 * The base class of agents. Subclass it, expose methods with `@expose` (and
 * sub-services with `@expose` on fields), and create instances with
 * `new MyAgent(container, ...)`: the constructor registers the agent with its
 * container, which gives it the next id (`"0"`, `"1"`, … in creation order)
 * and makes its exposed methods callable at `agents/<id>/<method>`.
 *
 * Passing an agent as an argument or result of a remote call sends a proxy
 * of it, so the receiver can call it back over the same connection.
 *
 * @example Two agents in one container
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { Agent, Container } from "@denomas/denomas/agent";
 * import { expose } from "@denomas/denomas/rpc";
 *
 * class Callee extends Agent {
 *   @expose
 *   spam(times: number): string {
 *     return "spam".repeat(times);
 *   }
 * }
 *
 * class Caller extends Agent {
 *   async run(calleeAddr: string): Promise<string> {
 *     const callee = await this.container.connect<Callee>(calleeAddr);
 *     return await callee.spam(3);
 *   }
 * }
 *
 * await using container = await Container.create(["127.0.0.1", 0]);
 * const callee = new Callee(container);
 * const caller = new Caller(container);
 * assertEquals(callee.aid, "0");
 * assertEquals(String(caller), `Caller('${container.url}/1')`);
 * assertEquals(await caller.run(callee.addr), "spamspamspam");
 * ```
 */
export class Agent {
  /** The container the agent lives in. */
  readonly container: Container;
  /** The agent's id within its container: `"0"`, `"1"`, … */
  readonly aid: string;
  /** The agent's URL, e.g. `"tcp://127.0.0.1:5555/0"`. */
  readonly addr: string;
  // The scope, clock and task set are made on first use: most agents of a
  // big population never sleep, so creating one stays cheap.
  #scope: AbortController | undefined;
  #clock: ScopedClock | undefined;
  #tasks: Set<Promise<unknown>> | undefined;
  #stopReason: Error | undefined;
  #stopping: Promise<void> | undefined;

  static {
    agentInternals.stop = (agent, reason) => agent.#stop(reason);
  }

  /**
   * Registers the agent with `container`.
   *
   * @param container The container to live in.
   * @throws {ShutdownError} when the container is shut down.
   */
  constructor(container: Container) {
    const hooks = containerHooks.get(container);
    if (hooks === undefined) {
      throw new ShutdownError(`Cannot add an agent: container ${container.url} is shut down`);
    }
    this.container = container;
    this.aid = hooks.register(this);
    this.addr = `${container.url}/${this.aid}`;
  }

  /**
   * The container's clock, scoped to this agent: its sleeps and timers end
   * when the agent stops or the container shuts down.
   */
  get clock(): ScopedClock {
    return this.#clock ??= new ScopedClock(this.container.clock.base, this.signal);
  }

  /** Aborts when the agent stops or its container shuts down. */
  get signal(): AbortSignal {
    if (this.#scope === undefined) {
      this.#scope = new AbortController();
      if (this.#stopReason !== undefined) this.#scope.abort(this.#stopReason);
    }
    return this.#scope.signal;
  }

  /** Whether the agent was stopped (or its container shut down). */
  get stopped(): boolean {
    return this.#stopReason !== undefined;
  }

  /**
   * Runs `task(signal)` as a task of this agent. {@linkcode Agent.stop} and
   * the container's shutdown abort `signal` and wait for the task to end; a
   * task that ends by rejecting with the abort reason counts as stopped, and
   * the returned promise then resolves to `undefined`.
   *
   * A task that fails is reported to the container's `onError` hook as an
   * {@linkcode AgentTaskError} naming the container, the agent and the task
   * (so a task nobody awaits is not lost); the returned promise rejects
   * with the task's own error too.
   *
   * @param task The task; it should pass `signal` on (to sleeps and calls).
   * @param options The task's name for error reports.
   * @returns The task's result.
   * @throws {ShutdownError} (rejects) when the agent is stopped already.
   *
   * @example A failed background task is reported
   * ```ts
   * import { ok as assert } from "node:assert/strict";
   * import { Agent, AgentTaskError, Container } from "@denomas/denomas/agent";
   *
   * const reported = Promise.withResolvers<Error>();
   * await using container = await Container.create("local://tasks", { onError: reported.resolve });
   * const agent = new Agent(container);
   * agent.runTask(async function poll() {
   *   throw new Error("sensor offline");
   * });
   * const error = await reported.promise;
   * assert(error instanceof AgentTaskError && error.task === "poll");
   * assert(error.message.includes("sensor offline"));
   * ```
   */
  runTask<T>(
    task: (signal: AbortSignal) => Promise<T>,
    options: TaskOptions = {},
  ): Promise<T | undefined> {
    const signal = this.signal;
    if (signal.aborted) return Promise.reject(signal.reason);
    const run = (async () => {
      try {
        return await task(signal);
      } catch (error) {
        if (signal.aborted && error === signal.reason) return undefined;
        this.#reportTask(options.name ?? taskName(task), error);
        throw error;
      }
    })();
    const tracked = run.then(() => {}, () => {});
    const tasks = this.#tasks ??= new Set();
    tasks.add(tracked);
    tracked.then(() => tasks.delete(tracked));
    return run;
  }

  /**
   * Runs `fn(signal)` every `interval` seconds of the agent's clock (real
   * or simulated time, e.g. an `ExternalClock`), the first time one interval
   * from now, as a task of this agent (see {@linkcode Agent.runTask}).
   *
   * Runs never overlap: the next one waits for the current one to end. The
   * schedule stays on the grid `now + k × interval`; ticks missed by a run
   * that took longer than `interval` are skipped (no burst of catch-up
   * runs), and the next run is at the first tick not yet past. A run that
   * fails is reported to the container's `onError` hook as an
   * {@linkcode AgentTaskError}, and the schedule goes on.
   *
   * @param interval Seconds of clock time between runs; more than 0.
   * @param fn The work; it gets a signal that aborts when the task stops.
   * @param options A signal that stops the task, and the task's name for
   *   error reports.
   * @returns Resolves once the task stopped: when `options.signal` aborts,
   *   the agent stops or its container shuts down.
   * @throws {RangeError} (rejects) when `interval` is not a positive number.
   * @throws {ShutdownError} (rejects) when the agent is stopped already.
   *
   * @example Ticks in simulated time
   * ```ts
   * import { strictEqual as assertEquals } from "node:assert/strict";
   * import { Agent, Container } from "@denomas/denomas/agent";
   * import { ExternalClock } from "@denomas/denomas/clocks";
   *
   * const clock = new ExternalClock("2026-01-01T00:00:00Z");
   * await using container = await Container.create("local://every", { clock });
   * const agent = new Agent(container);
   * const seen: number[] = [];
   * const done = agent.every(10, () => void seen.push(clock.time()));
   * for (const t of [10, 20, 30]) {
   *   clock.setTime(t);
   *   await new Promise((resolve) => setTimeout(resolve, 0));
   * }
   * await agent.stop();
   * await done;
   * assertEquals(seen.join(), "10,20,30");
   * ```
   */
  every(
    interval: number,
    fn: (signal: AbortSignal) => unknown,
    options: EveryOptions = {},
  ): Promise<void> {
    if (typeof interval !== "number" || !(interval > 0) || interval === Infinity) {
      return Promise.reject(
        new RangeError(`every() needs an interval of more than 0 seconds, got ${String(interval)}`),
      );
    }
    const name = options.name ?? taskName(fn);
    return this.runTask(async (agentSignal) => {
      const signal = options.signal === undefined
        ? agentSignal
        : AbortSignal.any([agentSignal, options.signal]);
      const clock = this.clock;
      const start = clock.time();
      let tick = 1;
      while (!signal.aborted) {
        try {
          await clock.sleepUntil(start + tick * interval, undefined, { signal });
        } catch (error) {
          if (signal.aborted) return;
          throw error;
        }
        try {
          await fn(signal);
        } catch (error) {
          if (signal.aborted && error === signal.reason) return;
          this.#reportTask(name, error);
        }
        // The next tick of the grid that has not passed yet; never the same one again.
        tick = Math.max(tick + 1, Math.ceil((clock.time() - start) / interval));
      }
    }, { name });
  }

  /** Reports a failed task to the container's `onError` hook. */
  #reportTask(name: string, error: unknown): void {
    const report = new AgentTaskError(this.container.url, String(this), name, { cause: error });
    const onError = containerErrors.get(this.container) ?? logError;
    try {
      onError(report);
    } catch (failure) {
      logError(failure instanceof Error ? failure : new Error(String(failure)));
    }
  }

  /**
   * Stops the agent: removes it from its container (later calls to it fail
   * with "not found"), aborts {@linkcode Agent.signal}, ends its sleeps and
   * timers, and waits for the tasks started with {@linkcode Agent.runTask}.
   * Calling it again is harmless.
   */
  stop(): Promise<void> {
    return this.#stop(new ShutdownError(`Agent ${this} was stopped`));
  }

  #stop(reason: Error): Promise<void> {
    this.#stopping ??= (async () => {
      containerHooks.get(this.container)?.unregister(this);
      this.#stopReason = reason;
      this.#scope?.abort(reason);
      const tasks = this.#tasks;
      while (tasks !== undefined && tasks.size > 0) await Promise.all([...tasks]);
    })();
    return this.#stopping;
  }

  /** E.g. `Caller('tcp://127.0.0.1:5555/1')`. */
  toString(): string {
    return `${this.constructor.name}('${this.addr}')`;
  }

  /** Shows the agent as {@linkcode Agent.toString} does. */
  [INSPECT](): string {
    return this.toString();
  }
}

/** A task's name for reports: its function's name (without "bound "), else "anonymous". */
function taskName(fn: { readonly name: string }): string {
  return fn.name.replace(/^bound /, "") || "anonymous";
}
