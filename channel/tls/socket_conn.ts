/**
 * A verified `node:tls` socket behind the {@linkcode Conn} interface:
 * pull-based reads over the socket's data events, with a bounded buffer that
 * pauses the socket when full, and writes that resolve once the socket has
 * taken the bytes.
 *
 * @module
 */

import { DenomasError } from "../../errors.ts";
import type { TLSSocket } from "node:tls";
import type { Conn, PeerInfo } from "../transport.ts";

/** Received bytes held before the socket is paused (resumed below half of it). */
export const READ_BUFFER_LIMIT = 256 * 1024;

/** How long `close()` waits for the TLS close_notify and FIN to leave before destroying. */
export const CLOSE_GRACE_MS = 1_000;

/** Options for {@linkcode TlsSocketConn}. */
export interface TlsSocketConnOptions {
  /**
   * Builds the error for a connection that ends before the peer sent a byte
   * (a client uses it to say the server may have rejected its certificate).
   * Without it such an end reads as a normal end of stream.
   */
  readonly earlyEnd?: (cause: Error | undefined) => Error;
}

/** Wraps a `node:tls` socket whose handshake is complete and verified. */
export class TlsSocketConn implements Conn {
  readonly peer: PeerInfo;
  readonly localAddress: string;
  readonly #socket: TLSSocket;
  readonly #earlyEnd: TlsSocketConnOptions["earlyEnd"];
  readonly #chunks: Uint8Array[] = [];
  /** Bytes of `#chunks[0]` already handed out. */
  #offset = 0;
  #buffered = 0;
  #paused = false;
  #received = false;
  #ended = false;
  #error: Error | undefined;
  #closed = false;
  #reader: (() => void) | undefined;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    socket: TLSSocket,
    peer: PeerInfo,
    localAddress: string,
    options: TlsSocketConnOptions = {},
  ) {
    this.#socket = socket;
    this.peer = peer;
    this.localAddress = localAddress;
    this.#earlyEnd = options.earlyEnd;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Uint8Array) => {
      if (chunk.length === 0) return;
      this.#received = true;
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.#buffered >= READ_BUFFER_LIMIT && !this.#paused) {
        this.#paused = true;
        socket.pause();
      }
      this.#wake();
    });
    socket.on("end", () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on("error", (error: Error) => {
      this.#error ??= error;
      this.#wake();
    });
    socket.on("close", () => {
      this.#ended = true;
      if (this.#closeTimer !== undefined) clearTimeout(this.#closeTimer);
      this.#closeTimer = undefined;
      this.#wake();
    });
  }

  read(buffer: Uint8Array): Promise<number | null> {
    if (this.#buffered > 0) return Promise.resolve(this.#take(buffer));
    if (this.#closed) return Promise.resolve(null);
    if (this.#error !== undefined || this.#ended) return this.#finish();
    if (this.#reader !== undefined) {
      return Promise.reject(
        new DenomasError("Another read is already waiting on this TLS connection"),
      );
    }
    return new Promise<number | null>((resolve, reject) => {
      this.#reader = () => {
        this.#reader = undefined;
        if (this.#buffered > 0) resolve(this.#take(buffer));
        else if (this.#closed) resolve(null);
        else this.#finish().then(resolve, reject);
      };
    });
  }

  write(data: Uint8Array): Promise<number> {
    if (this.#closed) {
      return Promise.reject(new Deno.errors.BadResource("TLS connection is closed"));
    }
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (data.length === 0) return Promise.resolve(0);
    return new Promise<number>((resolve, reject) => {
      this.#socket.write(data, (error?: Error | null) => {
        if (error) reject(this.#error ?? error);
        else resolve(data.length);
      });
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#chunks.length = 0;
    this.#buffered = 0;
    const socket = this.#socket;
    if (socket.destroyed) {
      this.#wake();
      return;
    }
    // end() sends close_notify and FIN after the queued writes; the timer
    // bounds the wait for a peer that stops reading.
    socket.end();
    if (this.#paused) socket.resume();
    this.#closeTimer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    this.#wake();
  }

  #wake(): void {
    this.#reader?.();
  }

  /** The end of the stream: `null`, or the error that ended it. */
  #finish(): Promise<number | null> {
    if (!this.#received && this.#earlyEnd !== undefined) {
      return Promise.reject(this.#earlyEnd(this.#error));
    }
    if (this.#error !== undefined) return Promise.reject(this.#error);
    return Promise.resolve(null);
  }

  #take(buffer: Uint8Array): number {
    let written = 0;
    while (written < buffer.length && this.#chunks.length > 0) {
      const chunk = this.#chunks[0];
      const count = Math.min(buffer.length - written, chunk.length - this.#offset);
      buffer.set(chunk.subarray(this.#offset, this.#offset + count), written);
      written += count;
      this.#offset += count;
      if (this.#offset === chunk.length) {
        this.#chunks.shift();
        this.#offset = 0;
      }
    }
    this.#buffered -= written;
    if (this.#paused && this.#buffered < READ_BUFFER_LIMIT / 2 && !this.#closed) {
      this.#paused = false;
      this.#socket.resume();
    }
    return written;
  }
}
