/**
 * What the user gives the TLS transport ({@linkcode TlsOptions}), how it is
 * turned into the settings each side needs (PEM text loaded from files,
 * defaults filled in, missing pieces reported early), and the errors of the
 * TLS transport.
 *
 * @module
 */

import { X509Certificate } from "node:crypto";
import { DenomasError, type ErrorHandler } from "../../errors.ts";

/** The default of {@linkcode TlsSettings.handshakeTimeout}: 10 seconds. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;

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
   * a connection open. Running out of time is a `TimeoutError`.
   *
   * @default {DEFAULT_HANDSHAKE_TIMEOUT} (10 000)
   */
  readonly handshakeTimeout?: number;
  /**
   * Server only: receives each connection whose handshake failed (no client
   * certificate, an unknown CA, an expired certificate, a plaintext client)
   * as a {@linkcode TlsHandshakeError}, or a `TimeoutError` for a handshake
   * that took too long. Such connections never reach the channel.
   *
   * @default {the `onError` the listener was given (a server's `onError`), else `logError`}
   */
  readonly onError?: ErrorHandler;
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
 * Why a handshake failed, for code that reacts to it:
 *
 * - `"expired"`, `"not-yet-valid"`: the peer's certificate is outside its
 *   validity period.
 * - `"unknown-ca"`: the peer's certificate is not signed by the configured CA.
 * - `"v1-certificate"`: the peer's certificate is X.509 v1 (no extensions),
 *   which denomas refuses (see docs/tls.md).
 * - `"name-mismatch"`: (client) the server's certificate is not valid for
 *   the host connected to.
 * - `"bad-signature"`: (server) the client's handshake was not signed with
 *   the key of the certificate it showed.
 * - `"no-certificate"`: the peer sent no certificate (or, on a client, the
 *   server probably wanted one that this side does not have).
 * - `"refused-by-peer"`: the peer ended the handshake, e.g. because it
 *   refused this side's certificate (the peer's own report says why).
 * - `"not-tls"`: the peer does not speak TLS.
 * - `"protocol"`: no common protocol version or cipher suite, or another
 *   TLS-level failure.
 */
export type TlsFailure =
  | "expired"
  | "not-yet-valid"
  | "unknown-ca"
  | "v1-certificate"
  | "name-mismatch"
  | "bad-signature"
  | "no-certificate"
  | "refused-by-peer"
  | "not-tls"
  | "protocol";

/**
 * A TLS handshake failed or the peer dropped the connection before it was
 * verified. The connection is never handed to the channel. A handshake that
 * takes too long is a `TimeoutError` instead.
 *
 * On a server, these errors go to the listener's `onError`
 * ({@linkcode TlsSettings.onError}); on a client, `connect` (and so
 * `openConnection`) rejects with one.
 *
 * @example
 * ```ts
 * import { ok as assert, strictEqual as assertEquals } from "node:assert/strict";
 * import { DenomasError } from "@denomas/denomas";
 * import { TlsHandshakeError } from "@denomas/denomas/channel";
 *
 * const error = new TlsHandshakeError(
 *   "127.0.0.1:40112",
 *   "server",
 *   "no-certificate",
 *   "the client sent no certificate",
 * );
 * assertEquals(error.peer, "127.0.0.1:40112");
 * assertEquals(error.failure, "no-certificate");
 * assert(error instanceof DenomasError);
 * assert(error.message.startsWith("TLS handshake with 127.0.0.1:40112 failed"));
 * ```
 */
export class TlsHandshakeError extends DenomasError {
  /** The peer's address, as this side sees it (`"unknown peer"` if it was never known). */
  readonly peer: string;
  /** Which side of the connection this is: the one that saw the failure. */
  readonly side: "client" | "server";
  /** Why the handshake failed. */
  readonly failure: TlsFailure;

  /**
   * Describes a failed handshake.
   *
   * @param peer The peer's address, as this side sees it.
   * @param side Whether this side was the client or the server.
   * @param failure Why, as a {@linkcode TlsFailure}.
   * @param reason What went wrong in words, e.g. `"the client sent no certificate"`.
   * @param options The underlying cause, if any.
   */
  constructor(
    peer: string,
    side: "client" | "server",
    failure: TlsFailure,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`TLS handshake with ${peer} failed (this side is the ${side}): ${reason}`, options);
    this.peer = peer;
    this.side = side;
    this.failure = failure;
  }
}

/**
 * The TLS settings cannot be used: a file that cannot be read, text that is
 * not PEM, or a certificate without its key. Thrown by `tlsTransport` before
 * any connection is made.
 *
 * @example
 * ```ts
 * import { throws as assertThrows } from "node:assert/strict";
 * import { TlsConfigError, tlsTransport } from "@denomas/denomas/channel";
 *
 * assertThrows(
 *   () => tlsTransport({ ca: "/nonexistent/ca.pem", cert: "x", key: "y" }),
 *   TlsConfigError,
 * );
 * ```
 */
export class TlsConfigError extends DenomasError {}

/** One side's settings, ready for `node:tls`. */
export interface ResolvedTls {
  readonly ca: string | undefined;
  /** The certificates of `ca`, parsed. */
  readonly cas: readonly X509Certificate[];
  readonly cert: string | undefined;
  readonly key: string | undefined;
  readonly mutual: boolean;
  readonly hostname: string | undefined;
  readonly handshakeTimeout: number;
  readonly onError: ErrorHandler | undefined;
}

/** Both sides' settings, or why a side cannot be used. */
export interface ResolvedTlsPair {
  readonly server: ResolvedTls | TlsConfigError;
  readonly client: ResolvedTls | TlsConfigError;
}

const PEM_START = "-----BEGIN";

/** Resolves {@linkcode TlsOptions} (one settings object, or a server/client pair). */
export function resolveTlsOptions(options: TlsOptions): ResolvedTlsPair {
  if (options === null || typeof options !== "object") {
    throw new TlsConfigError("TLS options must be an object with ca, cert and key");
  }
  if ("server" in options || "client" in options) {
    const { server, client } = options as { server?: TlsSettings; client?: TlsSettings };
    if (server === undefined || client === undefined) {
      throw new TlsConfigError(
        "TLS options with separate settings need both `server` and `client`",
      );
    }
    return { server: resolveSide(server, "server"), client: resolveSide(client, "client") };
  }
  const settings = options as TlsSettings;
  // Load the files once and share the text between both sides. One settings
  // object may serve only one side (a client without a certificate), so what
  // a side lacks is reported when that side is used.
  const shared: TlsSettings = {
    ...settings,
    ca: loadPem(settings.ca, "ca"),
    cert: loadPem(settings.cert, "cert"),
    key: loadPem(settings.key, "key"),
  };
  checkGeneral(shared, "TLS settings");
  return { server: deferred(shared, "server"), client: deferred(shared, "client") };
}

/** The checks that hold whichever side the settings serve. */
function checkGeneral(settings: TlsSettings, what: string): void {
  if ((settings.cert === undefined) !== (settings.key === undefined)) {
    const has = settings.cert === undefined ? "key" : "cert";
    const lacks = settings.cert === undefined ? "cert" : "key";
    throw new TlsConfigError(`${what} have a ${has} without its ${lacks}`);
  }
  const timeout = settings.handshakeTimeout;
  if (timeout !== undefined && (!(timeout > 0) || !Number.isFinite(timeout))) {
    throw new TlsConfigError(
      `TLS handshakeTimeout must be a positive number of milliseconds, got ${timeout}`,
    );
  }
  if (settings.onError !== undefined && typeof settings.onError !== "function") {
    throw new TlsConfigError("TLS onError must be a function");
  }
}

function deferred(settings: TlsSettings, side: "server" | "client"): ResolvedTls | TlsConfigError {
  try {
    return resolveSide(settings, side);
  } catch (error) {
    if (error instanceof TlsConfigError) return error;
    throw error;
  }
}

function resolveSide(settings: TlsSettings, side: "server" | "client"): ResolvedTls {
  const mutual = settings.mutual ?? true;
  const ca = loadPem(settings.ca, "ca");
  const cert = loadPem(settings.cert, "cert");
  const key = loadPem(settings.key, "key");
  checkGeneral(settings, `TLS ${side} settings`);
  if (side === "server" && cert === undefined) {
    throw new TlsConfigError("A TLS server needs `cert` and `key`");
  }
  if (side === "client" && mutual && cert === undefined) {
    throw new TlsConfigError(
      "A TLS client needs `cert` and `key` for mutual authentication (or set `mutual: false`)",
    );
  }
  if (ca === undefined && (side === "client" || mutual)) {
    throw new TlsConfigError(
      `A TLS ${side} needs \`ca\`, the certificate authority that signs its peers`,
    );
  }
  return {
    ca,
    cas: parseCertificates(ca),
    cert,
    key,
    mutual,
    hostname: settings.hostname,
    handshakeTimeout: settings.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT,
    onError: settings.onError,
  };
}

/** Every certificate of the CA bundle (the configured CA may be several). */
function parseCertificates(pem: string | undefined): X509Certificate[] {
  const blocks = pem?.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (pem !== undefined && blocks == null) {
    throw new TlsConfigError('TLS "ca" holds no certificate');
  }
  return (blocks ?? []).map((block) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new TlsConfigError(
        `TLS "ca" holds a certificate that cannot be read: ${(error as Error).message}`,
        { cause: error },
      );
    }
  });
}

/** PEM text stays as it is; anything else is a file path whose content is loaded. */
function loadPem(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    throw new TlsConfigError(`TLS "${field}" must be PEM text or a file path`);
  }
  if (value.trimStart().startsWith(PEM_START)) return value;
  let text: string;
  try {
    text = Deno.readTextFileSync(value);
  } catch (error) {
    throw new TlsConfigError(
      `Cannot read TLS "${field}" file "${value}": ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!text.includes(PEM_START)) {
    throw new TlsConfigError(`TLS "${field}" file "${value}" does not contain PEM data`);
  }
  return text;
}
