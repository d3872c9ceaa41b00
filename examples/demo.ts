/**
 * The denomas demo (`deno task demo`): two containers, agents calling each
 * other across them, a callback through a passed agent proxy, and an
 * external clock that runs a simulated morning in milliseconds, then a clean
 * shutdown.
 *
 * Run it with `deno run --allow-all examples/demo.ts`.
 *
 * @module
 */

import { Agent, type AgentProxy, Container } from "../agent/mod.ts";
import { ExternalClock } from "../clocks/mod.ts";
import { expose } from "../rpc/mod.ts";

/** Lives in container B: heats the room when asked, and reports back. */
class Heater extends Agent {
  #power = 0;

  /** Sets the heater's power and tells the thermostat through the proxy it passed. */
  @expose
  async heat(thermostat: AgentProxy<Thermostat>, power: number): Promise<string> {
    this.#power = power;
    const at = this.clock.utcnow().toPlainTime().toString().slice(0, 5);
    await thermostat.confirm(`heater at ${power}% since ${at}`);
    return power > 0 ? "warming up" : "idle";
  }

  /** How much the room warms per half hour at the current power. */
  @expose
  effect(): number {
    return this.#power / 50;
  }
}

/** Lives in container A: reads the room every 30 simulated minutes. */
class Thermostat extends Agent {
  readonly log: string[] = [];
  #temperature = 16.5;

  /** Called back by the heater, over the connection the thermostat opened. */
  @expose
  confirm(message: string): void {
    this.log.push(`    thermostat hears back: ${message}`);
  }

  async run(heaterUrl: string, target: number, readings: number): Promise<void> {
    const heater = await this.container.connect<Heater>(heaterUrl);
    this.log.push(`  ${this} connected to ${heater}`);
    for (let i = 0; i < readings; i++) {
      await this.clock.sleep(30 * 60);
      // The room loses 0.8 °C per half hour; the heater adds up to 2 °C.
      this.#temperature += await heater.effect() - 0.8;
      const time = this.clock.utcnow().toPlainTime().toString().slice(0, 5);
      const power = this.#temperature < target ? 100 : 0;
      this.log.push(`  [${time}] ${this.#temperature.toFixed(1)} °C, asking for ${power}%`);
      // Passing `this` sends a proxy: the heater calls us back with it.
      const state = await heater.heat(this, power);
      this.log.push(`    heater says: ${state}`);
    }
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const clock = new ExternalClock("2026-01-12T06:00:00Z");
  console.log("denomas demo: two containers, agents across them, one simulated clock\n");
  const a = await Container.create(["127.0.0.1", 0], { clock });
  const b = await Container.create(["127.0.0.1", 0], { clock });
  try {
    console.log(`  container A listens at ${a.url}`);
    console.log(`  container B listens at ${b.url}`);
    const heater = new Heater(b);
    const thermostat = new Thermostat(a);
    console.log(`  created ${thermostat} and ${heater}`);

    const run = thermostat.run(heater.addr, 20, 8);
    // The driver: jump the clock to the next wake-up whenever the agents are idle.
    let steps = 0;
    let done = false;
    run.finally(() => done = true);
    while (!done) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const next = clock.nextTime();
      if (next !== undefined && !done) {
        clock.setTime(next);
        steps++;
      }
    }
    await run;
    for (const line of thermostat.log) console.log(line);
    const simulated = clock.time() / 3600;
    const real = performance.now() - started;
    console.log(
      `\n  the external clock advanced ${simulated} simulated hours in ${steps} steps ` +
        `(${real.toFixed(0)} ms of real time); it is now ${clock.utcnow().toPlainTime()} UTC`,
    );
    console.log(
      `  connections: A opened ${a.outgoingConnections}, B accepted ${b.incomingConnections} ` +
        `(the callback used the same one)`,
    );
  } finally {
    await Promise.all([a.shutdown(), b.shutdown()]);
  }
  console.log("  both containers shut down cleanly; bye");
}

await main();
