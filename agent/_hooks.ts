/**
 * Internal: the link between a child container and its parent container,
 * kept out of the public API.
 *
 * @module
 */

/** What a child container needs from its parent container. */
export interface ContainerHooks {
  /**
   * Runs `cleanup` first thing when the container shuts down (used to stop
   * child containers); returns a function that cancels this.
   */
  addCleanup(cleanup: () => Promise<void>): () => void;
}

/** Hooks of every live container. */
export const containerHooks: WeakMap<object, ContainerHooks> = new WeakMap();
