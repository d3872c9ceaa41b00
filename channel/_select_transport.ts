/**
 * Which transport carries a connection.
 *
 * @module
 */

import type { ConnectionOptions } from "./options.ts";
import { tcpTransport } from "./tcp.ts";
import { tlsTransport } from "./tls/mod.ts";
import type { Endpoint, Transport } from "./transport.ts";

/**
 * `options.transport`, else TLS when `options.tls` is set, else TCP/Unix.
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
