/**
 * `openConnection`: connect to an RPC server.
 *
 * @module
 */

import type { Address } from "../channel/address.ts";
import { openConnection as openChannel } from "../channel/connect.ts";
import type { OpenConnectionOptions } from "../channel/options.ts";
import { proxySerializer, RpcClient, type RpcClientOptions } from "./client.ts";

/**
 * Options of {@linkcode openConnection}: the channel options, plus those of
 * the {@linkcode RpcClient}.
 */
export interface RpcConnectionOptions
  extends Omit<OpenConnectionOptions, "fallbackSerializer">, RpcClientOptions {}

/**
 * Connects to an RPC server (aiomas's `rpc.open_connection`). The type
 * parameter is the class of the server's service, so `client.remote` is
 * typed. All options but `service` and `asyncContext` go to the channel layer
 * unchanged (codec, extra serializers, TLS, transport, frame size limit,
 * connect timeout and signal).
 *
 * @param address Where the server listens.
 * @param options Channel options, and this side's own `service`.
 * @returns The connection.
 * @throws {TypeError} when `service` has no router.
 * @throws {ConnectError} when the connection fails; it names the address,
 *   its `cause` is the system's error.
 * @throws {TimeoutError} when `timeout` passes first; its `cause` is the last failure.
 *
 * @example Bi-directional calls: the server calls the client's service
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { expose, openConnection, type RpcClient, startServer } from "@denomas/denomas/rpc";
 *
 * class ClientService {
 *   @expose
 *   getClientName(): string {
 *     return "Monty";
 *   }
 * }
 * const names: string[] = [];
 * class ServerService {
 *   @expose
 *   ping(): string {
 *     return "pong";
 *   }
 * }
 * await using server = await startServer(["127.0.0.1", 0], new ServerService(), {
 *   onClient: async (client: RpcClient) => {
 *     const remote = (client as RpcClient<ClientService>).remote;
 *     names.push(await remote.getClientName());
 *   },
 * });
 * await using client = await openConnection<ServerService>(server.address, {
 *   service: new ClientService(),
 * });
 * assertEquals(await client.remote.ping(), "pong");
 * while (names.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
 * assertEquals(names[0], "Monty");
 * ```
 */
export async function openConnection<T = unknown>(
  address: Address,
  options: RpcConnectionOptions = {},
): Promise<RpcClient<T>> {
  const { service, asyncContext, ...channelOptions } = options;
  const channel = await openChannel(address, {
    ...channelOptions,
    fallbackSerializer: proxySerializer,
  });
  try {
    return new RpcClient<T>(channel, { service, asyncContext });
  } catch (error) {
    await channel.close();
    throw error;
  }
}
