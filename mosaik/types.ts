/**
 * The data shapes of mosaik's simulator API, version 3.
 *
 * @module
 */

/** Simulation time in mosaik's integer steps (each step is `time_resolution` seconds). */
export type Time = number;

/** A simulator's id in a scenario, e.g. `"ExampleSim-0"`. */
export type SimId = string;

/** An entity's id within its simulator, e.g. `"Model_0"`. */
export type EntityId = string;

/** An entity's id in the scenario: `"<sid>.<eid>"`, e.g. `"ExampleSim-0.Model_0"`. */
export type FullId = string;

/** An attribute name. */
export type Attr = string;

/** A model name, a key of {@linkcode Meta.models}. */
export type ModelName = string;

/**
 * How mosaik steps a simulator: at the times it asks for (`time-based`),
 * when inputs arrive or at times it asks for (`event-based`), or per
 * attribute (`hybrid`, with {@linkcode ModelDescription.trigger}).
 */
export type SimulatorType = "time-based" | "event-based" | "hybrid";

/** One model of a simulator, as it appears in {@linkcode Meta.models}. */
export interface ModelDescription {
  /** Whether a scenario may create the model (`false` for sub-models). */
  public: boolean;
  /** The parameter names `create` takes for this model. */
  params: string[];
  /** The attributes that can be read or written. */
  attrs: Attr[];
  /** Whether attributes that are not in `attrs` may be connected as inputs. */
  any_inputs?: boolean;
  /** Attributes whose new input steps the simulator (event-based and hybrid). */
  trigger?: Attr[] | boolean;
  /** Outputs that stay valid until the next output (hybrid). */
  persistent?: Attr[] | boolean;
  /** Outputs that are valid only at the time they were given (hybrid). */
  "non-persistent"?: Attr[] | boolean;
}

/** What a simulator tells mosaik about itself in reply to `init`. */
export interface Meta {
  /** The API version implemented, `"major.minor[.patch]"`; the major must be 3. */
  api_version: string;
  /** How the simulator is stepped. */
  type: SimulatorType;
  /** The models it provides, by name. */
  models: Record<ModelName, ModelDescription>;
  /** Methods a scenario may call besides the API, e.g. `["example_method"]`. */
  extra_methods?: string[];
  /** Other entries, passed to mosaik as they are. */
  [key: string]: unknown;
}

/** The meta a simulator passes to the {@linkcode Simulator} constructor; the rest has defaults. */
export type MetaInput = Partial<Meta> & Pick<Meta, "models">;

/** One created entity, as `create` returns it. */
export interface CreateResult {
  /** Unique within the simulator. */
  eid: EntityId;
  /** The model name. */
  type: ModelName;
  /** Entities related to this one, by eid. */
  rel?: EntityId[];
  /** Sub-entities. */
  children?: CreateResult[];
  /** Other entries. */
  [key: string]: unknown;
}

/**
 * The inputs of a step: entity → attribute → source full id → value.
 * Keys that were integers in the scenario arrive as strings.
 */
export type InputData = Record<EntityId, Record<Attr, Record<FullId, unknown>>>;

/** What `get_data` is asked for: entity → attribute names. */
export type OutputRequest = Record<EntityId, Attr[]>;

/**
 * What `get_data` returns: entity → attribute → value, and for event-based
 * and hybrid simulators an optional integer `time` the outputs are valid at.
 */
export type OutputData = { time?: Time } & Record<EntityId, Record<Attr, unknown> | Time>;

/** One entity as `get_related_entities` describes it. */
export interface EntitySpec {
  /** The entity's model name. */
  type: ModelName;
  /** Other entries. */
  [key: string]: unknown;
}

/** The whole entity graph, from `get_related_entities()` without arguments. */
export interface EntityGraph {
  /** Every entity, by full id. */
  nodes: Record<FullId, EntitySpec>;
  /** Every connection, as `[from, to, {}]`. */
  edges: [FullId, FullId, Record<string, unknown>][];
}

/** A value or a promise of it: simulator methods may be sync or async. */
export type MaybePromise<T> = T | Promise<T>;
