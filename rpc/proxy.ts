/**
 * Proxies: remote services used like local objects. `remote.sub.mul(6, 7)`
 * sends the request `["sub/mul", [6, 7], {}]` and resolves to the reply.
 *
 * @module
 */

import type { CallOptions } from "./remote.ts";

/** Internal: where a proxy sends its calls. One per connection. */
export interface ProxyTarget {
  /** Sends a request and resolves to the reply. */
  call(
    path: string,
    args: unknown[],
    kwargs: Readonly<Record<string, unknown>> | undefined,
    options: CallOptions | undefined,
  ): Promise<unknown>;
  /** The peer's address, for the string form. */
  readonly peerAddress: string;
  /** The string form of the proxy at `path`, when the default one does not fit. */
  describe?(path: string): string;
}

interface ProxyState {
  readonly target: ProxyTarget;
  readonly path: string;
  readonly options: CallOptions | undefined;
  /** The parent proxy: a live child keeps its parents (and so its cache entry) alive. */
  readonly parent: object | undefined;
  /**
   * Children made so far, held weakly: proxies nobody holds are collected, so
   * a peer sending ever new proxy paths cannot grow this side's memory.
   */
  children: Map<string, WeakRef<object>> | undefined;
  /**
   * The child got last, held strongly (one per proxy, so memory stays
   * bounded): `remote.add(...)` in a loop skips the map and the `WeakRef`.
   */
  lastKey: string | undefined;
  lastChild: object | undefined;
}

/** Removes the cache entry of a collected child proxy. */
const collected = new FinalizationRegistry<{ children: Map<string, WeakRef<object>>; key: string }>(
  ({ children, key }) => {
    if (children.get(key)?.deref() === undefined) children.delete(key);
  },
);

/**
 * Names a proxy answers itself instead of treating them as remote members, so
 * that awaiting, printing and serializing a proxy never calls the peer.
 */
const LOCAL_NAMES: ReadonlySet<string> = new Set([
  "then",
  "toString",
  "toJSON",
  "valueOf",
  "toLocaleString",
  "constructor",
]);

const INSPECT_DENO = Symbol.for("Deno.customInspect");
const INSPECT_NODE = Symbol.for("nodejs.util.inspect.custom");

const states = new WeakMap<object, ProxyState>();

/** Internal: the root proxy of a connection (or a tree with call options). */
export function makeProxy(
  target: ProxyTarget,
  path: string,
  options?: CallOptions,
  parent?: object,
): object {
  const state: ProxyState = {
    target,
    path,
    options,
    parent,
    children: undefined,
    lastKey: undefined,
    lastChild: undefined,
  };
  const text = () => describe(state);
  const handler: ProxyHandler<() => void> = {
    get(_fn, key) {
      if (key === state.lastKey) return state.lastChild;
      if (typeof key === "symbol") {
        if (key === Symbol.toPrimitive || key === INSPECT_DENO || key === INSPECT_NODE) return text;
        if (key === Symbol.toStringTag) return "RemoteProxy";
        return undefined;
      }
      if (LOCAL_NAMES.has(key)) {
        return key === "then" || key === "constructor" ? undefined : text;
      }
      const children = state.children ??= new Map();
      let child = children.get(key)?.deref();
      if (child === undefined) {
        child = makeProxy(target, path === "" ? key : `${path}/${key}`, options, proxy);
        children.set(key, new WeakRef(child));
        collected.register(child, { children, key });
      }
      state.lastKey = key;
      state.lastChild = child;
      return child;
    },
    apply(_fn, _this, args) {
      return target.call(path, args, undefined, options);
    },
    has(_fn, key) {
      return typeof key === "string" && !LOCAL_NAMES.has(key);
    },
    set() {
      return false;
    },
    defineProperty() {
      return false;
    },
    deleteProperty() {
      return false;
    },
    ownKeys() {
      return [];
    },
    getOwnPropertyDescriptor() {
      return undefined;
    },
  };
  const fn = () => {};
  // Deno and Node inspect a proxy's target, not the proxy: give it the string form.
  Object.defineProperty(fn, INSPECT_DENO, { value: text, configurable: true });
  Object.defineProperty(fn, INSPECT_NODE, { value: text, configurable: true });
  const proxy = new Proxy(fn, handler);
  states.set(proxy, state);
  return proxy;
}

/** Internal: the proxy at `path` below `root` (made by {@linkcode makeProxy}), reusing cached nodes. */
export function proxyAt(root: object, path: string): object {
  if (path === "") return root;
  let node = root;
  let start = 0;
  for (;;) {
    const slash = path.indexOf("/", start);
    const name = slash < 0 ? path.slice(start) : path.slice(start, slash);
    if (name === "" || LOCAL_NAMES.has(name)) {
      // Names a proxy keeps for itself cannot be walked to: make the node directly.
      const state = states.get(root)!;
      return makeProxy(state.target, path, state.options);
    }
    node = (node as Record<string, object>)[name];
    if (slash < 0) return node;
    start = slash + 1;
  }
}

function describe(state: ProxyState): string {
  if (state.target.describe !== undefined) return state.target.describe(state.path);
  return `RemoteProxy(${JSON.stringify(state.path)} at ${state.target.peerAddress})`;
}

/** Internal: the state of a proxy, or `undefined` for other values. */
export function proxyState(value: unknown): ProxyState | undefined {
  return (typeof value === "function" ? states.get(value) : undefined);
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
  const merged = options === undefined ? state.options : { ...state.options, ...options };
  return state.target.call(state.path, args.slice(), kwargs, merged) as Promise<Awaited<R>>;
}

function stateOf(value: unknown): ProxyState {
  const state = proxyState(value);
  if (state === undefined) throw new TypeError("Not a proxy of a remote object");
  return state;
}

/** Internal: the connection a proxy belongs to. */
export function proxyTarget(value: unknown): ProxyTarget | undefined {
  return proxyState(value)?.target;
}
