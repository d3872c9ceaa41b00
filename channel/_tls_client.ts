/**
 * The client side of the TLS transport, over `node:tls`'s `connect`: it
 * trusts only the configured CA, presents the client certificate, checks the
 * server's name (an IP SAN for an IP address) and bounds the handshake.
 *
 * @module
 */

import { checkServerIdentity, connect, type PeerCertificate, type TLSSocket } from "node:tls";
import { isIP } from "node:net";
import { formatHostPort } from "./address.ts";
import type { ResolvedTls } from "./_tls_config.ts";
import { peerCertificateOf } from "./_tls_certificate.ts";
import { TlsHandshakeError } from "./_tls_errors.ts";
import { TlsSocketConn } from "./_tls_socket_conn.ts";
import type { Conn, Endpoint } from "./transport.ts";

/** Opens a TLS connection and resolves once the server is verified. */
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
  if (signal?.aborted) return Promise.reject(signal.reason);
  const peer = formatHostPort(endpoint.hostname, endpoint.port);
  const expectedName = settings.hostname ?? endpoint.hostname;
  return new Promise<Conn>((resolve, reject) => {
    let settled = false;
    let identityError: Error | undefined;
    const socket: TLSSocket = connect({
      host: endpoint.hostname,
      port: endpoint.port,
      ca: settings.ca,
      cert: settings.cert,
      key: settings.key,
      // SNI carries names only, never IP addresses.
      servername: isIP(expectedName) ? undefined : expectedName,
      rejectUnauthorized: true,
      minVersion: "TLSv1.2",
      checkServerIdentity: (_host: string, cert: PeerCertificate) => {
        identityError = checkServerIdentity(expectedName, cert);
        return identityError;
      },
    });
    const timer = setTimeout(() => {
      fail(`no complete handshake within ${settings.handshakeTimeout} ms`);
    }, settings.handshakeTimeout);
    const onAbort = () => {
      if (settled) return;
      cleanup();
      discard();
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });

    function cleanup(): void {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.off("secureConnect", onSecure);
      socket.off("error", onError);
      socket.off("close", onClose);
    }
    /** Ends a socket that is not handed out; errors it reports later go nowhere. */
    function discard(): void {
      socket.on("error", ignore);
      socket.destroy();
    }
    function fail(reason: string, cause?: Error): void {
      if (settled) return;
      cleanup();
      discard();
      reject(new TlsHandshakeError(peer, "client", reason, cause && { cause }));
    }
    function onSecure(): void {
      if (!socket.authorized) {
        fail(`the server certificate was not verified (${socket.authorizationError})`);
        return;
      }
      cleanup();
      // Errors after this point belong to the connection; keep one handler so
      // none is unhandled before the Conn attaches its own.
      const conn = new TlsSocketConn(
        socket,
        { address: peer, certificate: peerCertificateOf(socket.getPeerCertificate()) },
        formatHostPort(socket.localAddress ?? "", socket.localPort ?? 0),
        {
          // With TLS 1.3 the server verifies the client certificate after
          // the client's handshake is done, and its refusal cannot be told
          // from an early close: name the likely cause.
          earlyEnd: (cause) =>
            new TlsHandshakeError(
              peer,
              "client",
              cause
                ? describeClientFailure(cause, undefined, expectedName)
                : "the server closed the connection before sending anything; " +
                  "it may have rejected this side's certificate",
              cause && { cause },
            ),
        },
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
      fail(describeClientFailure(error, identityError, expectedName), error);
    }
    function onClose(): void {
      fail("the server closed the connection during the handshake; is it a TLS server?");
    }
    socket.once("secureConnect", onSecure);
    socket.on("error", onError);
    socket.once("close", onClose);
  });
}

function ignore(): void {}

/** Says in words why connecting failed. */
function describeClientFailure(
  error: Error & { code?: string },
  identityError: Error | undefined,
  expectedName: string,
): string {
  const message = error.message;
  if (identityError !== undefined || error.code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return `the server certificate is not valid for "${expectedName}": ${message}`;
  }
  if (/fatal alert: CertificateRequired/i.test(message)) {
    return `the server requires a client certificate and none was sent (${message})`;
  }
  if (/fatal alert/i.test(message)) {
    return `the server refused the handshake; it may not accept this side's certificate ` +
      `(${message})`;
  }
  if (/certificate|issuer|self-signed|expired/i.test(message)) {
    return `the server certificate was rejected: ${message}`;
  }
  if (/InvalidContentType|wrong version|corrupt message|InvalidMessage/i.test(message)) {
    return `the server does not speak TLS (${message})`;
  }
  if (error.code === "ECONNRESET" || /disconnected before secure TLS/i.test(message)) {
    return `the server closed the connection during the handshake; is it a TLS server? (${message})`;
  }
  return message;
}
