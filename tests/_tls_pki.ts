/**
 * Paths and settings of the test PKI in `fixtures/pki/` (see its README).
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { TlsSettings } from "../channel/tls/mod.ts";
import { Reports } from "./_reports.ts";

/** Absolute path of a file in `tests/fixtures/pki/`. */
export function pki(name: string): string {
  return fileURLToPath(new URL(`./fixtures/pki/${name}`, import.meta.url));
}

/** Settings with the test CA and the named certificate/key pair (file paths). */
export function settings(name: string, extra: Partial<TlsSettings> = {}): TlsSettings {
  return { ca: pki("ca.pem"), cert: pki(`${name}.pem`), key: pki(`${name}.key`), ...extra };
}

/** Collects the handshake errors a server reports. */
export { Reports as HandshakeErrors };

/** The test server's settings, reporting handshake errors to `errors`. */
export function serverSettings(
  errors: Reports,
  extra: Partial<TlsSettings> = {},
): TlsSettings {
  return settings("server", { onError: errors.push, ...extra });
}
