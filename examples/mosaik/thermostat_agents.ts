/**
 * denomas agents as one mosaik simulator: thermostats that switch heaters
 * by calling them over the network, run by a {@linkcode ContainerSimulator}.
 *
 * - `Heater` (param `power` in W): attributes `P` (W) and `energy` (Wh).
 *   It books its energy every 60 s of simulated time, so mosaik steps the
 *   simulator at least once a minute.
 * - `Thermostat` (params `setpoint` in °C and `heater`, the eid of a
 *   heater here or the URL of a heater agent anywhere): input
 *   `temperature` (triggers a step), output `heater_on` (0 or 1). It turns
 *   its heater on 0.5 K below the setpoint and off 0.5 K above, by an RPC
 *   call to the heater agent during the step.
 *
 * In a scenario:
 *
 * ```python
 * SIM_CONFIG = {'Heating': {'cmd': 'deno run -A examples/mosaik/thermostat_agents.ts %(addr)s'}}
 * heating = world.start('Heating', time_resolution=1.)
 * heater = heating.Heater(power=2000)
 * thermostat = heating.Thermostat(setpoint=21, heater=heater.eid)
 * world.connect(room, thermostat, ('T', 'temperature'))
 * ```
 *
 * Run: `deno run -A examples/mosaik/thermostat_agents.ts HOST:PORT [--remote]`
 *
 * @module
 */

import { Agent, type AgentProxy, type Container } from "../../agent/mod.ts";
import { ContainerSimulator, startSimulation } from "../../mosaik/mod.ts";
import { expose } from "../../rpc/mod.ts";

/** How often a heater books its energy, in seconds of simulated time. */
export const BOOKING_PERIOD = 60;

/** A heater with a fixed power that a thermostat switches. */
export class Heater extends Agent {
  readonly power: number;
  on = false;
  /** Energy used so far, in Wh. */
  energy = 0;
  #bookedAt = 0;

  constructor(container: Container, power: number) {
    super(container);
    this.power = power;
    this.#bookedAt = this.clock.time();
    this.runTask(async (signal) => {
      while (!signal.aborted) {
        await this.clock.sleep(BOOKING_PERIOD);
        this.#book();
      }
    });
  }

  /** Switches the heater; returns the new state. */
  @expose
  switch(on: boolean): boolean {
    this.#book();
    this.on = on;
    return on;
  }

  getData(attrs: readonly string[]): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    if (attrs.includes("P")) values.P = this.on ? this.power : 0;
    if (attrs.includes("energy")) values.energy = this.energy;
    return values;
  }

  #book(): void {
    const now = this.clock.time();
    if (this.on) this.energy += (this.power * (now - this.#bookedAt)) / 3600;
    this.#bookedAt = now;
  }
}

/** A two-point controller for one heater. */
export class Thermostat extends Agent {
  readonly setpoint: number;
  readonly heaterUrl: string;
  on = false;
  #heater: AgentProxy<Heater> | undefined;

  constructor(container: Container, setpoint: number, heaterUrl: string) {
    super(container);
    this.setpoint = setpoint;
    this.heaterUrl = heaterUrl;
  }

  async setInputs(inputs: Record<string, Record<string, unknown>>): Promise<void> {
    const readings = Object.values(inputs.temperature ?? {}) as number[];
    if (readings.length === 0) return;
    const temperature = readings.reduce((sum, t) => sum + t, 0) / readings.length;
    let on = this.on;
    if (temperature < this.setpoint - 0.5) on = true;
    else if (temperature > this.setpoint + 0.5) on = false;
    if (on === this.on) return;
    this.#heater ??= await this.container.connect<Heater>(this.heaterUrl);
    this.on = await this.#heater.switch(on);
  }

  getData(attrs: readonly string[]): Record<string, unknown> {
    return attrs.includes("heater_on") ? { heater_on: this.on ? 1 : 0 } : {};
  }
}

/** The simulator: one container with heaters and thermostats. */
export function heatingSimulator(): ContainerSimulator {
  return new ContainerSimulator({
    type: "hybrid",
    models: {
      Heater: {
        params: ["power"],
        attrs: ["P", "energy"],
        create: (container, params) => new Heater(container, Number(params.power ?? 1000)),
      },
      Thermostat: {
        params: ["setpoint", "heater"],
        attrs: ["temperature", "heater_on"],
        trigger: ["temperature"],
        create: (container, params, sim) => {
          const heater = String(params.heater);
          const url = sim.entity(heater)?.addr ?? heater;
          return new Thermostat(container, Number(params.setpoint ?? 21), url);
        },
      },
    },
  });
}

if (import.meta.main) Deno.exit(await startSimulation(heatingSimulator()));
