/**
 * The plain transports: TCP and Unix domain sockets over `Deno.connect` and
 * `Deno.listen`.
 *
 * @module
 */

import { acceptUntilClosed } from "./_accept.ts";
import { abortable, asPromise } from "../internal/async.ts";
import { formatHostPort } from "./address.ts";
import type { Conn, Endpoint, Listener, PeerInfo, Transport } from "./transport.ts";

/**
 * Connects and listens over TCP (with no-delay on) and Unix domain sockets.
 * A Unix listener replaces a stale socket file that nobody listens on any
 * more, and removes its file when closed.
 *
 * @example A TCP listener on a free port
 * ```ts
 * import { ok as assert } from "node:assert/strict";
 * import { tcpTransport } from "@denomas/denomas/channel";
 *
 * const listener = await tcpTransport.listen({ transport: "tcp", hostname: "127.0.0.1", port: 0 });
 * try {
 *   assert(listener.endpoint.transport === "tcp" && listener.endpoint.port > 0);
 * } finally {
 *   listener.close();
 * }
 * ```
 */
export const tcpTransport: Transport = {
  connect(endpoint: Endpoint, signal?: AbortSignal): Promise<Conn> {
    switch (endpoint.transport) {
      case "tcp":
        return abortableConnect(
          Deno.connect({ transport: "tcp", hostname: endpoint.hostname, port: endpoint.port }),
          signal,
        ).then((conn) => {
          conn.setNoDelay(true);
          return new SocketConn(conn, peerOf(conn.remoteAddr));
        });
      case "unix":
        return abortableConnect(Deno.connect({ transport: "unix", path: endpoint.path }), signal)
          .then((conn) => new SocketConn(conn, { address: endpoint.path }));
      default:
        return Promise.reject(noTransport(endpoint));
    }
  },

  listen(endpoint: Endpoint): Promise<Listener> {
    switch (endpoint.transport) {
      case "tcp":
        return asPromise(() => {
          const listener = Deno.listen({
            transport: "tcp",
            hostname: endpoint.hostname,
            port: endpoint.port,
          });
          const addr = listener.addr;
          return new SocketListener(listener, {
            transport: "tcp",
            hostname: addr.hostname,
            port: addr.port,
          });
        });
      case "unix":
        return listenUnix(endpoint.path);
      default:
        return Promise.reject(noTransport(endpoint));
    }
  },
};

function noTransport(endpoint: Endpoint): Error {
  return new TypeError(
    `The TCP/Unix transport cannot reach a "${endpoint.transport}" endpoint: pass a transport`,
  );
}

function peerOf(addr: Deno.Addr): PeerInfo {
  if (addr.transport === "tcp" || addr.transport === "udp") {
    return { address: formatHostPort(addr.hostname, addr.port) };
  }
  if (addr.transport === "unix" || addr.transport === "unixpacket") return { address: addr.path };
  return { address: String(addr.transport) };
}

function localOf(addr: Deno.Addr): string {
  return peerOf(addr).address;
}

/** Rejects with `signal.reason` at once on abort; a connection made later is closed. */
function abortableConnect<T extends Deno.Conn>(
  connecting: Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  return abortable(connecting, signal).catch((error) => {
    connecting.then((conn) => conn.close(), () => {});
    throw error;
  });
}

/** A `Deno.Conn` behind the {@linkcode Conn} interface. */
class SocketConn implements Conn {
  readonly peer: PeerInfo;
  readonly localAddress: string;
  readonly #conn: Deno.Conn;
  #closed = false;

  constructor(conn: Deno.Conn, peer: PeerInfo) {
    this.#conn = conn;
    this.peer = peer;
    this.localAddress = localOf(conn.localAddr);
  }

  read(buffer: Uint8Array): Promise<number | null> {
    return this.#conn.read(buffer);
  }

  write(data: Uint8Array): Promise<number> {
    return this.#conn.write(data);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
  }
}

class SocketListener implements Listener {
  readonly endpoint: Endpoint;
  readonly #listener: Deno.Listener;
  readonly #onClose: (() => void) | undefined;
  #closed = false;

  constructor(listener: Deno.Listener, endpoint: Endpoint, onClose?: () => void) {
    this.#listener = listener;
    this.endpoint = endpoint;
    this.#onClose = onClose;
  }

  async accept(): Promise<Conn> {
    const conn = await this.#listener.accept();
    if (conn.remoteAddr.transport === "tcp") {
      (conn as Deno.TcpConn).setNoDelay(true);
      return new SocketConn(conn, peerOf(conn.remoteAddr));
    }
    // Clients of a Unix socket are usually unnamed: name them by the socket.
    const path = (conn.remoteAddr as Deno.UnixAddr).path;
    const endpointPath = this.endpoint.transport === "unix" ? this.endpoint.path : "";
    return new SocketConn(conn, { address: path || endpointPath });
  }

  [Symbol.asyncIterator](): AsyncIterator<Conn> {
    return acceptUntilClosed(() => this.accept(), () => this.#closed);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
    this.#onClose?.();
  }
}

async function listenUnix(path: string): Promise<Listener> {
  let listener: Deno.Listener;
  try {
    listener = Deno.listen({ transport: "unix", path });
  } catch (error) {
    if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    if (!(await isSocket(path))) {
      throw new Deno.errors.AddrInUse(`Cannot listen at ${path}: it exists and is not a socket`);
    }
    if (await isAlive(path)) {
      throw new Deno.errors.AddrInUse(`Unix socket ${path} is in use by a running server`);
    }
    // A stale socket file from a server that is gone: replace it.
    await Deno.remove(path);
    listener = Deno.listen({ transport: "unix", path });
  }
  const ino = Deno.lstatSync(path).ino;
  return new SocketListener(listener, { transport: "unix", path }, () => {
    try {
      // Remove the file only if it is still ours.
      if (Deno.lstatSync(path).ino === ino) Deno.removeSync(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  });
}

async function isSocket(path: string): Promise<boolean> {
  try {
    return (await Deno.lstat(path)).isSocket === true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

async function isAlive(path: string): Promise<boolean> {
  let conn: Deno.Conn;
  try {
    conn = await Deno.connect({ transport: "unix", path });
  } catch {
    return false;
  }
  conn.close();
  return true;
}
