/**
 * The simulator's view of mosaik: the requests it may make during a step.
 *
 * @module
 */

import type { Attr, EntityGraph, EntitySpec, FullId, Time } from "./types.ts";

/**
 * The asynchronous requests a simulator can make to mosaik while it is in
 * `step` (mosaik answers them only then). Each sends
 * `[method, [argument], {}]` and resolves to mosaik's reply.
 *
 * A FAILURE reply rejects with a `MosaikError`; a connection that ends
 * first rejects with a `MosaikConnectionError`.
 */
export interface MosaikProxy {
  /**
   * Aborts when the connection to mosaik ends (its reason says why), e.g.
   * to cut a long step short: its reply could not be sent anyway.
   */
  readonly signal: AbortSignal;
  /** The simulation's progress in percent, e.g. `23.42`. */
  getProgress(): Promise<number>;
  /** The whole entity graph. */
  getRelatedEntities(): Promise<EntityGraph>;
  /** The entities related to one entity, by full id. */
  getRelatedEntities(entity: FullId): Promise<Record<FullId, EntitySpec>>;
  /** For each of several entities, the entities related to it. */
  getRelatedEntities(
    entities: readonly FullId[],
  ): Promise<Record<FullId, Record<FullId, EntitySpec>>>;
  /** The current values of other simulators' attributes: full id → attribute → value. */
  getData(attrs: Record<FullId, readonly Attr[]>): Promise<Record<FullId, Record<Attr, unknown>>>;
  /**
   * Sets inputs of other simulators' entities:
   * `{ source full id: { destination full id: { attribute: value } } }`.
   */
  setData(data: Record<FullId, Record<FullId, Record<Attr, unknown>>>): Promise<void>;
  /** Asks mosaik to step this simulator at `time` (in real-time mode only). */
  setEvent(time: Time): Promise<void>;
}

/** Sends the requests of a {@linkcode MosaikProxy} with `call`. */
export function mosaikProxy(
  call: (method: string, args: readonly unknown[]) => Promise<unknown>,
  signal: AbortSignal,
): MosaikProxy {
  return {
    signal,
    getProgress: () => call("get_progress", []) as Promise<number>,
    // mosaik-api-v3 always sends the one argument, null for "the whole graph".
    getRelatedEntities:
      ((entities?: FullId | readonly FullId[]) =>
        call("get_related_entities", [entities ?? null])) as MosaikProxy["getRelatedEntities"],
    getData: (attrs) => call("get_data", [attrs]) as ReturnType<MosaikProxy["getData"]>,
    setData: async (data) => {
      await call("set_data", [data]);
    },
    setEvent: async (time) => {
      await call("set_event", [time]);
    },
  };
}
