/**
 * The small interface between the channel layer and the byte streams under
 * it. TCP, Unix sockets, mutual TLS and in-process pipes all implement it, so
 * the channel never needs to know which one it runs on.
 *
 * @module
 */

import type { ErrorHandler } from "../errors.ts";

/** Where to listen or connect, after parsing. */
export type Endpoint =
  | { readonly transport: "tcp"; readonly hostname: string; readonly port: number }
  | { readonly transport: "unix"; readonly path: string }
  | { readonly transport: "local"; readonly name: string };

/** What a TLS handshake proved about the peer. */
export interface PeerCertificate {
  /** The subject, e.g. `"CN=agent-1"`. */
  readonly subject: string;
  /** The issuer, e.g. `"CN=denomas test CA"`. */
  readonly issuer: string;
  /** Subject alternative names, e.g. `["DNS:localhost", "IP Address:127.0.0.1"]`. */
  readonly subjectAltNames: readonly string[];
  /** SHA-256 fingerprint, colon-separated hex. */
  readonly fingerprint256: string;
  /** End of validity. */
  readonly validTo: Date;
}

/** Who is at the other end of a connection. */
export interface PeerInfo {
  /** The peer's address as this side sees it, e.g. `"127.0.0.1:5555"` or a socket path. */
  readonly address: string;
  /** The verified certificate of a TLS peer; `undefined` on plain transports. */
  readonly certificate?: PeerCertificate;
}

/** One open byte stream. Reads and writes behave like `Deno.Conn`. */
export interface Conn {
  /** The peer, as verified by the transport. */
  readonly peer: PeerInfo;
  /** This side's address, e.g. `"127.0.0.1:40112"`. */
  readonly localAddress: string;
  /** Reads into `buffer`; resolves to the byte count, or `null` at end of stream. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes some of `data`; resolves to the byte count written. */
  write(data: Uint8Array): Promise<number>;
  /** Closes both directions. Pending reads resolve `null` or reject. Idempotent. */
  close(): void;
}

/** A bound server socket. */
export interface Listener extends AsyncIterable<Conn> {
  /** The bound endpoint, with the real port when port 0 was asked for. */
  readonly endpoint: Endpoint;
  /** Waits for the next connection; rejects once the listener is closed. */
  accept(): Promise<Conn>;
  /** Stops listening and releases the address (removes a Unix socket file). Idempotent. */
  close(): void;
}

/** Options of {@linkcode Transport.listen}. */
export interface ListenOptions {
  /**
   * Receives what goes wrong with a connection before it is accepted, e.g.
   * a refused TLS handshake; such connections are never handed out. A
   * server passes its own `onError` here.
   *
   * @default {logError}
   */
  readonly onError?: ErrorHandler;
}

/** A way to open connections and listen for them. */
export interface Transport {
  /** Opens one connection, or rejects (at once when `signal` aborts). */
  connect(endpoint: Endpoint, signal?: AbortSignal): Promise<Conn>;
  /** Binds a listener; `options.onError` hears of connections that failed before `accept`. */
  listen(endpoint: Endpoint, options?: ListenOptions): Promise<Listener>;
}
