/**
 * Remote procedure calls: expose methods of service objects, call them
 * through typed proxies, pass services as callbacks. Speaks the wire of
 * Python's aiomas (requests `[path, args, kwargs]`, proxy tags).
 *
 * @example A service with a sub-service, called through a typed proxy
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { expose, openConnection, startServer } from "@denomas/denomas/rpc";
 *
 * class Sub {
 *   @expose
 *   mul(a: number, b: number): number {
 *     return a * b;
 *   }
 * }
 * class Calculator {
 *   @expose
 *   readonly sub: Sub = new Sub();
 *
 *   @expose
 *   async add(a: number, b: number): Promise<number> {
 *     return a + b;
 *   }
 * }
 *
 * await using server = await startServer(["127.0.0.1", 0], new Calculator());
 * await using client = await openConnection<Calculator>(server.address);
 * assertEquals(await client.remote.add(1, 2), 3);
 * assertEquals(await client.remote.sub.mul(6, 7), 42);
 * ```
 *
 * @module
 */
export {
  type CallContext,
  callContext,
  proxySerializer,
  RpcClient,
  type RpcClientOptions,
} from "./client.ts";
export { openConnection, type RpcConnectionOptions } from "./connect.ts";
export { LookupError } from "./errors.ts";
export { expose, type ExposeDecorator, type ExposeOptions } from "./expose.ts";
export {
  callRemote,
  isProxy,
  makeRemote,
  proxyEquals,
  proxyPath,
  type RemoteTarget,
  withOptions,
} from "./proxy.ts";
export {
  ReconnectingClient,
  type ReconnectingClientOptions,
  type ReconnectOptions,
} from "./reconnecting.ts";
export {
  type AnyFunction,
  type CallOptions,
  type DataObject,
  type LocalName,
  type Passable,
  type PassableArgs,
  type ProxyMembers,
  type Remote,
  REMOTE_OF,
  type RemoteKeys,
  type RemoteMethod,
  type RemoteValue,
} from "./remote.ts";
export {
  type BoundMethod,
  getRouter,
  Router,
  serviceDict,
  type ServiceDictOptions,
} from "./router.ts";
export { type RpcServer, type RpcServerOptions, startServer } from "./server.ts";
export { ConnectError, RemoteException } from "../channel/errors.ts";
