/**
 * `startServer`: serve one service to every client that connects.
 *
 * @module
 */

import type { Address } from "../channel/address.ts";
import type { CloseOptions } from "../channel/channel.ts";
import type { ServerOptions } from "../channel/options.ts";
import { startServer as startChannelServer } from "../channel/server.ts";
import type { Endpoint } from "../channel/transport.ts";
import { proxySerializer, RpcClient } from "./client.ts";
import { serviceRouter } from "./_service.ts";

/** Options of {@linkcode startServer}: the channel options, plus the RPC ones. */
export interface RpcServerOptions extends Omit<ServerOptions, "fallbackSerializer"> {
  /**
   * Called with the {@linkcode RpcClient} of each new connection, e.g. to
   * call the client's own service (`client.remote`) or to watch for
   * `onConnectionReset`. An error it throws (or rejects with) closes that
   * connection.
   */
  readonly onClient?: (client: RpcClient) => void | Promise<void>;
  /**
   * Keeps `callContext()` available across `await`s in exposed methods, at a
   * cost per call.
   *
   * @default {false}
   */
  readonly asyncContext?: boolean;
}

/** A listening RPC server, from {@linkcode startServer}. */
export interface RpcServer extends AsyncDisposable {
  /** The bound endpoint, with the real port when port 0 was asked for. */
  readonly endpoint: Endpoint;
  /** The bound address as text (`"127.0.0.1:40312"`), ready for `openConnection`. */
  readonly address: string;
  /** The connections currently open. */
  readonly clients: ReadonlySet<RpcClient>;
  /**
   * Stops listening and closes every connection. With a grace period
   * (`options.timeout`, milliseconds), calls being answered may finish
   * first while new ones are refused; callers of those still unanswered
   * then get a `ShutdownError`. Idempotent.
   *
   * @param options The grace period for the calls being answered.
   * @returns Resolves when the listener and every connection are closed.
   *
   * @example Shutting down with a grace period
   * ```ts
   * import { ok as assert, rejects } from "node:assert/strict";
   * import { RemoteException } from "@denomas/denomas/channel";
   * import { expose, openConnection, startServer } from "@denomas/denomas/rpc";
   *
   * const started = Promise.withResolvers<void>();
   * class Slow {
   *   @expose
   *   wait(): Promise<never> {
   *     started.resolve();
   *     return new Promise(() => {}); // never answers by itself
   *   }
   * }
   * await using server = await startServer(["127.0.0.1", 0], new Slow());
   * await using client = await openConnection<Slow>(server.address);
   * const call = client.remote.wait();
   * await started.promise;
   * await server.close({ timeout: 10 });
   * await rejects(call, (error) => {
   *   assert(error instanceof RemoteException);
   *   assert(error.remoteTraceback.includes("ShutdownError: "));
   *   assert(error.remoteTraceback.includes("timed out after 10 ms"));
   *   return true;
   * });
   * ```
   */
  close(options?: CloseOptions): Promise<void>;
}

/**
 * Listens at `address` and serves `service` to every client that connects
 * (aiomas's `rpc.start_server`). All options but `onClient` and
 * `asyncContext` go to the channel layer unchanged (codec, extra
 * serializers, TLS, transport, frame size limit).
 *
 * @param address Where to listen, e.g. `["127.0.0.1", 0]` for a free port.
 * @param service The root service: an object with a router, or a plain
 * object (made a dictionary service: only its functions marked with
 * `expose(fn)` are methods).
 * @param options Channel options, and the `onClient` callback.
 * @returns The server, once it listens.
 * @throws {TypeError} when `service` has no router.
 *
 * @example A class service, and the client-connected callback
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { expose, openConnection, type RpcClient, startServer } from "@denomas/denomas/rpc";
 *
 * class Calculator {
 *   @expose
 *   add(a: number, b: number): number {
 *     return a + b;
 *   }
 * }
 * const connected: RpcClient[] = [];
 * await using server = await startServer(["127.0.0.1", 0], new Calculator(), {
 *   onClient: (client) => void connected.push(client),
 * });
 * await using client = await openConnection<Calculator>(server.address);
 * assertEquals(await client.remote.add(1, 2), 3);
 * assertEquals(connected.length, 1);
 * ```
 */
export async function startServer(
  address: Address,
  service: object,
  options: RpcServerOptions = {},
): Promise<RpcServer> {
  serviceRouter(service);
  const { onClient, asyncContext, ...channelOptions } = options;
  const clients = new Set<RpcClient>();
  const server = await startChannelServer(address, (channel) => {
    const client = new RpcClient(channel, { service, asyncContext });
    clients.add(client);
    channel.closed.then(() => clients.delete(client));
    return onClient?.(client);
  }, { ...channelOptions, fallbackSerializer: proxySerializer });
  return {
    endpoint: server.endpoint,
    address: server.address,
    clients,
    close: (closeOptions) => server.close(closeOptions),
    [Symbol.asyncDispose]: () => server.close(),
  };
}
