/**
 * The manager agent of a container in another process or worker.
 *
 * @module
 */

import { expose } from "../../rpc/expose.ts";
import type { ClockTime } from "../../clocks/clock.ts";
import { ExternalClock } from "../../clocks/external.ts";
import { Agent, type Container } from "../container.ts";

/** A class of agents that a manager can spawn. */
// deno-lint-ignore no-explicit-any
export type AgentClass = new (container: Container, ...args: any[]) => Agent;

/**
 * The first agent (id `"0"`) of a container started with
 * `startSubprocess` or `startWorker`. The parent calls it to spawn agents
 * by module specifier and export name, to set the child's external clock and
 * to stop the child.
 *
 * @example A manager in this process
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { Container, Manager } from "@denomas/denomas/agent";
 * import { ExternalClock } from "@denomas/denomas/clocks";
 *
 * const clock = new ExternalClock("2026-01-01T00:00:00Z");
 * await using container = await Container.create("local://managed", { clock });
 * const manager = new Manager(container, () => Promise.resolve());
 * manager.setTime(60);
 * assertEquals(clock.time(), 60);
 * ```
 */
export class Manager extends Agent {
  readonly #onStop: () => Promise<void>;

  /**
   * Creates the manager (normally agent `"0"` of a child container).
   *
   * @param container The container to manage.
   * @param onStop Called (after the reply to {@linkcode Manager.shutdown} is
   *   sent) to shut the child down.
   */
  constructor(container: Container, onStop: () => Promise<void>) {
    super(container);
    this.#onStop = onStop;
  }

  /**
   * Imports `module` and creates an agent of its export `exportName` with
   * `new Class(container, ...args)`.
   *
   * @param module An absolute module specifier (`file:`, `https:`, `npm:`, …).
   * @param exportName The name of the agent class among the module's exports.
   * @param args More constructor arguments.
   * @returns The new agent's URL.
   * @throws {TypeError} when the export is missing or not an agent class.
   */
  @expose
  async spawn(module: string, exportName: string, args: unknown[] = []): Promise<string> {
    if (typeof module !== "string" || typeof exportName !== "string" || !Array.isArray(args)) {
      throw new TypeError("spawn(module, exportName, args) takes two strings and an array");
    }
    const namespace = await import(module) as Record<string, unknown>;
    const cls = Object.hasOwn(namespace, exportName) ? namespace[exportName] : undefined;
    if (typeof cls !== "function" || !(cls.prototype instanceof Agent)) {
      throw new TypeError(`${JSON.stringify(exportName)} of ${module} is not an Agent subclass`);
    }
    const agent = new (cls as AgentClass)(this.container, ...args);
    return agent.addr;
  }

  /**
   * Sets the child's external clock to `t`: clock seconds, or a date (dates
   * travel through the container's date serializer).
   *
   * @throws {TypeError} when the child runs another kind of clock.
   * @throws {RangeError} when `t` is not after the clock's time.
   */
  @expose
  setTime(t: ClockTime): void {
    const clock = this.container.clock.base;
    if (!(clock instanceof ExternalClock)) {
      throw new TypeError(
        `The container ${this.container.url} runs a ${clock.constructor.name}, not an ExternalClock`,
      );
    }
    clock.setTime(t);
  }

  /** The child container's clock time in seconds. */
  @expose
  time(): number {
    return this.container.clock.time();
  }

  /** Shuts the child container down (and ends its process or worker), right after replying. */
  @expose
  shutdown(): void {
    setTimeout(() => void this.#onStop(), 0);
  }
}
