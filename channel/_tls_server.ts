/**
 * The server side of the TLS transport: a `node:tls` server that requests
 * and verifies client certificates, behind the {@linkcode Listener}
 * interface. Only connections whose handshake completed and verified are
 * handed out; every failure goes to `onHandshakeError`.
 *
 * @module
 */

import { createServer, type Server, type TLSSocket } from "node:tls";
import type { Socket } from "node:net";
import { type ErrorHandler, logError } from "../errors.ts";
import { formatHostPort } from "./address.ts";
import type { ResolvedTls } from "./_tls_config.ts";
import { peerCertificateOf } from "./_tls_certificate.ts";
import { TlsHandshakeError } from "./_tls_errors.ts";
import { TlsSocketConn } from "./_tls_socket_conn.ts";
import type { Conn, Endpoint, Listener } from "./transport.ts";

/** TLS 1.2 suites offered besides TLS 1.3: ECDHE with AES-GCM only, as Python aiomas uses. */
export const TLS12_CIPHERS: string = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
].join(":");

/**
 * Binds a TLS listener on a TCP endpoint. Failed handshakes go to
 * `settings.onHandshakeError`, else to `onError` (the server's hook).
 */
export function listenTls(
  endpoint: Endpoint,
  settings: ResolvedTls,
  onError: ErrorHandler = logError,
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
    rejectUnauthorized: settings.mutual,
    minVersion: "TLSv1.2",
    ciphers: TLS12_CIPHERS,
    handshakeTimeout: settings.handshakeTimeout,
  });
  return new Promise<Listener>((resolve, reject) => {
    const onListenError = (error: Error) => reject(error);
    server.once("error", onListenError);
    server.listen({ port: endpoint.port, host: endpoint.hostname }, () => {
      server.off("error", onListenError);
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : endpoint.port;
      resolve(
        new TlsListener(
          server,
          { transport: "tcp", hostname: endpoint.hostname, port },
          settings,
          settings.onHandshakeError ?? onError,
        ),
      );
    });
  });
}

class TlsListener implements Listener {
  readonly endpoint: Endpoint;
  readonly #server: Server;
  readonly #ready: Conn[] = [];
  readonly #waiting: { resolve: (conn: Conn) => void; reject: (error: Error) => void }[] = [];
  #closed = false;

  constructor(
    server: Server,
    endpoint: Endpoint,
    settings: ResolvedTls,
    onHandshakeError: (error: TlsHandshakeError) => void,
  ) {
    this.#server = server;
    this.endpoint = endpoint;
    server.on("secureConnection", (socket: TLSSocket) => {
      if (settings.mutual && !socket.authorized) {
        // rejectUnauthorized already refuses these; never let one through.
        socket.on("error", ignore);
        socket.destroy();
        onHandshakeError(
          new TlsHandshakeError(
            addressOf(socket),
            "server",
            `the client certificate was not verified (${socket.authorizationError})`,
          ),
        );
        return;
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
    server.on("tlsClientError", (error: Error, socket: TLSSocket) => {
      const peer = addressOf(socket);
      const reason = describeServerFailure(error, socket, settings.handshakeTimeout);
      socket.on("error", ignore);
      socket.destroy();
      onHandshakeError(new TlsHandshakeError(peer, "server", reason, { cause: error }));
    });
    server.on("error", (error: Error) => {
      // Errors of the listening socket itself end the listener.
      this.#fail(error);
    });
  }

  accept(): Promise<Conn> {
    const conn = this.#ready.shift();
    if (conn) return Promise.resolve(conn);
    if (this.#closed) return Promise.reject(closedError());
    return new Promise<Conn>((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Conn> {
    while (!this.#closed || this.#ready.length > 0) {
      try {
        yield await this.accept();
      } catch (error) {
        if (this.#closed) return;
        throw error;
      }
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const conn of this.#ready.splice(0)) conn.close();
    for (const waiter of this.#waiting.splice(0)) waiter.reject(closedError());
  }

  #fail(error: Error): void {
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

/** Says in words why a client's handshake failed. */
function describeServerFailure(
  error: Error & { code?: string },
  socket: TLSSocket,
  timeout: number,
): string {
  const verifyError = socket.authorizationError;
  if (verifyError) {
    return `the client certificate was rejected (${verifyError}: it is expired, not yet valid, ` +
      `or not signed by the configured CA)`;
  }
  switch (error.code) {
    case "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE":
      return "the client sent no certificate, but this server requires one";
    case "ERR_SSL_WRONG_VERSION_NUMBER":
      return `the client does not speak TLS (it sent plaintext?): ${error.message}`;
    case "ECONNRESET":
      return "the client closed the connection during the handshake";
  }
  if (/handshake timeout/i.test(error.message)) {
    return `the handshake did not finish within ${timeout} ms`;
  }
  return error.message;
}
