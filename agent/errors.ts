/**
 * Errors of the agent layer.
 *
 * @module
 */

import { DenomasError } from "../errors.ts";

export { ConnectError } from "../channel/errors.ts";

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
 * The container was shut down or the agent was stopped: the reason of the
 * abort signals of containers and agents, and the error of operations
 * started afterwards.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { ShutdownError } from "@denomas/denomas/agent";
 *
 * assertEquals(new ShutdownError("Container tcp://127.0.0.1:5555 is shut down").name, "ShutdownError");
 * ```
 */
export class ShutdownError extends DenomasError {
  /**
   * Makes the error.
   *
   * @param message What was shut down.
   */
  constructor(message: string) {
    super(message);
  }
}
