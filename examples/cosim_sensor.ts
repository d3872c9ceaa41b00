/**
 * An agent for the co-simulation example in `docs/clocks.md`: it samples
 * every `period` seconds of its container's clock. A coordinator in another
 * process spawns it in a child container and moves that container's
 * external clock.
 *
 * @module
 */

import { Agent, type Container } from "../agent/mod.ts";
import { expose } from "../rpc/mod.ts";

/** Takes a sample every `period` seconds of clock time. */
export class Sensor extends Agent {
  readonly #samples: string[] = [];

  /**
   * @param container The container to live in.
   * @param period Seconds of clock time between samples.
   */
  constructor(container: Container, period: number) {
    super(container);
    this.runTask(async (signal) => {
      while (!signal.aborted) {
        await this.clock.sleep(period);
        this.#samples.push(this.clock.utcnow().toPlainTime().toString());
      }
    });
  }

  /** The times of day of the samples taken so far. */
  @expose
  samples(): string[] {
    return this.#samples;
  }
}
