/**
 * Internal: the machinery of proxies. A proxy is a function wrapped in a
 * `Proxy`; its path, target and call options live in a side table.
 *
 * @module
 */

import { INSPECT, NODE_INSPECT } from "../internal/inspect.ts";
import type { CallOptions } from "./remote.ts";

/**
 * Where the calls of a proxy go: a connection, a reconnecting client, or a
 * container's route to an agent. Given to {@linkcode makeRemote}.
 */
export interface RemoteTarget {
  /**
   * Sends the call of the proxy at `path` and resolves to the reply.
   *
   * @param path The method's path, e.g. `"sub/mul"`.
   * @param args Positional arguments (a fresh array the target may keep).
   * @param kwargs Keyword arguments, if any.
   * @param options The call's timeout or signal, if any.
   */
  call(
    path: string,
    args: unknown[],
    kwargs: Readonly<Record<string, unknown>> | undefined,
    options: CallOptions | undefined,
  ): Promise<unknown>;
  /**
   * The string form of the proxy at `path` (what `String(proxy)` and
   * inspecting it show), e.g. `RemoteProxy("sub" at 127.0.0.1:5555)`.
   *
   * @param path The proxy's path.
   */
  describe(path: string): string;
}

export interface ProxyState {
  readonly target: RemoteTarget;
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

const states = new WeakMap<object, ProxyState>();

/** The root proxy of a connection (or a tree with call options). */
export function makeProxy(
  target: RemoteTarget,
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
        if (key === Symbol.toPrimitive || key === INSPECT || key === NODE_INSPECT) return text;
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
  Object.defineProperty(fn, INSPECT, { value: text, configurable: true });
  Object.defineProperty(fn, NODE_INSPECT, { value: text, configurable: true });
  const proxy = new Proxy(fn, handler);
  states.set(proxy, state);
  return proxy;
}

/** The proxy at `path` below `root` (made by {@linkcode makeProxy}), reusing cached nodes. */
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
  return state.target.describe(state.path);
}

/** How a proxy of a peer at `at` shows itself, e.g. `RemoteProxy("sub" at 127.0.0.1:5555)`. */
export function describeRemote(path: string, at: string): string {
  return `RemoteProxy(${JSON.stringify(path)} at ${at})`;
}

/** The rejection of a public `call(path, args, …)` given `args` that are not an array. */
export function rejectArgs(args: unknown): Promise<never> {
  return Promise.reject(new TypeError(`The args of a call must be an array, got ${typeof args}`));
}

/** The state of a proxy, or `undefined` for other values. */
export function proxyState(value: unknown): ProxyState | undefined {
  return (typeof value === "function" ? states.get(value) : undefined);
}
