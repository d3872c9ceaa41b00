/**
 * Internal: the link between a container and the agents it hosts, kept out
 * of the public API.
 *
 * @module
 */

import type { ErrorHandler } from "../errors.ts";
import type { Agent } from "./agent.ts";

/** What an agent needs from its container. */
export interface ContainerHooks {
  /** Registers `agent`: gives it the next id and makes it callable. */
  register(agent: Agent): string;
  /** Removes `agent`: later calls to it fail. */
  unregister(agent: Agent): void;
  /**
   * Runs `cleanup` first thing when the container shuts down (used to stop
   * child containers); returns a function that cancels this.
   */
  addCleanup(cleanup: () => Promise<void>): () => void;
}

/**
 * The `onError` hook of every container, kept after shutdown (unlike
 * {@linkcode containerHooks}) so that tasks ending late are still reported.
 */
export const containerErrors: WeakMap<object, ErrorHandler> = new WeakMap();

/** Hooks of every live container. */
export const containerHooks: WeakMap<object, ContainerHooks> = new WeakMap();

/** Internal entry points of `Agent`, filled in by its class. */
export const agentInternals: {
  /** Stops an agent with a given reason (the container's, when it shuts down). */
  stop?: (agent: Agent, reason: Error) => Promise<void>;
} = {};
