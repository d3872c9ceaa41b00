/**
 * Mutual TLS for channels, RPC connections and containers: both peers show
 * a certificate signed by a shared CA and both verify, like aiomas's
 * `make_ssl_server_context`/`make_ssl_client_context` pair. Pass
 * `{ tls: { ca, cert, key } }` to `openConnection`, `startServer` (channel
 * or RPC) or `Container.create`.
 *
 * - The server is a `node:tls` server that requests and verifies client
 *   certificates (`Deno.listenTls` cannot); only verified connections reach
 *   the channel. Handshake failures go to
 *   {@linkcode TlsSettings.onHandshakeError}.
 * - The client uses `node:tls` too, not `Deno.connectTls`: it trusts only
 *   the configured CA (`Deno.connectTls` adds Deno's root store, Mozilla's
 *   roots by default, to `caCerts`), presents its certificate, shows the
 *   server's certificate, and checks the server's name: a DNS SAN, or an IP
 *   SAN when connecting to an IP address such as `127.0.0.1`.
 * - TLS 1.3 between our peers; TLS 1.2 is accepted too, as Python aiomas
 *   speaks only TLS 1.2 (`ECDH+AESGCM`). Deno's TLS engine (rustls) offers
 *   only AEAD suites with ECDHE in TLS 1.2: AES-GCM, and also
 *   ChaCha20-Poly1305; never CBC or RSA key exchange. TLS 1.1 and older are
 *   refused.
 * - `PeerInfo.certificate` holds the verified peer certificate on both
 *   sides (`channel.peer.certificate`; `callContext().peer.certificate` in
 *   an RPC method).
 *
 * Two limits of the engine, for readers of error messages:
 * - With TLS 1.3 a server verifies the client's certificate after the
 *   client considers the handshake done, so a refused client may only learn
 *   it on its first read; the error then says the server "may have rejected
 *   this side's certificate" (the server's `onHandshakeError` says why).
 * - The client checks the server's name right after the handshake, so a
 *   server with a wrong name sees a connection that closes before its first
 *   byte, while the client fails with "not valid for".
 *
 * @module
 */

import { type ResolvedTlsPair, resolveTlsOptions } from "./_tls_config.ts";
import { connectTls } from "./_tls_client.ts";
import { TlsConfigError, type TlsHandshakeError } from "./_tls_errors.ts";
import { listenTls } from "./_tls_server.ts";
import type { Conn, Endpoint, Listener, ListenOptions, Transport } from "./transport.ts";

export { TlsConfigError, TlsHandshakeError } from "./_tls_errors.ts";
export { DEFAULT_HANDSHAKE_TIMEOUT } from "./_tls_config.ts";

/**
 * One side's TLS settings. Certificates and keys are PEM text or paths of
 * PEM files (text that starts with `-----BEGIN` is PEM, anything else a
 * path; files are read once, when the transport is made).
 */
export interface TlsSettings {
  /**
   * The certificate(s) of the CA that signs the peers. Only this CA is
   * trusted. Required, except on a server with `mutual: false`.
   */
  readonly ca?: string;
  /** This side's certificate chain. Required on a server, and on a client when `mutual`. */
  readonly cert?: string;
  /** The private key of `cert` (unencrypted PEM). */
  readonly key?: string;
  /**
   * Mutual authentication: a server requires and verifies client
   * certificates; a client must have one.
   *
   * @default {true}
   */
  readonly mutual?: boolean;
  /**
   * Client only: the name the server's certificate must be valid for, when
   * it differs from the host connected to (e.g. connect to `10.0.0.5`,
   * expect `agents.example`). An IP address here is checked against IP SANs.
   *
   * @default {the host of the address connected to}
   */
  readonly hostname?: string;
  /**
   * Milliseconds a handshake may take before the connection is dropped, on
   * either side, so a peer that never finishes (or never speaks) cannot hold
   * a connection open.
   *
   * @default {DEFAULT_HANDSHAKE_TIMEOUT} (10 000)
   */
  readonly handshakeTimeout?: number;
  /**
   * Server only: called for each connection whose handshake failed (no
   * client certificate, a wrong CA, an expired certificate, a plaintext
   * client, a timeout). Such connections never reach the channel.
   *
   * @default {the server's `onError` hook (`logError`: one line to stderr)}
   */
  readonly onHandshakeError?: (error: TlsHandshakeError) => void;
}

/**
 * Separate settings for the server and the client side, like aiomas's
 * `(server_ctx, client_ctx)` tuple: a container uses `server` for the
 * connections it accepts and `client` for those it opens.
 */
export interface TlsPairOptions {
  /** Settings for accepted connections. */
  readonly server: TlsSettings;
  /** Settings for opened connections. */
  readonly client: TlsSettings;
}

/**
 * Certificates and keys for mutual TLS: one {@linkcode TlsSettings} for both
 * sides (aiomas's `SSLCerts(ca, cert, key)`), or a {@linkcode TlsPairOptions}.
 */
export type TlsOptions = TlsSettings | TlsPairOptions;

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
    return listenTls(endpoint, settings, options?.onError);
  }
}
