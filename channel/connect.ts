/**
 * Opening channels.
 *
 * @module
 */

import { type Address, parseAddress } from "./address.ts";
import { Channel } from "./channel.ts";
import { type OpenConnectionOptions, selectTransport } from "./options.ts";
import type { Conn, Endpoint, Transport } from "./transport.ts";

/** The first pause between connection attempts, in milliseconds. */
export const CONNECT_RETRY_MIN_DELAY = 10;
/** The longest pause between connection attempts, in milliseconds. */
export const CONNECT_RETRY_MAX_DELAY = 1_000;

/**
 * Connects to `address` and returns a {@linkcode Channel}. With a
 * `timeout`, a refused connection (no server listening yet) is retried with
 * exponential backoff until the timeout passes.
 *
 * @param address Where to connect, see {@linkcode Address}.
 * @param options Codec, serializers, limits, retry timeout, signal, TLS or
 * another transport.
 * @returns The open channel.
 * @throws {AddressError} for a malformed address.
 * @throws {Deno.errors.ConnectionRefused} (or `NotFound` for a Unix socket)
 * when nobody listens, after retrying for `timeout` ms.
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
 */
export async function openConnection(
  address: Address,
  options: OpenConnectionOptions = {},
): Promise<Channel> {
  const endpoint = parseAddress(address);
  const transport = selectTransport(endpoint, options);
  const conn = await connectWithRetry(transport, endpoint, options.timeout ?? 0, options.signal);
  try {
    return new Channel(conn, options);
  } catch (error) {
    conn.close();
    throw error;
  }
}

async function connectWithRetry(
  transport: Transport,
  endpoint: Endpoint,
  timeout: number,
  signal: AbortSignal | undefined,
): Promise<Conn> {
  signal?.throwIfAborted();
  const deadline = performance.now() + timeout;
  let delay = CONNECT_RETRY_MIN_DELAY;
  while (true) {
    try {
      return await transport.connect(endpoint, signal);
    } catch (error) {
      signal?.throwIfAborted();
      const left = deadline - performance.now();
      if (!isRetryable(error) || left <= 0) throw error;
      await sleep(Math.min(delay, left), signal);
      delay = Math.min(delay * 2, CONNECT_RETRY_MAX_DELAY);
    }
  }
}

function isRetryable(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionRefused ||
    error instanceof Deno.errors.NotFound ||
    error instanceof Deno.errors.ConnectionReset;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
