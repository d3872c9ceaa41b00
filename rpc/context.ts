/**
 * Request context: which connection called the method that is running.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import type { Channel } from "../channel/channel.ts";
import type { PeerInfo } from "../channel/transport.ts";
import type { RpcClient } from "./client.ts";

/** What a method can learn about the call it is serving. */
export interface CallContext {
  /** The connection the request came in on; `client.remote` calls the caller back. */
  readonly client: RpcClient;
  /** The channel under it. */
  readonly channel: Channel;
  /** The caller's address, and its verified certificate on TLS connections. */
  readonly peer: PeerInfo;
}

let current: CallContext | undefined;
let storage: AsyncLocalStorage<CallContext> | undefined;

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
  return current ?? storage?.getStore();
}

/** Internal: makes `context` the synchronous call context; returns the previous one. */
export function enterContext(context: CallContext | undefined): CallContext | undefined {
  const previous = current;
  current = context;
  return previous;
}

/** Internal: runs `fn` with `context` kept across `await`s (the `asyncContext` option). */
export function runWithAsyncContext<R>(context: CallContext, fn: () => R): R {
  return (storage ??= new AsyncLocalStorage()).run(context, fn);
}
