/**
 * Paths and settings of the test PKI in `fixtures/pki/` (see its README).
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { TlsSettings } from "../channel/tls/mod.ts";

/** Absolute path of a file in `tests/fixtures/pki/`. */
export function pki(name: string): string {
  return fileURLToPath(new URL(`./fixtures/pki/${name}`, import.meta.url));
}

/** Settings with the test CA and the named certificate/key pair (file paths). */
export function settings(name: string, extra: Partial<TlsSettings> = {}): TlsSettings {
  return { ca: pki("ca.pem"), cert: pki(`${name}.pem`), key: pki(`${name}.key`), ...extra };
}

/** Collects the handshake errors a server reports. */
export class HandshakeErrors {
  readonly errors: Error[] = [];
  #waiters: (() => void)[] = [];

  /** Pass as `onError`. */
  readonly push = (error: Error): void => {
    this.errors.push(error);
    for (const wake of this.#waiters.splice(0)) wake();
  };

  /** Resolves with the `index`-th error once it has arrived. */
  async nth(index: number): Promise<Error> {
    while (this.errors.length <= index) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    return this.errors[index];
  }
}

/** The test server's settings, reporting handshake errors to `errors`. */
export function serverSettings(
  errors: HandshakeErrors,
  extra: Partial<TlsSettings> = {},
): TlsSettings {
  return settings("server", { onError: errors.push, ...extra });
}
