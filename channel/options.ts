/**
 * The options of `openConnection` and `startServer` (the
 * {@linkcode ChannelOptions} of the `Channel` constructor and a transport),
 * and the transport they select.
 *
 * @module
 */

import type { ChannelOptions } from "./channel.ts";
import { tcpTransport } from "./tcp.ts";
import { type TlsOptions, tlsTransport } from "./tls/mod.ts";
import type { Endpoint, Transport } from "./transport.ts";

/** Options for opening or accepting connections. */
export interface ConnectionOptions extends ChannelOptions {
  /** Mutual TLS; uses the TLS transport when set (and no `transport` is given). */
  readonly tls?: TlsOptions;
  /**
   * The transport. Defaults to TLS when {@linkcode ConnectionOptions.tls} is
   * set, else TCP or Unix sockets by the address.
   */
  readonly transport?: Transport;
}

/** Options of `openConnection`. */
export interface OpenConnectionOptions extends ConnectionOptions {
  /**
   * How long to keep trying to connect, in milliseconds: a refused
   * connection (no server yet) is retried with exponential backoff until
   * then. `0` tries once.
   *
   * @default {0}
   */
  readonly timeout?: number;
  /** Aborts connecting; the promise then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/** Options of `startServer`. */
export type ServerOptions = ConnectionOptions;

/**
 * The transport `options` pick for `endpoint`: `options.transport`, else TLS
 * when `options.tls` is set, else TCP/Unix.
 *
 * @throws {TypeError} for a `local` endpoint without an explicit transport.
 */
export function selectTransport(endpoint: Endpoint, options: ConnectionOptions): Transport {
  if (options.transport !== undefined) return options.transport;
  if (endpoint.transport === "local") {
    throw new TypeError(`A local endpoint ("${endpoint.name}") needs an explicit transport`);
  }
  if (options.tls !== undefined) return tlsTransport(options.tls);
  return tcpTransport;
}
