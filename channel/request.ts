/**
 * Incoming requests.
 *
 * @module
 */

import type { Channel } from "./channel.ts";

/**
 * A request that arrived on a {@linkcode Channel}, from
 * {@linkcode Channel.recv}, async iteration or {@linkcode Channel.serve}.
 * Answer it exactly once, with {@linkcode Request.reply} or
 * {@linkcode Request.fail}.
 *
 * @example Answering requests
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { openConnection, startServer } from "@denomas/denomas/channel";
 *
 * await using server = await startServer(["127.0.0.1", 0], async (channel) => {
 *   for await (const request of channel) {
 *     if (request.content === "ohai") request.reply("cya");
 *     else request.fail(new RangeError(`unexpected ${request.content}`));
 *   }
 * });
 * await using channel = await openConnection(server.address);
 * assertEquals(await channel.send("ohai"), "cya");
 * ```
 */
export interface Request {
  /** The content the peer sent. */
  readonly content: unknown;
  /** The channel the request arrived on. */
  readonly channel: Channel;
  /** Whether the request was answered already. */
  readonly answered: boolean;
  /**
   * Sends `value` as the result. A value the codec cannot encode is sent
   * as an EXCEPTION reply naming the problem instead.
   *
   * @returns `true` if the reply was queued, `false` if the channel is
   *   closed or a graceful close already answered the request with a
   *   `ShutdownError` (its grace period ran out).
   * @throws {Error} when the request was answered already.
   */
  reply(value: unknown): boolean;
  /**
   * Sends `error` as an EXCEPTION reply: its stack and a last line
   * `"<Name>: <message>"` (see `formatRemoteTraceback`). The caller gets a
   * `RemoteException`.
   *
   * @returns `true` if the reply was queued, `false` if the channel is
   *   closed or a graceful close already answered the request.
   * @throws {Error} when the request was answered already.
   */
  fail(error: unknown): boolean;
}
