/**
 * Proxies: remote services used like local objects. `remote.sub.mul(6, 7)`
 * sends the request `["sub/mul", [6, 7], {}]` and resolves to the reply.
 *
 * @module
 */

import { makeProxy, type ProxyState, proxyState, rejectArgs, type RemoteTarget } from "./_proxy.ts";
import type { CallOptions, Remote } from "./remote.ts";

export type { RemoteTarget } from "./_proxy.ts";

/**
 * Makes a proxy whose calls go to `target`: the seam for routing calls your
 * own way (e.g. a container sends an agent's calls over whichever connection
 * reaches the agent's container). The proxy behaves like any other: its
 * members are child proxies, calling one calls `target.call(path, …)`,
 * {@linkcode withOptions}, {@linkcode callRemote} and {@linkcode proxyPath}
 * work on it, and it can be passed to a peer (calls to it are forwarded).
 *
 * @param target Where the calls go, and the proxies' string form.
 * @param path The path of the proxy, e.g. `"agents/3"`; `""` for a root.
 * @returns The proxy, typed from the service class `T`.
 *
 * @example A proxy that answers locally
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { makeRemote, proxyPath } from "@denomas/denomas/rpc";
 *
 * const calls: string[] = [];
 * const remote = makeRemote<{ sub: { mul(a: number, b: number): number } }>({
 *   call: (path, args) => {
 *     calls.push(path);
 *     return Promise.resolve((args[0] as number) * (args[1] as number));
 *   },
 *   describe: (path) => `Calculator(${path})`,
 * }, "calc");
 * assertEquals(await remote.sub.mul(6, 7), 42);
 * assertEquals(calls, ["calc/sub/mul"]);
 * assertEquals(proxyPath(remote.sub), "calc/sub");
 * assertEquals(String(remote.sub), "Calculator(calc/sub)");
 * ```
 */
export function makeRemote<T = unknown>(target: RemoteTarget, path = ""): Remote<T> {
  return makeProxy(target, path) as Remote<T>;
}

/**
 * Whether `value` is a proxy of a remote service or method.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { expose, isProxy, openConnection, startServer } from "@denomas/denomas/rpc";
 *
 * await using server = await startServer(["127.0.0.1", 0], { ping: expose(() => "pong") });
 * await using client = await openConnection(server.address);
 * assertEquals(isProxy(client.remote), true);
 * assertEquals(isProxy({}), false);
 * ```
 */
export function isProxy(value: unknown): boolean {
  return proxyState(value) !== undefined;
}

/**
 * The call path of a proxy: `""` for a connection's root service, `"sub"`,
 * `"sub/mul"`, `"agents/3"`.
 *
 * @throws {TypeError} when `proxy` is not a proxy.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals, throws } from "node:assert/strict";
 * import { expose, openConnection, proxyPath, startServer } from "@denomas/denomas/rpc";
 *
 * const service = { sub: { mul: expose((a: number, b: number) => a * b) } };
 * await using server = await startServer(["127.0.0.1", 0], service);
 * await using client = await openConnection<typeof service>(server.address);
 * assertEquals(proxyPath(client.remote), "");
 * assertEquals(proxyPath(client.remote.sub.mul), "sub/mul");
 * throws(() => proxyPath({}), TypeError);
 * ```
 */
export function proxyPath(proxy: unknown): string {
  return stateOf(proxy).path;
}

/**
 * Whether two proxies stand for the same remote object: the same connection
 * and the same path. Proxies reached the same way are also `===`; this also
 * matches proxies made by {@linkcode withOptions}.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { expose, openConnection, proxyEquals, startServer, withOptions } from "@denomas/denomas/rpc";
 *
 * const service = { sub: { ping: expose(() => "pong") } };
 * await using server = await startServer(["127.0.0.1", 0], service);
 * await using client = await openConnection<typeof service>(server.address);
 * assertEquals(client.remote.sub, client.remote.sub);
 * assertEquals(proxyEquals(client.remote.sub, withOptions(client.remote, { timeout: 500 }).sub), true);
 * assertEquals(proxyEquals(client.remote.sub, client.remote), false);
 * ```
 */
export function proxyEquals(a: unknown, b: unknown): boolean {
  const sa = proxyState(a);
  const sb = proxyState(b);
  return sa !== undefined && sb !== undefined && sa.target === sb.target && sa.path === sb.path;
}

/**
 * A proxy like `remote` whose calls (its own and its children's) use
 * `options`: a timeout or an abort signal.
 *
 * @throws {TypeError} when `remote` is not a proxy.
 *
 * @example
 * ```ts
 * import { rejects, strictEqual as assertEquals } from "node:assert/strict";
 * import { expose, openConnection, startServer, withOptions } from "@denomas/denomas/rpc";
 *
 * const service = {
 *   never: expose(() => new Promise<never>(() => {})),
 *   ping: expose(() => "pong"),
 * };
 * await using server = await startServer(["127.0.0.1", 0], service);
 * await using client = await openConnection<typeof service>(server.address);
 * const impatient = withOptions(client.remote, { timeout: 10 });
 * await rejects(impatient.never());
 * assertEquals(await impatient.ping(), "pong");
 * ```
 */
export function withOptions<T>(remote: T, options: CallOptions): T {
  const state = stateOf(remote);
  return makeProxy(state.target, state.path, { ...state.options, ...options }) as T;
}

/**
 * Calls a remote method with keyword arguments (for Python services, which
 * bind them by parameter name) and per-call options.
 *
 * @param method A proxy of a remote method, e.g. `client.remote.sub.mul`.
 * @param args Positional arguments.
 * @param kwargs Keyword arguments.
 * @param options A timeout or an abort signal.
 * @returns The reply.
 * @throws {TypeError} when `method` is not a proxy.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { callRemote, expose, openConnection, startServer } from "@denomas/denomas/rpc";
 *
 * const service = { sub: { mul: expose((a: number, b = 2) => a * b) } };
 * await using server = await startServer(["127.0.0.1", 0], service);
 * await using client = await openConnection<typeof service>(server.address);
 * // Python: await remote.sub.mul(3, b=4)
 * assertEquals(await callRemote(client.remote.sub.mul, [3], { b: 4 }), 12);
 * ```
 */
export function callRemote<R>(
  method: (...args: never[]) => Promise<R>,
  args: readonly unknown[] = [],
  kwargs?: Readonly<Record<string, unknown>>,
  options?: CallOptions,
): Promise<Awaited<R>> {
  const state = proxyState(method);
  if (state === undefined) {
    return Promise.reject(new TypeError("callRemote() needs a proxy of a remote method"));
  }
  if (!Array.isArray(args)) return rejectArgs(args);
  const merged = options === undefined ? state.options : { ...state.options, ...options };
  return state.target.call(state.path, args.slice(), kwargs, merged) as Promise<Awaited<R>>;
}

function stateOf(value: unknown): ProxyState {
  const state = proxyState(value);
  if (state === undefined) throw new TypeError("Not a proxy of a remote object");
  return state;
}
