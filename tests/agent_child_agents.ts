/**
 * Agents that the subprocess and worker tests spawn in child containers.
 *
 * @module
 */

import { Agent, type AgentProxy, type Container } from "../agent/mod.ts";
import { expose } from "../rpc/mod.ts";

/** Wakes every `period` seconds of clock time and records the time. */
export class Ticker extends Agent {
  readonly #ticks: number[] = [];

  constructor(container: Container, period: number) {
    super(container);
    this.runTask(async () => {
      for (;;) {
        await this.clock.sleep(period);
        this.#ticks.push(this.clock.time());
      }
    });
  }

  @expose
  ticks(): number[] {
    return this.#ticks;
  }

  @expose
  pid(): number {
    return Deno.pid;
  }

  /** Calls `caller.hello(name)` back, across the process boundary. */
  @expose
  async greet(caller: AgentProxy<Greeter>, name: string): Promise<string> {
    return `${await caller.hello(name)} (via ${this.aid})`;
  }
}

/** The parent side of the callback. */
export class Greeter extends Agent {
  @expose
  hello(name: string): string {
    return `hello ${name} from ${this.addr}`;
  }
}

/** Not an agent: spawning it must fail. */
export class NotAnAgent {}
