/**
 * Request context: which connection called the method that is running.
 *
 * @module
 */

import { activeContext, type CallContext } from "./_context.ts";

export type { CallContext } from "./_context.ts";

/**
 * The context of the remote call being served, so that a method can learn
 * who called it without a parameter for it.
 *
 * It is available during the **synchronous part** of an exposed method (read
 * it before the first `await`). With the `asyncContext` option of
 * `startServer`, `openConnection` or `RpcClient`, it stays available across
 * `await`s too, at a cost per call.
 *
 * @returns The context, or `undefined` outside of a remote call.
 *
 * @example Greeting the caller by address
 * ```ts
 * import { ok as assert } from "node:assert/strict";
 * import { callContext, expose, openConnection, startServer } from "@denomas/denomas/rpc";
 *
 * class Greeter {
 *   @expose
 *   hello(): string {
 *     return `hello ${callContext()!.peer.address}`;
 *   }
 * }
 *
 * await using server = await startServer(["127.0.0.1", 0], new Greeter());
 * await using client = await openConnection<Greeter>(server.address);
 * assert((await client.remote.hello()).startsWith("hello 127.0.0.1:"));
 * ```
 */
export function callContext(): CallContext | undefined {
  return activeContext();
}
