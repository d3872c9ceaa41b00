/**
 * The errors of the TLS transport. Re-exported by `tls.ts`.
 *
 * @module
 */

/**
 * A TLS handshake failed, timed out, or the peer dropped the connection
 * before it was verified. The connection is never handed to the channel.
 *
 * On a server, these errors go to {@linkcode TlsSettings.onHandshakeError};
 * on a client, `connect` (and so `openConnection`) rejects with one.
 *
 * @example
 * ```ts
 * import { ok as assert, strictEqual as assertEquals } from "node:assert/strict";
 * import { TlsHandshakeError } from "@denomas/denomas/channel";
 *
 * const error = new TlsHandshakeError("127.0.0.1:40112", "server", "the client sent no certificate");
 * assertEquals(error.peer, "127.0.0.1:40112");
 * assert(error.message.startsWith("TLS handshake with 127.0.0.1:40112 failed"));
 * ```
 */
export class TlsHandshakeError extends Error {
  /** The peer's address, as this side sees it (`"unknown peer"` if it was never known). */
  readonly peer: string;
  /** Which side of the connection this is: the one that saw the failure. */
  readonly side: "client" | "server";

  /**
   * Describes a failed handshake.
   *
   * @param peer The peer's address, as this side sees it.
   * @param side Whether this side was the client or the server.
   * @param reason What went wrong, e.g. `"the client sent no certificate"`.
   * @param options The underlying cause, if any.
   */
  constructor(peer: string, side: "client" | "server", reason: string, options?: ErrorOptions) {
    super(`TLS handshake with ${peer} failed (this side is the ${side}): ${reason}`, options);
    this.name = "TlsHandshakeError";
    this.peer = peer;
    this.side = side;
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
export class TlsConfigError extends Error {
  /**
   * Describes unusable TLS settings.
   *
   * @param message What is wrong and where, e.g. `Cannot read TLS "ca" file "ca.pem": …`.
   * @param options The underlying cause, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TlsConfigError";
  }
}
