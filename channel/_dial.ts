/**
 * Internal: dialling one connection, with the retry rules and error text
 * every layer shares (the RPC clients that reconnect use them too).
 *
 * @module
 */

import { deadline, retry } from "../internal/async.ts";
import { errorMessage } from "../internal/inspect.ts";
import { formatEndpoint } from "./address.ts";
import { ConnectError } from "./errors.ts";
import type { Conn, Endpoint, Transport } from "./transport.ts";

/**
 * One connection to `endpoint`: once, or retried while refused until
 * `timeout` passes. A system error becomes a {@linkcode ConnectError}.
 */
export async function dial(
  transport: Transport,
  endpoint: Endpoint,
  timeout: number,
  signal: AbortSignal | undefined,
): Promise<Conn> {
  signal?.throwIfAborted();
  const where = dialText(endpoint);
  const started = performance.now();
  let attempts = 0;
  const attempt = (signal: AbortSignal | undefined) => {
    attempts++;
    return transport.connect(endpoint, signal);
  };
  try {
    if (timeout <= 0) return await attempt(signal);
    return await retry(attempt, {
      isRetriable: isRefused,
      signal: deadline(`connect to ${where}`, timeout, signal),
    });
  } catch (error) {
    if (!isSystemError(error)) throw error;
    let reason = errorMessage(error);
    if (attempts > 1) {
      reason += ` (${attempts} attempts in ${Math.round(performance.now() - started)} ms)`;
    }
    throw new ConnectError(where, reason, { cause: error });
  }
}

/**
 * Whether a failed dial may succeed later: nobody listens yet (refused, no
 * socket file) or the listener reset the connection.
 */
export function isRefused(error: unknown): boolean {
  const cause = error instanceof ConnectError ? error.cause : error;
  return cause instanceof Deno.errors.ConnectionRefused ||
    cause instanceof Deno.errors.NotFound ||
    cause instanceof Deno.errors.ConnectionReset;
}

/** How a connect error names an endpoint: `tcp://host:port`, a socket path, `local://name`. */
export function dialText(endpoint: Endpoint): string {
  return endpoint.transport === "tcp"
    ? `tcp://${formatEndpoint(endpoint)}`
    : formatEndpoint(endpoint);
}

/** Whether `error` is one of the `Deno.errors` (what the system said), not one of ours. */
function isSystemError(error: unknown): error is Error {
  return SYSTEM_ERRORS.some((type) => error instanceof type);
}

const SYSTEM_ERRORS = Object.values(Deno.errors) as (new (...args: never[]) => Error)[];
