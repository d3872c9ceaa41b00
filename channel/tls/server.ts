/**
 * The server side of the TLS transport: a `node:tls` server that requests
 * client certificates, behind the {@linkcode Listener} interface. The engine
 * verifies the chain; {@linkcode refusalOf} makes the decision and names the
 * reason. Only verified connections are handed out; every failure goes to
 * the listener's `onError`.
 *
 * @module
 */

import { acceptUntilClosed } from "../_accept.ts";
import { createServer, type Server, type TLSSocket } from "node:tls";
import type { Socket } from "node:net";
import { type ErrorHandler, logError, report, TimeoutError } from "../../errors.ts";
import { formatHostPort } from "../address.ts";
import type { Conn, Endpoint, Listener, ListenOptions } from "../transport.ts";
import { peerCertificateOf, refusalOf } from "./certificate.ts";
import { type ResolvedTls, type TlsFailure, TlsHandshakeError } from "./options.ts";
import { TlsSocketConn } from "./socket_conn.ts";

/** TLS 1.2 suites offered besides TLS 1.3: ECDHE with AES-GCM only, as Python aiomas uses. */
export const TLS12_CIPHERS: string = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
].join(":");

/** Binds a TLS listener on a TCP endpoint. */
export function listenTls(
  endpoint: Endpoint,
  settings: ResolvedTls,
  options: ListenOptions = {},
): Promise<Listener> {
  if (endpoint.transport !== "tcp") {
    return Promise.reject(
      new TypeError(`The TLS transport listens on TCP endpoints only, not "${endpoint.transport}"`),
    );
  }
  const server = createServer({
    ca: settings.ca,
    cert: settings.cert,
    key: settings.key,
    requestCert: settings.mutual,
    // The engine's verdict arrives as `socket.authorized`; refusing here
    // would hide the client's certificate, and so the reason.
    rejectUnauthorized: false,
    minVersion: "TLSv1.2",
    ciphers: TLS12_CIPHERS,
    handshakeTimeout: settings.handshakeTimeout,
  });
  const onError = settings.onError ?? options.onError ?? logError;
  return new Promise<Listener>((resolve, reject) => {
    const onListenError = (error: Error) => reject(error);
    server.once("error", onListenError);
    server.listen({ port: endpoint.port, host: endpoint.hostname }, () => {
      server.off("error", onListenError);
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : endpoint.port;
      const bound: Endpoint = { transport: "tcp", hostname: endpoint.hostname, port };
      resolve(new TlsListener(server, bound, settings, onError));
    });
  });
}

class TlsListener implements Listener {
  readonly endpoint: Endpoint;
  readonly #server: Server;
  readonly #ready: Conn[] = [];
  readonly #waiting: { resolve: (conn: Conn) => void; reject: (error: Error) => void }[] = [];
  #closed = false;

  constructor(server: Server, endpoint: Endpoint, settings: ResolvedTls, onError: ErrorHandler) {
    this.#server = server;
    this.endpoint = endpoint;
    const refuse = (socket: TLSSocket, error: Error) => {
      socket.on("error", ignore);
      socket.destroy();
      report(onError, error);
    };
    server.on("secureConnection", (socket: TLSSocket) => {
      if (settings.mutual) {
        const refusal = refusalOf(
          socket.getPeerX509Certificate(),
          settings.cas,
          "client",
          socket.authorized,
        );
        if (refusal !== undefined || !socket.authorized) {
          refuse(
            socket,
            new TlsHandshakeError(
              addressOf(socket),
              "server",
              refusal?.failure ?? "protocol",
              refusal?.reason ??
                `the client certificate was not verified (${socket.authorizationError})`,
            ),
          );
          return;
        }
      }
      const conn = new TlsSocketConn(socket, {
        address: addressOf(socket),
        certificate: peerCertificateOf(socket.getPeerCertificate()),
      }, formatHostPort(socket.localAddress ?? "", socket.localPort ?? 0));
      const waiter = this.#waiting.shift();
      if (waiter) waiter.resolve(conn);
      else if (this.#closed) conn.close();
      else this.#ready.push(conn);
    });
    server.on("tlsClientError", (error: Error & { code?: string }, socket: TLSSocket) => {
      const peer = addressOf(socket);
      refuse(
        socket,
        /handshake timeout/i.test(error.message)
          ? new TimeoutError(`TLS handshake with ${peer}`, settings.handshakeTimeout)
          : new TlsHandshakeError(peer, "server", ...describeServerFailure(error), {
            cause: error,
          }),
      );
    });
    // Errors of the listening socket itself end the listener.
    server.on("error", (error: Error) => this.#end(error));
  }

  accept(): Promise<Conn> {
    const conn = this.#ready.shift();
    if (conn) return Promise.resolve(conn);
    if (this.#closed) return Promise.reject(closedError());
    return new Promise<Conn>((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  [Symbol.asyncIterator](): AsyncIterator<Conn> {
    return acceptUntilClosed(() => this.accept(), () => this.#closed);
  }

  close(): void {
    this.#end(closedError());
  }

  #end(error: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const conn of this.#ready.splice(0)) conn.close();
    for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
  }
}

function ignore(): void {}

function closedError(): Error {
  return new Deno.errors.BadResource("TLS listener is closed");
}

/** The peer's address; a socket that failed early may only know it through its parent. */
function addressOf(socket: TLSSocket): string {
  const parent = (socket as TLSSocket & { _parent?: Socket | null })._parent;
  const host = socket.remoteAddress ?? parent?.remoteAddress;
  const port = socket.remotePort ?? parent?.remotePort;
  return host === undefined ? "unknown peer" : formatHostPort(host, port ?? 0);
}

/** Says in words why a client's handshake failed before it completed. */
function describeServerFailure(error: Error & { code?: string }): [TlsFailure, string] {
  switch (error.code) {
    case "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE":
      return ["no-certificate", "the client sent no certificate, but this server requires one"];
    case "ERR_SSL_WRONG_VERSION_NUMBER":
      return ["not-tls", `the client does not speak TLS (it sent plaintext?): ${error.message}`];
    case "ECONNRESET":
      return ["refused-by-peer", "the client closed the connection during the handshake"];
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
      // The chain is judged after the handshake (secureConnection); what
      // fails here is the client's signature of the handshake itself.
      return [
        "bad-signature",
        "the client's handshake was not signed with the key of its certificate " +
        `(${error.message})`,
      ];
  }
  if (/fatal alert/i.test(error.message)) {
    return [
      "refused-by-peer",
      `the client ended the handshake; it may have refused this server's certificate ` +
      `(${error.message})`,
    ];
  }
  return ["protocol", error.message];
}
