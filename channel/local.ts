/**
 * An in-process transport for `local://queue` addresses: connections are
 * pairs of in-memory byte streams, so the whole channel and RPC stack runs
 * unchanged between containers in one process (one isolate: a Web Worker has
 * its own queues).
 *
 * @module
 */

import { acceptUntilClosed } from "./_accept.ts";
import { asPromise } from "../internal/async.ts";
import type { Conn, Endpoint, Listener, Transport } from "./transport.ts";

/** Bytes a writer may queue before `write` waits for the reader. */
const HIGH_WATER_MARK = 1 << 20;

/** One direction of a connection: a queue of byte chunks. */
class Pipe {
  #chunks: Uint8Array[] = [];
  #offset = 0;
  #buffered = 0;
  #closed = false;
  #readWaiter: (() => void) | undefined;
  #drainWaiters: (() => void)[] = [];

  get closed(): boolean {
    return this.#closed;
  }

  async write(data: Uint8Array, peer: string): Promise<number> {
    if (this.#closed) throw new Deno.errors.BrokenPipe(`local connection to ${peer} is closed`);
    if (data.byteLength === 0) return 0;
    this.#chunks.push(data.slice());
    this.#buffered += data.byteLength;
    this.#wakeReader();
    while (this.#buffered > HIGH_WATER_MARK && !this.#closed) {
      await new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    }
    return data.byteLength;
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#closed) return null;
      await new Promise<void>((resolve) => this.#readWaiter = resolve);
    }
    let n = 0;
    while (n < buffer.byteLength && this.#chunks.length > 0) {
      const chunk = this.#chunks[0];
      const take = Math.min(chunk.byteLength - this.#offset, buffer.byteLength - n);
      buffer.set(chunk.subarray(this.#offset, this.#offset + take), n);
      n += take;
      this.#offset += take;
      if (this.#offset === chunk.byteLength) {
        this.#chunks.shift();
        this.#offset = 0;
      }
    }
    this.#buffered -= n;
    if (this.#buffered <= HIGH_WATER_MARK) this.#wakeWriters();
    return n;
  }

  /** Ends the stream: the reader sees the queued bytes, then end of stream. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wakeReader();
    this.#wakeWriters();
  }

  /** Ends the stream and drops what was queued. */
  abort(): void {
    this.#chunks = [];
    this.#buffered = 0;
    this.close();
  }

  #wakeReader(): void {
    const waiter = this.#readWaiter;
    this.#readWaiter = undefined;
    waiter?.();
  }

  #wakeWriters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const wake of waiters) wake();
  }
}

class LocalConn implements Conn {
  readonly peer: { readonly address: string };
  readonly localAddress: string;
  readonly #in: Pipe;
  readonly #out: Pipe;

  constructor(local: string, peer: string, incoming: Pipe, outgoing: Pipe) {
    this.localAddress = local;
    this.peer = { address: peer };
    this.#in = incoming;
    this.#out = outgoing;
  }

  read(buffer: Uint8Array): Promise<number | null> {
    return this.#in.read(buffer);
  }

  write(data: Uint8Array): Promise<number> {
    return this.#out.write(data, this.peer.address);
  }

  close(): void {
    this.#out.close();
    this.#in.abort();
  }
}

class LocalListener implements Listener {
  readonly endpoint: Endpoint;
  #queue: Conn[] = [];
  #waiters: { resolve: (conn: Conn) => void; reject: (error: Error) => void }[] = [];
  #closed = false;
  readonly #registry: Map<string, LocalListener>;
  readonly #name: string;

  constructor(name: string, registry: Map<string, LocalListener>) {
    this.#name = name;
    this.endpoint = { transport: "local", name };
    this.#registry = registry;
  }

  get closed(): boolean {
    return this.#closed;
  }

  deliver(conn: Conn): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(conn);
    else this.#queue.push(conn);
  }

  accept(): Promise<Conn> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#closed) return Promise.reject(this.#closedError());
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  [Symbol.asyncIterator](): AsyncIterator<Conn> {
    return acceptUntilClosed(() => this.accept(), () => this.#closed);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#registry.get(this.#name) === this) this.#registry.delete(this.#name);
    for (const conn of this.#queue) conn.close();
    this.#queue = [];
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(this.#closedError());
  }

  #closedError(): Error {
    return new Deno.errors.BadResource(`local listener "${this.#name}" is closed`);
  }
}

/**
 * The in-process transport. Every instance has its own set of queue names;
 * {@linkcode localTransport} is the one containers share by default.
 *
 * @example A round trip over an in-memory connection
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { LocalTransport } from "@denomas/denomas/channel";
 *
 * const transport = new LocalTransport();
 * const listener = await transport.listen({ transport: "local", name: "demo" });
 * const client = await transport.connect({ transport: "local", name: "demo" });
 * const server = await listener.accept();
 * await client.write(new TextEncoder().encode("ohai"));
 * const buffer = new Uint8Array(16);
 * const n = await server.read(buffer);
 * assertEquals(new TextDecoder().decode(buffer.subarray(0, n!)), "ohai");
 * client.close();
 * assertEquals(await server.read(buffer), null);
 * server.close();
 * listener.close();
 * ```
 */
export class LocalTransport implements Transport {
  readonly #listeners = new Map<string, LocalListener>();
  #nextConn = 0;

  /**
   * Binds the queue name of `endpoint`.
   *
   * @throws {Deno.errors.AddrInUse} when the name is already bound.
   * @throws {TypeError} for an endpoint that is not `local`.
   */
  listen(endpoint: Endpoint): Promise<Listener> {
    return asPromise(() => this.#listen(endpoint));
  }

  /**
   * Opens a connection to the listener bound to `endpoint`'s name.
   *
   * @throws {Deno.errors.ConnectionRefused} when nothing listens there (so
   *   connecting with a timeout retries, as it does for TCP).
   */
  connect(endpoint: Endpoint, signal?: AbortSignal): Promise<Conn> {
    return asPromise(() => this.#connect(endpoint, signal));
  }

  #listen(endpoint: Endpoint): Listener {
    const name = localName(endpoint);
    const existing = this.#listeners.get(name);
    if (existing && !existing.closed) {
      throw new Deno.errors.AddrInUse(`local://${name} is already in use`);
    }
    const listener = new LocalListener(name, this.#listeners);
    this.#listeners.set(name, listener);
    return listener;
  }

  #connect(endpoint: Endpoint, signal: AbortSignal | undefined): Conn {
    signal?.throwIfAborted();
    const name = localName(endpoint);
    const listener = this.#listeners.get(name);
    if (!listener || listener.closed) {
      throw new Deno.errors.ConnectionRefused(`Nothing listens at local://${name}`);
    }
    const id = this.#nextConn++;
    const toServer = new Pipe();
    const toClient = new Pipe();
    const clientName = `local://${name}#client-${id}`;
    const serverName = `local://${name}`;
    listener.deliver(new LocalConn(serverName, clientName, toServer, toClient));
    return new LocalConn(clientName, serverName, toClient, toServer);
  }
}

function localName(endpoint: Endpoint): string {
  if (endpoint.transport !== "local") {
    throw new TypeError(`The local transport cannot reach a ${endpoint.transport} endpoint`);
  }
  return endpoint.name;
}

/** The transport containers use for `local://` addresses unless given another. */
export const localTransport: LocalTransport = new LocalTransport();
