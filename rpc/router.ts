/**
 * Routers: how a call path like `"sub/deep/neg"` finds the exposed method it
 * names, and how a service object knows its own path.
 *
 * @module
 */

import { bindKwargs, checkArity } from "./_params.ts";
import {
  checkName,
  type ClassTable,
  classTableOf,
  exposedFunctions,
  isPlainObject,
  type MethodEntry,
  methodEntry,
  setSubServiceAdopter,
} from "./_registry.ts";
import { LookupError } from "./errors.ts";

/** The longest call path a router looks at; longer ones are a `LookupError`. */
export const MAX_PATH_LENGTH = 1024;

/**
 * The first path segment of objects that are passed to the peer but are not
 * part of this side's service tree (other connections' proxies, standalone
 * callback objects): they are sent as `__proxy__/<n>`, and calls to
 * `__proxy__/<n>/...` are forwarded to them. Services should not use it as a
 * name.
 */
export const FORWARD_SEGMENT = "__proxy__";

/** The longest name quoted in full in a `LookupError` message. */
const MAX_QUOTED_NAME = 64;

const EMPTY_TABLE: ClassTable = { methods: new Map(), services: new Map() };

const routers = new WeakMap<object, Router>();

/** The router of the method `Router.#resolve` found last. */
let resolvedRouter: Router | undefined;

/** Options of a dictionary service ({@linkcode serviceDict}, `new Router(dict)`). */
export interface ServiceDictOptions {
  /**
   * Whether every function of the dictionary (and of the plain objects nested
   * in it) becomes a method, exposed or not. Only for dictionaries written to
   * be called remotely as a whole: any function that lands in them later
   * through a refactoring becomes callable by every peer.
   *
   * @default {false} (only functions marked with `expose(fn)` are methods)
   */
  readonly exposeAll?: boolean;
}

/** A function as `Router.resolve` returns it: bound to its service object. */
// deno-lint-ignore no-explicit-any
export type BoundMethod = (...args: any[]) => unknown;

/**
 * Resolves call paths to exposed methods of one service object and its
 * sub-services, and knows the path of that object from the root service.
 *
 * Every service object has exactly one router ({@linkcode getRouter}). Paths
 * are resolved only through tables of exposed names (`Map` lookups), never by
 * indexing objects with the requested names, so `constructor`, `__proto__`,
 * `toString`, getters and anything else not exposed stay unreachable.
 *
 * @example Sub-services added at run time, and their paths
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { expose, getRouter, Router } from "@denomas/denomas/rpc";
 *
 * class Agent {
 *   constructor(readonly id: string) {}
 *   @expose
 *   ping(x: number): string[] {
 *     return [`pong from ${this.id}`, String(x)];
 *   }
 * }
 *
 * const root = new Router({});
 * const agents = new Router({});
 * root.add("agents", agents.obj);
 * const agent = new Agent("3");
 * agents.add("3", agent);
 * assertEquals(getRouter(agent)!.path, "agents/3");
 * assertEquals((await root.invoke("agents/3/ping", [1]) as string[])[0], "pong from 3");
 * agents.remove("3");
 * assertEquals(root.has("agents"), true);
 * assertEquals(agents.has("3"), false);
 * ```
 *
 * @example A dictionary router, as in aiomas: only exposed functions are methods
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { expose, Router } from "@denomas/denomas/rpc";
 *
 * const router = new Router({
 *   add: expose((a: number, b: number) => a + b),
 *   helper: () => "local only",
 * });
 * assertEquals(router.invoke("add", [1, 2]), 3);
 * assertEquals(router.has("helper"), false);
 * ```
 */
export class Router {
  static {
    setSubServiceAdopter((owner, name, value) => {
      const router = routers.get(owner);
      const child = router === undefined ? undefined : declaredService(value);
      if (child !== undefined) router!.#adopt(child, name);
    });
  }

  /** The service object this router belongs to. */
  readonly obj: object;
  #table: ClassTable;
  #added: Map<string, MethodEntry | Router> | undefined;
  #parent: Router | undefined;
  #name = "";

  /**
   * Makes `obj` a service. Instances of classes that use `@expose` get their
   * router on first use of {@linkcode getRouter}; call this for other objects
   * (for example an empty object that only holds sub-services added later).
   *
   * A plain object (a dictionary, as aiomas' `Router(dict)`) is routed by its
   * entries, read once here: functions marked with `expose(fn)` become
   * methods (unmarked ones stay unreachable unless `options.exposeAll`),
   * service objects become sub-services, nested plain objects become
   * dictionary sub-services in turn. Add later entries with
   * {@linkcode Router.add}.
   *
   * @param obj The service object.
   * @param options For a dictionary: whether every function is a method.
   * @throws {TypeError} when `obj` already has a router, or a dictionary
   * entry is neither a function nor an object.
   */
  constructor(obj: object, options: ServiceDictOptions = {}) {
    if (obj === null || (typeof obj !== "object" && typeof obj !== "function")) {
      throw new TypeError("A router belongs to an object");
    }
    if (routers.has(obj)) throw new TypeError("This object already has a router");
    const dict = isPlainObject(obj) ? checkEntries(obj) : undefined;
    this.obj = obj;
    this.#table = classTableOf(obj) ?? EMPTY_TABLE;
    routers.set(obj, this);
    for (const [name, key] of this.#table.services) {
      const child = declaredService((obj as Record<string, unknown>)[key]);
      if (child !== undefined) this.#adopt(child, name);
    }
    if (dict !== undefined) this.#addEntries(dict, options.exposeAll === true);
  }

  /** Routes the entries of a dictionary. */
  #addEntries(entries: [string, object][], exposeAll: boolean): void {
    for (const [key, value] of entries) {
      if (typeof value === "function" && getRouter(value) === undefined) {
        const info = exposedFunctions.get(value);
        if (info !== undefined || exposeAll) this.add(info?.name ?? key, value);
      } else if (isPlainObject(value) && !routers.has(value)) {
        this.add(key, new Router(value, { exposeAll }).obj);
      } else {
        this.add(key, value);
      }
    }
  }

  /** The name under which the parent router holds this one; `""` for a root. */
  get name(): string {
    return this.#name;
  }

  /** The parent router, or `undefined` for a root. */
  get parent(): Router | undefined {
    return this.#parent;
  }

  /** The path from the root, without a trailing slash: `""`, `"sub"`, `"agents/3"`. */
  get path(): string {
    let path = this.#name;
    for (let r = this.#parent; r !== undefined && r.#parent !== undefined; r = r.#parent) {
      path = `${r.#name}/${path}`;
    }
    return path;
  }

  /** Whether `name` is an exposed method or a sub-service of this router. */
  has(name: string): boolean {
    return this.#method(name) !== undefined || this.#child(name) !== undefined;
  }

  /** The router of the sub-service `name`, if there is one. */
  child(name: string): Router | undefined {
    return this.#child(name);
  }

  /**
   * Adds a method (a function, exposed or not: adding it is the exposing) or
   * a sub-service (an object with a router, or a plain object that becomes a
   * dictionary router) under `name`, replacing what was added under that
   * name before. A sub-service's router gets this router as its parent.
   *
   * @throws {TypeError} when `name` is empty or contains `/`, or `value` is
   * neither a function nor a service.
   */
  add(name: string, value: object): void {
    checkName(name);
    let entry: MethodEntry | Router;
    if (typeof value === "function" && getRouter(value) === undefined) {
      entry = methodEntry(name, value as (...args: never[]) => unknown);
    } else {
      const router = declaredService(value);
      if (router === undefined) {
        throw new TypeError(`Cannot add ${JSON.stringify(name)}: neither a function nor a service`);
      }
      if (router === this || router.#isAncestorOf(this)) {
        throw new TypeError(`Cannot add ${JSON.stringify(name)}: it would contain itself`);
      }
      router.#parent = this;
      router.#name = name;
      entry = router;
    }
    this.#removeAdded(name);
    (this.#added ??= new Map()).set(name, entry);
  }

  /**
   * Removes what {@linkcode Router.add} added under `name`. Members declared
   * with `@expose` cannot be removed.
   *
   * @returns Whether something was removed.
   */
  remove(name: string): boolean {
    return this.#removeAdded(name);
  }

  /** Makes `router` the sub-service `name` of this router (like `add(name, router.obj)`). */
  setSubRouter(router: Router, name: string): void {
    this.add(name, router.obj);
  }

  /**
   * Finds the method at `path` (segments separated by `/`).
   *
   * @returns The method bound to its service object; it checks its arity.
   * @throws {LookupError} when a segment names nothing exposed, or the path
   * ends at a sub-service.
   */
  resolve(path: string): BoundMethod {
    const entry = this.#resolve(path);
    const obj = resolvedRouter!.obj;
    return (...args: unknown[]) => {
      checkArity(entry.name, entry.params, args.length);
      return entry.fn.apply(obj, args);
    };
  }

  /**
   * Calls the method at `path` as a remote request would: positional `args`,
   * keyword arguments bound by parameter name.
   *
   * @returns What the method returns (a promise for async methods).
   * @throws {LookupError} when the path names nothing exposed.
   * @throws {TypeError} on wrong arity or an unknown keyword argument.
   */
  invoke(
    path: string,
    args: readonly unknown[] = [],
    kwargs?: Readonly<Record<string, unknown>> | ReadonlyMap<unknown, unknown>,
  ): unknown {
    const entry = this.#resolve(path);
    const router = resolvedRouter!;
    if (!Array.isArray(args)) throw new TypeError("The arguments of a call must be an array");
    if (kwargs !== undefined && hasEntries(kwargs)) {
      return entry.fn.apply(router.obj, bindKwargs(entry.name, entry.params, args, kwargs));
    }
    checkArity(entry.name, entry.params, args.length);
    return entry.fn.apply(router.obj, args as unknown[]);
  }

  /** Finds the method at `path`; its router is left in `resolvedRouter` (no allocation per call). */
  #resolve(path: string): MethodEntry {
    if (typeof path !== "string") {
      throw new TypeError(`A call path must be a string, got ${typeName(path)}`);
    }
    if (path.length > MAX_PATH_LENGTH) {
      throw lookupError(
        `Path of ${path.length} characters is too long (the limit is ${MAX_PATH_LENGTH})`,
      );
    }
    // deno-lint-ignore no-this-alias
    let router: Router = this;
    let start = 0;
    for (;;) {
      const slash = path.indexOf("/", start);
      if (slash < 0) {
        const name = start === 0 ? path : path.slice(start);
        const entry = router.#method(name);
        if (entry !== undefined) {
          resolvedRouter = router;
          return entry;
        }
        if (router.#child(name) !== undefined) {
          throw lookupError(
            `Name ${quote(name)} in ${quote(router.path)} is a service, not a method`,
          );
        }
        throw notFound(name, router);
      }
      const name = path.slice(start, slash);
      const child = router.#child(name);
      if (child === undefined) throw notFound(name, router);
      router = child;
      start = slash + 1;
    }
  }

  #method(name: string): MethodEntry | undefined {
    const added = this.#added?.get(name);
    if (added !== undefined) return added instanceof Router ? undefined : added;
    return this.#table.methods.get(name);
  }

  #child(name: string): Router | undefined {
    const added = this.#added?.get(name);
    if (added !== undefined) return added instanceof Router ? added : undefined;
    const key = this.#table.services.get(name);
    if (key === undefined) return undefined;
    const child = declaredService((this.obj as Record<string, unknown>)[key]);
    if (child !== undefined) this.#adopt(child, name);
    return child;
  }

  /** Links a declared sub-service that has no parent yet. */
  #adopt(child: Router, name: string): void {
    if (child.#parent !== undefined || child === this || child.#isAncestorOf(this)) return;
    child.#parent = this;
    child.#name = name;
  }

  #isAncestorOf(router: Router): boolean {
    for (let r = router.#parent; r !== undefined; r = r.#parent) if (r === this) return true;
    return false;
  }

  #removeAdded(name: string): boolean {
    const old = this.#added?.get(name);
    if (old === undefined) return false;
    this.#added!.delete(name);
    if (old instanceof Router && old.#parent === this) {
      old.#parent = undefined;
      old.#name = "";
    }
    return true;
  }
}

/**
 * The entries of a dictionary service.
 *
 * @throws {TypeError} when one is neither a function nor an object.
 */
function checkEntries(dict: object): [string, object][] {
  const entries = Object.entries(dict);
  for (const [key, value] of entries) {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) {
      throw new TypeError(
        `Service dictionary entry ${JSON.stringify(key)} is neither a function nor a service`,
      );
    }
  }
  return entries;
}

/**
 * The router of a service object, made on first use for instances of classes
 * that use `@expose`.
 *
 * @returns The router, or `undefined` when `obj` is not a service.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { expose, getRouter } from "@denomas/denomas/rpc";
 *
 * class Service {
 *   @expose
 *   ping(): string {
 *     return "pong";
 *   }
 * }
 * const service = new Service();
 * assertEquals(getRouter(service), getRouter(service));
 * assertEquals(getRouter(service)!.path, "");
 * assertEquals(getRouter({ plain: true }), undefined);
 * ```
 */
export function getRouter(obj: unknown): Router | undefined {
  if (obj === null || (typeof obj !== "object" && typeof obj !== "function")) return undefined;
  const router = routers.get(obj);
  if (router !== undefined) return router;
  if (typeof obj === "function" && exposedFunctions.has(obj)) return undefined;
  return classTableOf(obj) === null ? undefined : new Router(obj);
}

/**
 * Makes a dictionary a service (aiomas' `Router(dict)`), like
 * `new Router(dict, options)`: functions marked with `expose(fn)` become
 * methods, service objects and plain objects in it sub-services (plain
 * objects are made dictionaries in turn, with the same options). Functions
 * that are not marked stay unreachable, unless `options.exposeAll`.
 *
 * @param dict The dictionary; it keeps its entries and gets a router.
 * @param options Whether every function of `dict` is a method.
 * @returns `dict` itself, now with a router.
 * @throws {TypeError} when `dict` already has a router, or an entry is
 * neither a function nor an object.
 *
 * @example A dictionary with a nested dictionary; only exposed functions are methods
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { expose, getRouter, serviceDict } from "@denomas/denomas/rpc";
 *
 * const service = serviceDict({
 *   add: expose((a: number, b: number) => a + b),
 *   math: { neg: expose((x: number) => -x), helper: (x: number) => x },
 * });
 * const router = getRouter(service)!;
 * assertEquals(router.invoke("add", [], { a: 2, b: 3 }), 5);
 * assertEquals(router.invoke("math/neg", [4]), -4);
 * assertEquals(router.has("math"), true);
 * assertEquals(getRouter(service.math)!.has("helper"), false);
 * assertEquals(getRouter(service.math)!.path, "math");
 * ```
 *
 * @example Every function of a dictionary, on purpose
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { getRouter, serviceDict } from "@denomas/denomas/rpc";
 *
 * const service = serviceDict({ add: (a: number, b: number) => a + b }, { exposeAll: true });
 * assertEquals(getRouter(service)!.invoke("add", [1, 2]), 3);
 * ```
 */
export function serviceDict<T extends object>(dict: T, options?: ServiceDictOptions): T {
  new Router(dict, options);
  return dict;
}

/** The router of a sub-service: a service object, or a plain object made a dictionary. */
function declaredService(value: unknown): Router | undefined {
  return getRouter(value) ?? (isPlainObject(value) ? new Router(value) : undefined);
}

function hasEntries(kwargs: object): boolean {
  if (kwargs instanceof Map) return kwargs.size > 0;
  for (const _ in kwargs) return true;
  return false;
}

function notFound(name: string, router: Router): LookupError {
  return lookupError(`Name ${quote(name)} not found in ${quote(router.path)}`);
}

/** A `LookupError` without stack frames: they would only show RPC internals to the caller. */
function lookupError(message: string): LookupError {
  const error = new LookupError(message);
  error.stack = `LookupError: ${message}`;
  return error;
}

function quote(name: string): string {
  const text = name.length > MAX_QUOTED_NAME ? `${name.slice(0, MAX_QUOTED_NAME)}…` : name;
  return JSON.stringify(text);
}

function typeName(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}
