/**
 * The client side of the TLS transport, over `node:tls`'s `connect`: it
 * trusts only the configured CA, presents the client certificate, checks the
 * server's certificate and name with the same rules as the server
 * ({@linkcode refusalOf}, {@linkcode nameRefusal}) and bounds the handshake.
 *
 * @module
 */

import { connect, type TLSSocket } from "node:tls";
import { isIP } from "node:net";
import { deadline } from "../../internal/async.ts";
import { formatHostPort } from "../address.ts";
import type { Conn, Endpoint } from "../transport.ts";
import { nameRefusal, peerCertificateOf, refusalOf } from "./certificate.ts";
import { type ResolvedTls, type TlsFailure, TlsHandshakeError } from "./options.ts";
import { TlsSocketConn } from "./socket_conn.ts";

/**
 * Opens a TLS connection and resolves once the server is verified. Rejects
 * with a {@linkcode TlsHandshakeError} naming the reason, a `TimeoutError`
 * after `settings.handshakeTimeout`, `signal.reason` when `signal` aborts,
 * or `Deno.errors.ConnectionRefused` when nothing listens.
 */
export function connectTls(
  endpoint: Endpoint,
  settings: ResolvedTls,
  signal?: AbortSignal,
): Promise<Conn> {
  if (endpoint.transport !== "tcp") {
    return Promise.reject(
      new TypeError(
        `The TLS transport connects to TCP endpoints only, not "${endpoint.transport}"`,
      ),
    );
  }
  const peer = formatHostPort(endpoint.hostname, endpoint.port);
  const limit = deadline(`TLS handshake with ${peer}`, settings.handshakeTimeout, signal)!;
  if (limit.aborted) return Promise.reject(limit.reason);
  const expectedName = settings.hostname ?? endpoint.hostname;
  return new Promise<Conn>((resolve, reject) => {
    let settled = false;
    const socket: TLSSocket = connect({
      host: endpoint.hostname,
      port: endpoint.port,
      ca: settings.ca,
      cert: settings.cert,
      key: settings.key,
      // SNI carries names only, never IP addresses.
      servername: isIP(expectedName) ? undefined : expectedName,
      // The engine's verdict arrives as `socket.authorized`; refusing here
      // would hide the server's certificate, and so the reason. No byte is
      // sent before the decision below.
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
      minVersion: "TLSv1.2",
    });
    const onAbort = () => {
      if (settled) return;
      cleanup();
      discard();
      reject(limit.reason);
    };
    limit.addEventListener("abort", onAbort, { once: true });

    function cleanup(): void {
      settled = true;
      limit.removeEventListener("abort", onAbort);
      socket.off("secureConnect", onSecure);
      socket.off("error", onError);
      socket.off("close", onClose);
    }
    /** Ends a socket that is not handed out; errors it reports later go nowhere. */
    function discard(): void {
      socket.on("error", ignore);
      socket.destroy();
    }
    function fail(failure: TlsFailure, reason: string, cause?: Error): void {
      if (settled) return;
      cleanup();
      discard();
      reject(new TlsHandshakeError(peer, "client", failure, reason, cause && { cause }));
    }
    function onSecure(): void {
      const cert = socket.getPeerX509Certificate();
      const refusal = refusalOf(cert, settings.cas, "server", socket.authorized) ??
        (cert && nameRefusal(cert, expectedName));
      if (refusal !== undefined) {
        fail(refusal.failure, refusal.reason);
        return;
      }
      if (!socket.authorized) {
        fail(
          "protocol",
          `the server certificate was not verified (${socket.authorizationError})`,
        );
        return;
      }
      cleanup();
      // Errors after this point belong to the connection; keep one handler so
      // none is unhandled before the Conn attaches its own.
      const conn = new TlsSocketConn(
        socket,
        { address: peer, certificate: peerCertificateOf(socket.getPeerCertificate()) },
        formatHostPort(socket.localAddress ?? "", socket.localPort ?? 0),
        // The server decides on this side's certificate after the handshake
        // and cannot say why it refuses (no alert): an end before the first
        // byte names the likely cause.
        { earlyEnd: (cause) => earlyEnd(peer, settings, cause) },
      );
      resolve(conn);
    }
    function onError(error: Error & { code?: string }): void {
      if (error.code === "ECONNREFUSED" && !settled) {
        // Not a TLS failure: keep the error class that Deno.connect uses, so
        // callers can retry a server that is not up yet.
        cleanup();
        discard();
        reject(
          new Deno.errors.ConnectionRefused(`Connection to ${peer} refused`, { cause: error }),
        );
        return;
      }
      fail(...describeClientFailure(error), error);
    }
    function onClose(): void {
      fail(
        "not-tls",
        "the server closed the connection during the handshake; is it a TLS server?",
      );
    }
    socket.once("secureConnect", onSecure);
    socket.on("error", onError);
    socket.once("close", onClose);
  });
}

function ignore(): void {}

/** The error for a connection the server ends (or resets) before sending a byte. */
function earlyEnd(peer: string, settings: ResolvedTls, cause: Error | undefined): Error {
  const [failure, reason]: [TlsFailure, string] = cause && /fatal alert/i.test(cause.message)
    ? describeClientFailure(cause)
    : settings.cert === undefined
    ? [
      "no-certificate",
      "the server closed the connection before sending anything; it probably " +
      "requires a client certificate, and this side has none",
    ]
    : [
      "refused-by-peer",
      "the server closed the connection before sending anything; it may have refused " +
      "this side's certificate (the server's error report says why)",
    ];
  return new TlsHandshakeError(peer, "client", failure, reason, cause && { cause });
}

/** Says in words why connecting failed. */
function describeClientFailure(error: Error & { code?: string }): [TlsFailure, string] {
  const message = error.message;
  if (/fatal alert: CertificateRequired/i.test(message)) {
    return [
      "no-certificate",
      `the server requires a client certificate and none was sent (${message})`,
    ];
  }
  if (/fatal alert/i.test(message)) {
    return [
      "refused-by-peer",
      `the server ended the handshake; it may have refused this side's certificate (${message})`,
    ];
  }
  if (/InvalidContentType|wrong version|corrupt message|InvalidMessage/i.test(message)) {
    return ["not-tls", `the server does not speak TLS (${message})`];
  }
  if (error.code === "ECONNRESET" || /disconnected before secure TLS/i.test(message)) {
    return [
      "refused-by-peer",
      "the server closed the connection during the handshake; is it a TLS server, " +
      `and does it accept this side's certificate? (${message})`,
    ];
  }
  return ["protocol", message];
}
