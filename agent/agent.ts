/**
 * The agent base class.
 *
 * @module
 */

import { ScopedClock } from "../clocks/scoped.ts";
import { INSPECT } from "../internal/inspect.ts";
import type { Container } from "./container.ts";
import { ShutdownError } from "./errors.ts";
import { agentInternals, containerHooks } from "./_hooks.ts";

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
   * @param task The task; it should pass `signal` on (to sleeps and calls).
   * @returns The task's result.
   * @throws {ShutdownError} (rejects) when the agent is stopped already.
   */
  runTask<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    const signal = this.signal;
    if (signal.aborted) return Promise.reject(signal.reason);
    const run = (async () => {
      try {
        return await task(signal);
      } catch (error) {
        if (signal.aborted && error === signal.reason) return undefined;
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
