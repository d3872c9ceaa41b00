/**
 * Internal: what RPC connections and the NATS endpoint share when serving a
 * peer: checking and dispatching its requests, and the objects passed to it.
 * An object that has no path below the side's root service travels as
 * `__proxy__/<n>`; the peer's calls to that path are forwarded to it.
 *
 * @module
 */

import { describeValue } from "../internal/inspect.ts";
import { LookupError } from "./errors.ts";
import { proxyState } from "./_proxy.ts";
import { FORWARD_SEGMENT, getRouter, type Router } from "./router.ts";

/** Keyword arguments as a codec decodes them. */
export type Kwargs = Readonly<Record<string, unknown>> | ReadonlyMap<unknown, unknown>;

const FORWARD_PREFIX = `${FORWARD_SEGMENT}/`;

/** The objects one side passed to its peer as `__proxy__/<n>`. */
export class ForwardTable {
  #ids: Map<object, string> | undefined;
  #objects: Map<string, object> | undefined;

  /** Whether `path` is a call to a forwarded object. */
  static isForwarded(path: unknown): path is string {
    return typeof path === "string" && path.startsWith(FORWARD_PREFIX);
  }

  /** The path `value` travels as: one id per object, kept as long as the table. */
  pathOf(value: object): string {
    const ids = this.#ids ??= new Map();
    let id = ids.get(value);
    if (id === undefined) {
      id = String(ids.size);
      ids.set(value, id);
      (this.#objects ??= new Map()).set(id, value);
    }
    return FORWARD_PREFIX + id;
  }

  /**
   * Calls `path` (`__proxy__/<n>/<rest>`) on the forwarded object: a proxy
   * passes the call on to its own peer, a service answers it.
   *
   * @throws {LookupError} for an unknown id, or a path that names no method.
   */
  invoke(path: string, args: unknown[], kwargs: Kwargs | null | undefined): unknown {
    const slash = path.indexOf("/", FORWARD_PREFIX.length);
    const id = path.slice(FORWARD_PREFIX.length, slash < 0 ? undefined : slash);
    const rest = slash < 0 ? "" : path.slice(slash + 1);
    const target = this.#objects?.get(id);
    if (target === undefined) {
      throw new LookupError(
        `Name ${JSON.stringify(id)} not found in ${JSON.stringify(FORWARD_SEGMENT)}`,
      );
    }
    const state = proxyState(target);
    if (state === undefined) return getRouter(target)!.invoke(rest, args, kwargs ?? undefined);
    if (rest === "") throw new LookupError(`${FORWARD_SEGMENT}/${id} is a service, not a method`);
    const kw = kwargs === null || kwargs === undefined
      ? undefined
      : kwargs instanceof Map
      ? Object.fromEntries(kwargs)
      : kwargs as Record<string, unknown>;
    return state.target.call(
      state.path === "" ? rest : `${state.path}/${rest}`,
      args,
      kw,
      state.options,
    );
  }
}

/** The path of `router` relative to `base`, or `undefined` when it is not below `base`. */
export function pathBelow(router: Router, base: Router): string | undefined {
  let path = "";
  for (let r: Router | undefined = router; r !== base; r = r.parent) {
    if (r === undefined) return undefined;
    path = path === "" ? r.name : `${r.name}/${path}`;
  }
  return path;
}

/**
 * The error as the peer should see it: an `Error` subclass that did not set
 * its own `name` (`class ValueError extends Error {}`) is named after its
 * class, so the last line reads `ValueError: …` as a Python peer expects.
 */
export function named(error: unknown): unknown {
  if (!(error instanceof Error) || error.name !== "Error") return error;
  const className = error.constructor?.name;
  if (typeof className !== "string" || className === "" || className === "Error") return error;
  return Object.create(error, { name: { value: className } });
}

/** Whether `value` can be awaited. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" &&
    typeof (value as { then?: unknown }).then === "function";
}

/**
 * Runs the request `content` (`[path, args, kwargs]`) of a peer: a forwarded
 * path goes to `forwarded`, any other to `router`.
 *
 * @throws {TypeError} when `content` is not a well-formed request.
 */
export function dispatchRequest(
  content: unknown,
  router: Router,
  forwarded: ForwardTable,
): unknown {
  if (!Array.isArray(content) || content.length !== 3) {
    throw new TypeError(`A request must be [path, args, kwargs], got ${describeValue(content)}`);
  }
  const path = content[0];
  const args = content[1];
  const kwargs = content[2];
  if (!Array.isArray(args)) {
    throw new TypeError(`The args of a request must be an array, got ${describeValue(args)}`);
  }
  if (kwargs !== null && kwargs !== undefined && typeof kwargs !== "object") {
    throw new TypeError(`The kwargs of a request must be a map, got ${describeValue(kwargs)}`);
  }
  if (ForwardTable.isForwarded(path)) return forwarded.invoke(path, args, kwargs);
  return router.invoke(path as string, args, kwargs ?? undefined);
}
