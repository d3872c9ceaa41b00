/**
 * `ReconnectingClient`: an RPC client that dials again when its connection
 * is lost.
 *
 * @module
 */

import { INSPECT } from "../internal/inspect.ts";
import { type Address, parseAddress } from "../channel/address.ts";
import { dialText, isRefused } from "../channel/_dial.ts";
import type { CloseOptions } from "../channel/channel.ts";
import { ConnectError, ConnectionResetError } from "../channel/errors.ts";
import { TimeoutError } from "../errors.ts";
import { abortable, asPromise, deadline, retry } from "../internal/async.ts";
import type { RpcClient } from "./client.ts";
import { openConnection, type RpcConnectionOptions } from "./connect.ts";
import { describeRemote, makeProxy, rejectArgs } from "./_proxy.ts";
import type { CallOptions, Remote } from "./remote.ts";

/** Options of {@linkcode ReconnectingClient}: those of `openConnection`, but for the dial's timeout. */
export interface ReconnectingClientOptions
  extends Omit<RpcConnectionOptions, "timeout" | "signal"> {
  /**
   * How long a call (or {@linkcode ReconnectingClient.connect}) without a
   * `timeout` or `signal` of its own waits for a connection, in
   * milliseconds: refused dials are retried with backoff until then. `0`
   * dials once.
   *
   * @default {0}
   */
  readonly connectTimeout?: number;
}

/** What {@linkcode ReconnectingClient.connect} may be given. */
export interface ReconnectOptions {
  /**
   * How long to keep dialling, in milliseconds (refused dials are retried
   * with backoff). Defaults to the client's `connectTimeout`.
   */
  readonly timeout?: number;
  /** Gives up: the promise rejects with `signal.reason`. Refused dials are retried until then. */
  readonly signal?: AbortSignal;
}

/** One dial, shared by every caller waiting for a connection. */
interface Dial<T> {
  readonly promise: Promise<RpcClient<T>>;
  readonly controller: AbortController;
  /** Callers waiting for it. */
  waiters: number;
  /** Waiters with a deadline: while there is one, refused dials are retried. */
  patient: number;
  /** What the last failed attempt threw (the system error of a refused dial). */
  lastFailure: unknown;
}

/**
 * An RPC client for one peer address that survives lost connections. It
 * holds at most one connection: the first call dials, concurrent callers
 * share that dial, and when the connection closes (the peer restarted, the
 * network broke) it is dropped and the next call dials again. A refused dial
 * is retried with backoff (10 ms doubling up to 1 s) until the caller's
 * deadline: the call's `timeout` or `signal`, else the client's
 * `connectTimeout` (`0`: one try).
 *
 * Calls that were in flight when a connection died reject with its error
 * (a `ConnectionResetError`); they are never sent again, since the peer may
 * have run them. A dial that fails rejects the waiting calls with a
 * `ConnectError`; one that runs out of time with a `TimeoutError` whose
 * `cause` is the last failure.
 *
 * @example Calls survive a server restart
 * ```ts
 * import { rejects, strictEqual as assertEquals } from "node:assert/strict";
 * import {
 * ConnectError,
 * expose,
 * ReconnectingClient,
 * serviceDict,
 * startServer,
 * } from "@denomas/denomas/rpc";
 *
 * const service = serviceDict({ ping: expose(() => "pong") });
 * let server = await startServer(["127.0.0.1", 0], service);
 * const address = server.address;
 * await using client = new ReconnectingClient<typeof service>(address);
 * assertEquals(await client.remote.ping(), "pong");
 * const connection = client.client!;
 * await server.close();
 * await connection.closed; // this side has seen the connection close
 * await rejects(client.remote.ping(), ConnectError); // nobody listens: one refused dial
 * server = await startServer(address, service);
 * assertEquals(await client.remote.ping(), "pong");
 * await server.close();
 * ```
 */
export class ReconnectingClient<T = unknown> implements AsyncDisposable {
  /** The peer's address, e.g. `"tcp://127.0.0.1:5555"`. */
  readonly address: string;
  /** The peer's root service; its calls go through {@linkcode ReconnectingClient.call}. */
  readonly remote: Remote<T>;
  readonly #dialAddress: Address;
  readonly #options: RpcConnectionOptions;
  readonly #connectTimeout: number;
  #client: RpcClient<T> | undefined;
  #dial: Dial<T> | undefined;
  #closed = false;

  /**
   * Makes the client; it dials on the first call (or
   * {@linkcode ReconnectingClient.connect}).
   *
   * @param address Where the server listens.
   * @param options Codec, serializers, TLS, transport, this side's service,
   *   and how long to wait for a connection.
   * @throws {AddressError} for a malformed address.
   */
  constructor(address: Address, options: ReconnectingClientOptions = {}) {
    const { connectTimeout, ...rpcOptions } = options;
    this.address = dialText(parseAddress(address));
    this.#dialAddress = address;
    // Each attempt dials once: the backoff is this client's, not the channel's.
    this.#options = { ...rpcOptions, timeout: 0, signal: undefined };
    this.#connectTimeout = connectTimeout ?? 0;
    this.remote = makeProxy({
      call: (path, args, kwargs, options) => this.call(path, args, kwargs, options),
      describe: (path) => describeRemote(path, this.address),
    }, "") as Remote<T>;
  }

  /** The open connection, or `undefined` while there is none. */
  get client(): RpcClient<T> | undefined {
    const client = this.#client;
    return client !== undefined && !client.channel.isClosed ? client : undefined;
  }

  /** Whether {@linkcode ReconnectingClient.close} was called. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * The open connection, or a new one: joins the dial under way or starts
   * one, retrying refused dials until `options.timeout` passes or
   * `options.signal` aborts.
   *
   * @param options How long to keep dialling; a signal to give up.
   * @returns The connection.
   * @throws {ConnectError} when a dial failed and there is no time left to retry.
   * @throws {TimeoutError} when the timeout passed; its `cause` is the last failure.
   * @throws {ConnectionResetError} when this client is closed.
   */
  connect(options: ReconnectOptions = {}): Promise<RpcClient<T>> {
    return asPromise(() => {
      if (this.#closed) throw this.#closedError();
      const client = this.client;
      if (client !== undefined) return client;
      const timeout = options.timeout ?? (options.signal ? 0 : this.#connectTimeout);
      return this.#join(deadline(`connect to ${this.address}`, timeout, options.signal));
    });
  }

  /**
   * Calls a method of the peer by path, dialling first when there is no open
   * connection. The call's `timeout` covers the dial and the call.
   *
   * @param path The method's path, e.g. `"sub/mul"`.
   * @param args Positional arguments.
   * @param kwargs Keyword arguments (bound by parameter name on the peer).
   * @param options A timeout or an abort signal.
   * @returns The reply.
   * @throws {RemoteException} when the peer answers with an error.
   * @throws {ConnectionResetError} when the connection is lost during the call.
   * @throws {ConnectError} when no connection could be opened.
   * @throws {TimeoutError} when the timeout passed.
   */
  call(
    path: string,
    args: readonly unknown[] = [],
    kwargs?: Readonly<Record<string, unknown>>,
    options?: CallOptions,
  ): Promise<unknown> {
    const client = this.#client;
    if (client !== undefined && !client.channel.isClosed) {
      return client.call(path, args, kwargs, options);
    }
    // Bad arguments fail before a dial, not after it.
    if (!Array.isArray(args)) return rejectArgs(args);
    return this.#callLater(path, args, kwargs, options);
  }

  /**
   * Closes the connection (pending calls fail with a
   * `ConnectionResetError`) and stops dialling; later calls fail at once.
   * Idempotent.
   *
   * @param options The grace period for the peer's calls being answered (see `RpcClient.close`).
   * @returns Resolves once the connection is closed.
   */
  async close(options?: CloseOptions): Promise<void> {
    this.#closed = true;
    const dial = this.#dial;
    this.#dial = undefined;
    dial?.controller.abort(this.#closedError());
    const client = this.#client;
    this.#client = undefined;
    await Promise.all([
      client?.close(options),
      dial?.promise.then((late) => late.close(), () => {}),
    ]);
  }

  /** Closes the client, see {@linkcode ReconnectingClient.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** E.g. `ReconnectingClient('tcp://127.0.0.1:5555')`. */
  toString(): string {
    return `ReconnectingClient('${this.address}')`;
  }

  /** Shows the client as {@linkcode ReconnectingClient.toString} does. */
  [INSPECT](): string {
    return this.toString();
  }

  async #callLater(
    path: string,
    args: readonly unknown[],
    kwargs: Readonly<Record<string, unknown>> | undefined,
    options: CallOptions | undefined,
  ): Promise<unknown> {
    const started = performance.now();
    const client = await this.connect(options);
    const timeout = options?.timeout;
    if (timeout === undefined) return client.call(path, args, kwargs, options);
    const left = Math.max(0, timeout - (performance.now() - started));
    return client.call(path, args, kwargs, { ...options, timeout: left });
  }

  async #join(signal: AbortSignal | undefined): Promise<RpcClient<T>> {
    const dial = this.#dial ??= this.#startDial();
    const patient = signal !== undefined;
    dial.waiters++;
    if (patient) dial.patient++;
    try {
      return await abortable(dial.promise, signal);
    } catch (error) {
      if (error instanceof TimeoutError && error === signal?.reason && error.cause === undefined) {
        const last = dial.lastFailure;
        if (last !== undefined) {
          throw new TimeoutError(error.operation, error.timeout, { cause: last });
        }
      }
      throw error;
    } finally {
      dial.waiters--;
      if (patient) dial.patient--;
      // Nobody waits any more: stop dialling (the next call starts afresh).
      if (dial.waiters === 0 && this.#dial === dial) {
        this.#dial = undefined;
        dial.controller.abort(new ConnectionResetError(this.address, "was not needed any more"));
      }
    }
  }

  #startDial(): Dial<T> {
    const controller = new AbortController();
    const dial: Dial<T> = {
      promise: undefined as unknown as Promise<RpcClient<T>>,
      controller,
      waiters: 0,
      patient: 0,
      lastFailure: undefined,
    };
    const attempt = (signal: AbortSignal | undefined) =>
      openConnection<T>(this.#dialAddress, { ...this.#options, signal });
    const dialled = retry(attempt, {
      signal: controller.signal,
      isRetriable: (error) => {
        dial.lastFailure = error instanceof ConnectError ? error.cause ?? error : error;
        return dial.patient > 0 && isRefused(error);
      },
    }).then((client) => {
      if (this.#dial === dial) this.#dial = undefined;
      if (this.#closed) {
        client.close();
        throw this.#closedError();
      }
      this.#client = client;
      client.closed.then(() => {
        if (this.#client === client) this.#client = undefined;
      });
      return client;
    }, (error) => {
      if (this.#dial === dial) this.#dial = undefined;
      throw error;
    });
    dialled.catch(() => {});
    (dial as { promise: Promise<RpcClient<T>> }).promise = dialled;
    return dial;
  }

  #closedError(): ConnectionResetError {
    return new ConnectionResetError(this.address, "was closed by this side");
  }
}
