/**
 * Turns the user's TLS options into the settings each side needs: PEM text
 * loaded from files, defaults filled in, missing pieces reported early.
 *
 * @module
 */

import { TlsConfigError, type TlsHandshakeError } from "./_tls_errors.ts";
import type { TlsOptions, TlsSettings } from "./tls.ts";

/** The default of {@linkcode TlsSettings.handshakeTimeout}: 10 seconds. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;

/** One side's settings, ready for `node:tls`. */
export interface ResolvedTls {
  readonly ca: string | undefined;
  readonly cert: string | undefined;
  readonly key: string | undefined;
  readonly mutual: boolean;
  readonly hostname: string | undefined;
  readonly handshakeTimeout: number;
  /** The user's handler; without one, the listener's `onError` hears of failures. */
  readonly onHandshakeError: ((error: TlsHandshakeError) => void) | undefined;
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
    cert,
    key,
    mutual,
    hostname: settings.hostname,
    handshakeTimeout: settings.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT,
    onHandshakeError: settings.onHandshakeError,
  };
}

/** PEM text stays as it is; anything else is a file path whose content is loaded. */
export function loadPem(value: string | undefined, field: string): string | undefined {
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
