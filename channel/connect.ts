/**
 * Opening channels.
 *
 * @module
 */

import { type Address, parseAddress } from "./address.ts";
import { Channel } from "./channel.ts";
import { dial } from "./_dial.ts";
import { type OpenConnectionOptions, selectTransport } from "./options.ts";

/**
 * Connects to `address` and returns a {@linkcode Channel}. With a
 * `timeout`, a refused connection (no server listening yet) is retried with
 * exponential backoff (10 ms doubling up to 1 s) until the timeout passes.
 *
 * @param address Where to connect, see {@linkcode Address}.
 * @param options Codec, serializers, limits, retry timeout, signal, TLS or
 * another transport.
 * @returns The open channel.
 * @throws {AddressError} for a malformed address.
 * @throws {ConnectError} when the connection fails (e.g. nobody listens): it
 * names the address, and its `cause` is the system's error.
 * @throws {TimeoutError} when `timeout` passes first; its `cause` is the last
 * failure, its message names the address.
 * @throws `signal.reason` when `signal` aborts.
 *
 * @example Connecting before the server is up
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { openConnection, startServer } from "@denomas/denomas/channel";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/echo.sock`;
 * try {
 *   const connecting = openConnection(path, { timeout: 10_000 });
 *   await using server = await startServer(path, (channel) => {
 *     channel.serve((request) => request.reply(request.content));
 *   });
 *   await using channel = await connecting;
 *   assertEquals(await channel.send("ohai"), "ohai");
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 *
 * @example A timeout that passes: the error says where and why
 * ```ts
 * import { ok as assert, rejects } from "node:assert/strict";
 * import { openConnection } from "@denomas/denomas/channel";
 * import { TimeoutError } from "@denomas/denomas";
 *
 * using probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const port = probe.addr.port;
 * probe.close();
 * await rejects(openConnection(["127.0.0.1", port], { timeout: 50 }), (error) => {
 *   assert(error instanceof TimeoutError);
 *   assert(error.message.startsWith(`connect to tcp://127.0.0.1:${port} timed out after 50 ms`));
 *   assert(error.cause instanceof Deno.errors.ConnectionRefused);
 *   return true;
 * });
 * ```
 */
export async function openConnection(
  address: Address,
  options: OpenConnectionOptions = {},
): Promise<Channel> {
  const endpoint = parseAddress(address);
  const transport = selectTransport(endpoint, options);
  const conn = await dial(transport, endpoint, options.timeout ?? 0, options.signal);
  try {
    return new Channel(conn, options);
  } catch (error) {
    conn.close();
    throw error;
  }
}
