/**
 * How denomas connects to NATS.
 *
 * @module
 */

import { connect, type ConnectionOptions, type NatsConnection } from "@nats-io/transport-node";
import { ConnectError } from "../agent/errors.ts";
import { logError } from "../errors.ts";
import type { ErrorHandler } from "../errors.ts";

/** The NATS connection options denomas passes on (TLS, credentials, …). */
export type NatsConnectionOptions = ConnectionOptions;

/** The default subject prefix of denomas' NATS subjects. */
export const DEFAULT_PREFIX = "denomas";

/** Options shared by NATS containers, services and clients. */
export interface NatsOptions {
  /**
   * The NATS servers to try, e.g. `"127.0.0.1:4222"` or
   * `["nats://a:4222", "nats://b:4222"]`; the client learns the rest of a
   * cluster from the server it reaches.
   */
  readonly servers: string | readonly string[];
  /**
   * More options of the NATS client (`tls`, `user`/`pass`, `token`,
   * `authenticator`, `name`, …), passed on as they are. denomas sets
   * `maxReconnectAttempts: -1` (reconnect for ever), `reconnectTimeWait:
   * 250` and `pingInterval: 5000` unless they are given here.
   */
  readonly connection?: Omit<NatsConnectionOptions, "servers">;
  /**
   * The first token of every subject denomas uses, so several systems can
   * share one NATS cluster.
   *
   * @default {"denomas"}
   */
  readonly prefix?: string;
  /**
   * The timeout of calls that set none, in milliseconds. A request lost
   * inside a failing node is never answered: with this, such a call ends
   * with a `TimeoutError` instead of waiting for ever.
   *
   * @default {undefined} (no limit)
   */
  readonly callTimeout?: number;
  /**
   * Gets what is noticed but cannot be thrown to a caller (undecodable
   * requests, late replies, NATS permission errors).
   *
   * @default {logError} (for a container: its own error hook, when it has one)
   */
  readonly onError?: ErrorHandler;
}

/**
 * Opens a NATS connection with denomas' defaults.
 *
 * @throws {ConnectError} (rejects) when no server could be reached.
 */
export async function openNats(options: NatsOptions): Promise<NatsConnection> {
  const servers = typeof options.servers === "string" ? [options.servers] : [...options.servers];
  try {
    return await connect({
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 50,
      pingInterval: 5_000,
      ...options.connection,
      servers,
    });
  } catch (error) {
    throw new ConnectError(
      `NATS ${servers.join(",")}`,
      error instanceof Error ? error.message : String(error),
      { cause: error },
    );
  }
}

/** The error handler of `options`, else `fallback`, else {@linkcode logError}. */
export function errorHandler(options: NatsOptions, fallback?: ErrorHandler): ErrorHandler {
  return options.onError ?? fallback ?? logError;
}
