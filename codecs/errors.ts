/**
 * The error of every codec.
 *
 * @module
 */

import { DenomasError } from "../errors.ts";

/**
 * A value could not be encoded or decoded.
 *
 * @example
 * ```ts
 * import { throws } from "node:assert/strict";
 * import { CodecError, Json } from "@denomas/denomas/codecs";
 *
 * throws(() => new Json().decode(new TextEncoder().encode("[1,")), CodecError);
 * ```
 */
export class CodecError extends DenomasError {
  /**
   * Creates the error.
   *
   * @param message What was expected and what arrived.
   * @param options The underlying cause, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
