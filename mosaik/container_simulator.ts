/**
 * A denomas container as a mosaik simulator: entities are agents, and the
 * container's external clock follows mosaik's time.
 *
 * @module
 */

import { DenomasError } from "../errors.ts";
import type { Address } from "../channel/address.ts";
import { type Agent, Container, type ContainerOptions } from "../agent/container.ts";
import { type DateInput, ExternalClock } from "../clocks/external.ts";
import { asPromise } from "../internal/async.ts";
import { settle, Tracker } from "./_idle.ts";
import { Simulator } from "./simulator.ts";
import type {
  Attr,
  CreateResult,
  FullId,
  InputData,
  MaybePromise,
  Meta,
  ModelDescription,
  OutputData,
  OutputRequest,
  Time,
} from "./types.ts";

/** What an agent implements to be a mosaik entity. */
export interface MosaikEntity {
  /**
   * Receives the entity's inputs of a step: attribute → source full id →
   * value. The step waits for the returned promise.
   */
  setInputs?(inputs: Record<Attr, Record<FullId, unknown>>, time: Time): MaybePromise<void>;
  /**
   * Returns the current values of `attrs`; an attribute left out has no new
   * value (for event-based outputs).
   */
  getData(attrs: readonly Attr[]): MaybePromise<Record<Attr, unknown>>;
}

/** An agent that is a mosaik entity. */
export type EntityAgent = Agent & MosaikEntity;

/** One model of a {@linkcode ContainerSimulator}: its meta entries and how to make an agent. */
export interface AgentModel {
  /**
   * Whether a scenario may create it.
   *
   * @default {true}
   */
  readonly public?: boolean;
  /**
   * The parameter names `create` accepts.
   *
   * @default {[]}
   */
  readonly params?: readonly string[];
  /** The attributes. */
  readonly attrs: readonly Attr[];
  /** Attributes whose input steps the simulator (hybrid). */
  readonly trigger?: readonly Attr[];
  /** Outputs valid only at their time (hybrid). */
  readonly nonPersistent?: readonly Attr[];
  /** Whether any attribute may be connected as an input. */
  readonly anyInputs?: boolean;
  /**
   * Makes one agent in `container` from the model parameters.
   *
   * @param container The simulator's container.
   * @param params The model parameters, only names from `params`.
   * @param sim The simulator, e.g. to look up other entities or `track` work.
   */
  create(
    container: Container,
    params: Record<string, unknown>,
    sim: ContainerSimulator,
  ): MaybePromise<EntityAgent>;
}

/** Options of {@linkcode ContainerSimulator}. */
export interface ContainerSimulatorOptions {
  /**
   * How mosaik steps the container.
   *
   * @default {"event-based"}
   */
  readonly type?: "event-based" | "hybrid";
  /** The models, by name. */
  readonly models: Readonly<Record<string, AgentModel>>;
  /**
   * Where the container listens, so that agents elsewhere can call its agents.
   *
   * @default {["127.0.0.1", 0]}
   */
  readonly address?: Address;
  /** The container's other options (codec, serializers, TLS, …). */
  readonly container?: Omit<ContainerOptions, "clock">;
  /**
   * The date at mosaik time 0; a `start_date` sim param (an ISO 8601
   * string) overrides it.
   *
   * @default {"2000-01-01T00:00:00Z"}
   */
  readonly startDate?: DateInput;
  /**
   * Quiet event-loop turns after which the agents count as idle (see
   * {@linkcode ContainerSimulator.runUntilIdle}).
   *
   * @default {3}
   */
  readonly settleTurns?: number;
}

/** The default of {@linkcode ContainerSimulatorOptions.startDate}. */
export const DEFAULT_START_DATE = "2000-01-01T00:00:00Z";

/**
 * Runs a denomas {@linkcode Container} with an {@linkcode ExternalClock} as
 * an event-based or hybrid mosaik simulator.
 *
 * - `init` creates the container (listening at `options.address`).
 * - `create` makes agents through the model's `create`; an entity's id is
 *   `<model>_<agent id>`, and its `extra_info.url` the agent's URL (a
 *   scenario reads it as `entity.extra_info`).
 * - `step(time)` sets the clock to `time × time_resolution` seconds (which
 *   runs the agents' timers due by then), hands each entity its inputs
 *   (`setInputs`), and waits until the agents are idle
 *   ({@linkcode ContainerSimulator.runUntilIdle}). It returns the time of
 *   the clock's next timer as the next step (rounded up to a whole step),
 *   or `null` when no agent waits for the clock: an agent asks to be
 *   stepped later simply by sleeping on its clock.
 * - `get_data` reads each entity's `getData`.
 * - `finalize` shuts the container down.
 *
 * Agents may call agents in other containers (over TCP, or Python aiomas
 * peers) during a step: in `setInputs`, or in clock-driven work wrapped in
 * {@linkcode ContainerSimulator.track}.
 *
 * @example Stepping without mosaik
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { Agent } from "@denomas/denomas/agent";
 * import { ContainerSimulator } from "@denomas/denomas/mosaik";
 *
 * class Doubler extends Agent {
 *   out = 0;
 *   setInputs(inputs: Record<string, Record<string, unknown>>) {
 *     this.out = 2 * (Object.values(inputs.x)[0] as number);
 *   }
 *   getData() {
 *     return { y: this.out };
 *   }
 * }
 *
 * await using sim = new ContainerSimulator({
 *   models: { Doubler: { attrs: ["x", "y"], create: (container) => new Doubler(container) } },
 * });
 * await sim.init("MAS-0", 1, {});
 * const [entity] = await sim.create(1, "Doubler", {});
 * assertEquals(entity.eid, "Doubler_0");
 * assertEquals(await sim.step(0, { Doubler_0: { x: { "Src-0.a": 21 } } }, 10), null);
 * assertEquals(await sim.getData({ Doubler_0: ["y"] }), { Doubler_0: { y: 42 } });
 * ```
 */
export class ContainerSimulator extends Simulator implements AsyncDisposable {
  readonly #options: ContainerSimulatorOptions;
  readonly #tracker = new Tracker();
  readonly #entities = new Map<string, EntityAgent>();
  #container: Container | undefined;
  #clock: ExternalClock | undefined;

  /**
   * Makes the simulator; the container is made by `init`.
   *
   * @param options The models and the container's settings.
   */
  constructor(options: ContainerSimulatorOptions) {
    const models: Record<string, ModelDescription> = {};
    for (const [name, model] of Object.entries(options.models)) {
      const description: ModelDescription = {
        public: model.public ?? true,
        params: [...(model.params ?? [])],
        attrs: [...model.attrs],
      };
      if (model.trigger !== undefined) description.trigger = [...model.trigger];
      if (model.nonPersistent !== undefined) {
        description["non-persistent"] = [...model.nonPersistent];
      }
      if (model.anyInputs !== undefined) description.any_inputs = model.anyInputs;
      models[name] = description;
    }
    super({ type: options.type ?? "event-based", models });
    this.#options = options;
  }

  /**
   * The container.
   *
   * @throws {Error} before `init`.
   */
  get container(): Container {
    if (this.#container === undefined) throw new DenomasError("The container is made by init()");
    return this.#container;
  }

  /**
   * The container's clock: seconds since mosaik time 0.
   *
   * @throws {Error} before `init`.
   */
  get clock(): ExternalClock {
    if (this.#clock === undefined) throw new DenomasError("The clock is made by init()");
    return this.#clock;
  }

  /** The agent of entity `eid`, if there is one. */
  entity(eid: string): EntityAgent | undefined {
    return this.#entities.get(eid);
  }

  /**
   * Makes the running step wait for `promise` too: for work an agent starts
   * outside `setInputs`, e.g. a call to another container from a timer.
   *
   * @returns `promise`; a `TypeError` rejection when it is not a promise.
   */
  track<T>(promise: Promise<T>): Promise<T> {
    if (typeof (promise as Partial<Promise<T>> | null)?.then !== "function") {
      return Promise.reject(new TypeError(`track() needs a promise, got ${typeof promise}`));
    }
    return this.#tracker.track(promise);
  }

  /** Creates the container. Accepts one sim param, `start_date` (ISO 8601). */
  override async init(
    _sid: string,
    timeResolution: number,
    simParams: Record<string, unknown>,
  ): Promise<Meta> {
    for (const key of Object.keys(simParams)) {
      if (key !== "start_date") {
        throw new TypeError(`init() got an unexpected keyword argument '${key}'`);
      }
    }
    if (this.#container !== undefined) throw new DenomasError("init() was called already");
    this.timeResolution = timeResolution;
    const start = simParams.start_date ?? this.#options.startDate ?? DEFAULT_START_DATE;
    const clock = new ExternalClock(start as DateInput);
    this.#container = await Container.create(this.#options.address ?? ["127.0.0.1", 0], {
      ...this.#options.container,
      clock,
    });
    this.#clock = clock;
    return this.meta;
  }

  /** Makes `num` agents of `model`. */
  async create(
    num: number,
    model: string,
    modelParams: Record<string, unknown>,
  ): Promise<CreateResult[]> {
    const spec = Object.hasOwn(this.#options.models, model)
      ? this.#options.models[model]
      : undefined;
    if (spec === undefined) throw new RangeError(`Unknown model "${model}"`);
    if (!(spec.public ?? true)) throw new RangeError(`Model "${model}" is not public`);
    const params = spec.params ?? [];
    for (const key of Object.keys(modelParams)) {
      if (!params.includes(key)) {
        throw new TypeError(`create() got an unexpected keyword argument '${key}'`);
      }
    }
    const container = this.container;
    const entities: CreateResult[] = [];
    for (let i = 0; i < num; i++) {
      const agent = await spec.create(container, modelParams, this);
      const eid = `${model}_${agent.aid}`;
      this.#entities.set(eid, agent);
      entities.push({ eid, type: model, extra_info: { url: agent.addr } });
    }
    return entities;
  }

  /** Advances the clock, delivers the inputs, runs the agents until idle. */
  async step(time: Time, inputs: InputData, _maxAdvance?: Time): Promise<Time | null> {
    const clock = this.clock;
    const seconds = time * this.timeResolution;
    if (seconds > clock.time()) clock.setTime(seconds);
    const deliveries: Promise<void>[] = [];
    for (const [eid, attrs] of Object.entries(inputs)) {
      const agent = this.#agent(eid);
      if (agent.setInputs !== undefined) {
        deliveries.push(this.track(Promise.resolve().then(() => agent.setInputs!(attrs, time))));
      }
    }
    await Promise.all(deliveries);
    await this.runUntilIdle();
    const next = clock.nextTime();
    if (next === undefined) return null;
    // Whole steps, rounded up; the rounding to 1e-6 keeps 0.3 / 0.1 at 3.
    const steps = Math.ceil(Math.round((next / this.timeResolution) * 1e6) / 1e6);
    return Math.max(steps, time + 1);
  }

  /** Reads each requested entity's data; entities without new values are left out. */
  async getData(outputs: OutputRequest): Promise<OutputData> {
    const data: Record<string, Record<string, unknown>> = {};
    for (const [eid, attrs] of Object.entries(outputs)) {
      const values = await this.#agent(eid).getData(attrs);
      if (Object.keys(values).length > 0) data[eid] = values;
    }
    return data;
  }

  /**
   * Waits until the agents are idle: every delivery and tracked promise
   * has settled, and a few event-loop turns in a row
   * ({@linkcode ContainerSimulatorOptions.settleTurns}) passed without any
   * agent scheduling or cancelling a timer.
   *
   * Limits: work that is neither awaited by `setInputs` nor tracked, and
   * that waits for I/O (another container, a file) longer than those turns,
   * is not waited for; wrap it in {@linkcode ContainerSimulator.track}.
   * Timers on the real-time clock are not seen at all.
   */
  runUntilIdle(): Promise<void> {
    // Before init() there is no clock: a rejection, as from every promise API.
    return asPromise(() => settle(this.clock, this.#tracker, this.#options.settleTurns ?? 3));
  }

  /** Shuts the container down. */
  override async finalize(): Promise<void> {
    await this.#container?.shutdown();
  }

  /** Shuts the container down, see {@linkcode ContainerSimulator.finalize}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.finalize();
  }

  #agent(eid: string): EntityAgent {
    const agent = this.#entities.get(eid);
    if (agent === undefined) throw new RangeError(`Unknown entity "${eid}"`);
    return agent;
  }
}
