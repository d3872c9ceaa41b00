/**
 * Errors of the agent layer.
 *
 * @module
 */

import { DenomasError } from "../errors.ts";

export { ConnectError } from "../channel/errors.ts";
export { ShutdownError } from "../errors.ts";

/**
 * There is no agent with that id: the peer's `validate_aid` answered `null`,
 * or the agent was stopped after the proxy was made.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { AgentNotFoundError } from "@denomas/denomas/agent";
 *
 * const error = new AgentNotFoundError("tcp://127.0.0.1:5555/7");
 * assertEquals(error.url, "tcp://127.0.0.1:5555/7");
 * assertEquals(error.message, 'No agent "7" at tcp://127.0.0.1:5555/7');
 * ```
 */
export class AgentNotFoundError extends DenomasError {
  /** The agent URL that was asked for. */
  readonly url: string;

  /**
   * Makes the error for `url`.
   *
   * @param url The agent URL that was asked for.
   * @param detail Why, when more is known (e.g. "it was stopped").
   * @param options The underlying cause, if any.
   */
  constructor(url: string, detail?: string, options?: ErrorOptions) {
    const aid = url.slice(url.lastIndexOf("/") + 1);
    super(`No agent "${aid}" at ${url}${detail ? ` (${detail})` : ""}`, options);
    this.url = url;
  }
}

/**
 * A task of an agent ({@linkcode Agent.runTask} or {@linkcode Agent.every})
 * failed. Nobody awaits a background task, so its container reports this to
 * its `onError` hook; `cause` is what the task threw, with its stack.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { AgentTaskError } from "@denomas/denomas/agent";
 *
 * const error = new AgentTaskError("tcp://127.0.0.1:5555", "Sensor('tcp://127.0.0.1:5555/0')", "tick", {
 *   cause: new RangeError("boom"),
 * });
 * assertEquals(
 *   error.message,
 *   `Task "tick" of agent Sensor('tcp://127.0.0.1:5555/0') in container tcp://127.0.0.1:5555 failed: RangeError: boom`,
 * );
 * assertEquals(error.task, "tick");
 * ```
 */
export class AgentTaskError extends DenomasError {
  /** The URL of the agent's container. */
  readonly container: string;
  /** The agent, as its `toString()` shows it: `Sensor('tcp://127.0.0.1:5555/0')`. */
  readonly agent: string;
  /** The task's name: the `name` option, else the function's name, else `"anonymous"`. */
  readonly task: string;

  /**
   * Makes the error.
   *
   * @param container The URL of the agent's container.
   * @param agent The agent's string form.
   * @param task The task's name.
   * @param options What the task threw, as `cause`.
   */
  constructor(container: string, agent: string, task: string, options: ErrorOptions) {
    const cause = options.cause;
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`Task "${task}" of agent ${agent} in container ${container} failed: ${what}`, options);
    // The frames that matter are the task's, in `cause`; ours would only show the reporting.
    this.stack = `${this.name}: ${this.message}`;
    this.container = container;
    this.agent = agent;
    this.task = task;
  }
}
