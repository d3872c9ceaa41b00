/**
 * Mutual TLS for channels, RPC connections and containers: both peers show
 * a certificate signed by a shared CA and both verify, like aiomas's
 * `make_ssl_server_context`/`make_ssl_client_context` pair. Pass
 * `{ tls: { ca, cert, key } }` to `openConnection`, `startServer` (channel
 * or RPC) or `Container.create`.
 *
 * - The server is a `node:tls` server that requests client certificates
 *   (`Deno.listenTls` cannot); only verified connections reach the channel.
 *   Refused handshakes go to the listener's `onError`
 *   ({@linkcode TlsSettings.onError}, else a server's `onError`, else
 *   `logError`) as a {@linkcode TlsHandshakeError} that names the peer and
 *   the reason.
 * - The client uses `node:tls` too, not `Deno.connectTls`: it trusts only
 *   the configured CA (`Deno.connectTls` adds Deno's root store, Mozilla's
 *   roots by default, to `caCerts`), presents its certificate, shows the
 *   server's certificate, and checks the server's name: a DNS SAN (or the
 *   CN of a certificate without DNS SANs), or an IP SAN when connecting to
 *   an IP address such as `127.0.0.1`. Python's `ssl` applies the same rules.
 * - Both sides refuse a certificate for the same reasons, and say which:
 *   expired, not yet valid, not signed by the configured CA, or X.509 v1.
 *   v1 certificates (what `openssl x509 -req` makes without `-extfile`,
 *   e.g. from the aiomas manual's recipe) are refused because Deno's TLS
 *   engine does not check that a v1 peer holds its key; docs/tls.md shows
 *   how to sign the same request again as v3.
 * - TLS 1.3 between our peers; TLS 1.2 is accepted too, as Python aiomas
 *   speaks only TLS 1.2 (`ECDH+AESGCM`). Deno's TLS engine (rustls) offers
 *   only AEAD suites with ECDHE in TLS 1.2: AES-GCM, and also
 *   ChaCha20-Poly1305; never CBC or RSA key exchange. TLS 1.1 and older are
 *   refused.
 * - `PeerInfo.certificate` holds the verified peer certificate on both
 *   sides (`channel.peer.certificate`; `callContext().peer.certificate` in
 *   an RPC method).
 *
 * The side that refuses decides after the engine's handshake, so it can
 * name the reason; the TLS engine cannot send an alert then, so the other
 * side sees a connection that closes before its first byte (a client learns
 * it at `connect` or at its first read, and its error says that the server
 * "may have refused this side's certificate").
 *
 * @module
 */

import type { Conn, Endpoint, Listener, ListenOptions, Transport } from "../transport.ts";
import { connectTls } from "./client.ts";
import {
  type ResolvedTlsPair,
  resolveTlsOptions,
  TlsConfigError,
  type TlsOptions,
} from "./options.ts";
import { listenTls } from "./server.ts";

export {
  DEFAULT_HANDSHAKE_TIMEOUT,
  TlsConfigError,
  type TlsFailure,
  TlsHandshakeError,
  type TlsOptions,
  type TlsPairOptions,
  type TlsSettings,
} from "./options.ts";

/**
 * Creates a transport that speaks mutual TLS over TCP. The channel layer
 * uses it when `options.tls` is set.
 *
 * @param options The CA, certificate and key, for both sides or per side.
 * @returns A transport whose `listen` accepts only verified clients and
 *   whose `connect` resolves only once the server is verified.
 * @throws {TlsConfigError} When a file cannot be read, a value is not PEM,
 *   a certificate comes without its key, or (with separate settings) a side
 *   lacks what it needs. With one settings object, `listen` and `connect`
 *   reject with it when their side lacks something (a server needs `cert`).
 *
 * @example A channel round trip with mutual authentication (the seed's example)
 * ```ts
 * import { ok as assert, strictEqual as assertEquals } from "node:assert/strict";
 * import { type Channel, openConnection, startServer } from "@denomas/denomas/channel";
 *
 * const pki = "tests/fixtures/pki";
 * const tls = { ca: `${pki}/ca.pem`, cert: `${pki}/server.pem`, key: `${pki}/server.key` };
 *
 * async function handleClient(channel: Channel): Promise<void> {
 *   const request = await channel.recv();
 *   assertEquals(request.content, "ohai");
 *   // The verified client certificate, for authorisation decisions.
 *   assert(channel.peer.certificate?.subject.includes("CN=denomas test client"));
 *   await request.reply("cya");
 *   await channel.close();
 * }
 *
 * await using server = await startServer(["127.0.0.1", 0], handleClient, { tls });
 * const channel = await openConnection(server.address, {
 *   tls: { ca: `${pki}/ca.pem`, cert: `${pki}/client.pem`, key: `${pki}/client.key` },
 * });
 * try {
 *   assertEquals(await channel.send("ohai"), "cya");
 *   assert(channel.peer.certificate?.subjectAltNames.includes("IP Address:127.0.0.1"));
 * } finally {
 *   await channel.close();
 * }
 * ```
 */
export function tlsTransport(options: TlsOptions): Transport {
  // The channel layer asks once per connection; read the files once per options object.
  let transport = transports.get(options);
  if (transport === undefined) {
    transport = new TlsTransport(resolveTlsOptions(options));
    transports.set(options, transport);
  }
  return transport;
}

const transports = new WeakMap<TlsOptions, TlsTransport>();

class TlsTransport implements Transport {
  readonly #settings: ResolvedTlsPair;

  constructor(settings: ResolvedTlsPair) {
    this.#settings = settings;
  }

  connect(endpoint: Endpoint, signal?: AbortSignal): Promise<Conn> {
    const settings = this.#settings.client;
    if (settings instanceof TlsConfigError) return Promise.reject(settings);
    return connectTls(endpoint, settings, signal);
  }

  listen(endpoint: Endpoint, options?: ListenOptions): Promise<Listener> {
    const settings = this.#settings.server;
    if (settings instanceof TlsConfigError) return Promise.reject(settings);
    return listenTls(endpoint, settings, options);
  }
}
