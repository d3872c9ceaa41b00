/**
 * Internal: where the context of the call being served is kept, for
 * `callContext()`.
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

/** The context of the call being served, or `undefined`. */
export function activeContext(): CallContext | undefined {
  return current ?? storage?.getStore();
}

/** Makes `context` the synchronous call context; returns the previous one. */
export function enterContext(context: CallContext | undefined): CallContext | undefined {
  const previous = current;
  current = context;
  return previous;
}

/** Runs `fn` with `context` kept across `await`s (the `asyncContext` option). */
export function runWithAsyncContext<R>(context: CallContext, fn: () => R): R {
  return (storage ??= new AsyncLocalStorage()).run(context, fn);
}
