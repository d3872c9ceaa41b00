/**
 * The proxy serializer: how services and proxies travel as
 * `{"__type__": [typeid, path]}` tags.
 *
 * @module
 */

import type { Channel } from "../channel/channel.ts";
import type { FallbackSerializer } from "../codecs/serializers.ts";
import { connectionOf } from "./_connection.ts";
import { proxyState } from "./_proxy.ts";
import { getRouter } from "./router.ts";

/**
 * The proxy serializer, for the `fallbackSerializer` option of channels:
 * objects with a router and proxies are written as proxy tags, and proxy
 * tags are read as proxies bound to `channel`. Its type id comes after the
 * extra serializers: `0` on a plain RPC connection, `1` in a container
 * (after the date serializer).
 *
 * `openConnection` and `startServer` install it; pass it yourself when you
 * open a channel for an {@linkcode RpcClient}.
 *
 * @param channel The channel whose codec gets the serializer.
 * @returns The serializer.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import * as channel from "@denomas/denomas/channel";
 * import { expose, proxySerializer, RpcClient, serviceDict } from "@denomas/denomas/rpc";
 *
 * const service = serviceDict({ twice: expose((x: number) => 2 * x) });
 * const options = { fallbackSerializer: proxySerializer };
 * await using server = await channel.startServer(["127.0.0.1", 0], (ch) => {
 *   new RpcClient(ch, { service });
 * }, options);
 * const ch = await channel.openConnection(server.address, options);
 * await using client = new RpcClient<typeof service>(ch);
 * assertEquals(await client.remote.twice(21), 42);
 * ```
 */
export function proxySerializer(channel: Channel): FallbackSerializer {
  const connection = connectionOf(channel);
  connection.serializerInstalled = true;
  return {
    test: (value) => proxyState(value) !== undefined || getRouter(value) !== undefined,
    serialize: (value) => connection.pathOf(value),
    deserialize: (data) => connection.proxyFor(data),
  };
}
