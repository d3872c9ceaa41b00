/**
 * Errors of the mosaik simulator API.
 *
 * @module
 */

import { DenomasError } from "../errors.ts";

/**
 * A FAILURE reply from mosaik to a request of the simulator, such as
 * `get_data` for an entity without async requests enabled.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { MosaikError } from "@denomas/denomas/mosaik";
 *
 * const error = new MosaikError("get_data", ["ScenarioError", "No connection from A to B"]);
 * assertEquals(error.remoteType, "ScenarioError");
 * assertEquals(error.message, "mosaik failed get_data: ScenarioError: No connection from A to B");
 * ```
 */
export class MosaikError extends DenomasError {
  /** The exception type mosaik reported, e.g. `"ScenarioError"`. */
  readonly remoteType: string;
  /** The exception message mosaik reported. */
  readonly remoteMessage: string;
  /** Further lines mosaik sent, usually its traceback. */
  readonly remoteTraceback: readonly string[];

  /**
   * Makes the error from a FAILURE reply.
   *
   * @param method The request that failed, e.g. `"get_data"`.
   * @param content The FAILURE content: `[type, message, ...traceback]` (anything else is shown as text).
   */
  constructor(method: string, content: unknown) {
    const parts = Array.isArray(content) ? content.map(String) : [String(content)];
    const [remoteType = "Error", remoteMessage = "", ...rest] = parts;
    super(`mosaik failed ${method}: ${remoteType}: ${remoteMessage}`);
    this.remoteType = remoteType;
    this.remoteMessage = remoteMessage;
    this.remoteTraceback = rest;
  }
}

/**
 * The connection to mosaik could not be made, or was lost while the
 * simulator still needed it (mosaik vanished during a step).
 *
 * @example
 * ```ts
 * import { ok as assert } from "node:assert/strict";
 * import { MosaikConnectionError } from "@denomas/denomas/mosaik";
 *
 * assert(new MosaikConnectionError("mosaik closed the connection") instanceof Error);
 * ```
 */
export class MosaikConnectionError extends DenomasError {}

/**
 * A request from mosaik that the simulator cannot serve: an unknown method,
 * content that is not `[method, args, kwargs]`, or a result that breaks the
 * API (e.g. a non-integer step time). It is sent back as a FAILURE reply.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { MosaikRequestError } from "@denomas/denomas/mosaik";
 *
 * assertEquals(new MosaikRequestError("no method").name, "MosaikRequestError");
 * ```
 */
export class MosaikRequestError extends DenomasError {}
