/**
 * Errors of the RPC layer.
 *
 * @module
 */

import { DenomasError } from "../errors.ts";

/**
 * A call path names nothing that was exposed. Sent to the caller as an
 * EXCEPTION reply ending in `LookupError: <message>`, as Python does.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { LookupError } from "@denomas/denomas/rpc";
 *
 * const error = new LookupError('Name "nope" not found in "sub"');
 * assertEquals(error.name, "LookupError");
 * ```
 */
export class LookupError extends DenomasError {
  /**
   * Makes the error.
   *
   * @param message What was looked up, and where.
   * @param options The underlying cause, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LookupError";
  }
}
