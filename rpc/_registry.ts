/**
 * Internal: what `@expose` records about classes and functions, the
 * per-class tables routers are built from, and what `@expose` and the
 * `Router` class share without importing each other (names, dictionaries,
 * the linking of sub-service fields).
 *
 * @module
 */

import { type ParamSpec, parseParams } from "../internal/params.ts";

/**
 * Checks a name for a service member (one path segment).
 *
 * @throws {TypeError} when `name` cannot be a path segment.
 */
export function checkName(name: unknown): asserts name is string {
  if (typeof name !== "string" || name === "" || name.includes("/")) {
    throw new TypeError(
      `A service member name must be a non-empty string without "/", got ${
        typeof name === "string" ? JSON.stringify(name) : typeof name
      }`,
    );
  }
}

/** Whether `value` is a plain object (a dictionary, when used as a service). */
export function isPlainObject(value: unknown): value is object {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Links a sub-service field's value to its owner's router; set by the `Router` class. */
let adopter: (owner: object, name: string, value: unknown) => void = () => {};

/** Called once, by the `Router` class, which alone may link routers. */
export function setSubServiceAdopter(
  adopt: (owner: object, name: string, value: unknown) => void,
): void {
  adopter = adopt;
}

/**
 * Links the value of a sub-service field as it is initialised. Needed when
 * the owner got its router before its fields existed (an agent registers in
 * the base class constructor); otherwise the router constructor links
 * declared sub-services itself.
 */
export function adoptSubService(owner: object, name: string, value: unknown): void {
  adopter(owner, name, value);
}

/** Key of our entry in a class's decorator metadata. */
export const SERVICE_METADATA: unique symbol = Symbol("denomas.rpc.service");

/** What the decorators of one class declared (inherits its parent's entries). */
export interface ClassDeclaration {
  /** Exposed name → property key of the method. */
  readonly methods: Map<string, string>;
  /** Exposed name → property key of a sub-service field or accessor. */
  readonly services: Map<string, string>;
}

/** Options given to `@expose(...)` or `expose(fn, ...)`. */
export interface ExposeInfo {
  /** The name callers use, when it differs from the property key. */
  readonly name?: string;
  /** Parameter names, when they should not be read from the source. */
  readonly params?: readonly string[];
}

/** Every function marked by `expose`, with its options. */
export const exposedFunctions: WeakMap<object, ExposeInfo> = new WeakMap();

/** The declaration of the class whose decorator metadata is `metadata`, created on first use. */
export function declarationOf(metadata: DecoratorMetadataObject): ClassDeclaration {
  if (Object.hasOwn(metadata, SERVICE_METADATA)) {
    return metadata[SERVICE_METADATA] as ClassDeclaration;
  }
  const inherited = metadata[SERVICE_METADATA] as ClassDeclaration | undefined;
  const declaration: ClassDeclaration = {
    methods: new Map(inherited?.methods),
    services: new Map(inherited?.services),
  };
  metadata[SERVICE_METADATA] = declaration;
  return declaration;
}

/** A method a router can call. */
export interface MethodEntry {
  /** The exposed name. */
  readonly name: string;
  /** The function; called with the service object as `this`. */
  // deno-lint-ignore no-explicit-any
  readonly fn: (...args: any[]) => unknown;
  /** Its parameters. */
  readonly params: ParamSpec;
  /** What `expose` recorded for it, when it did: the entry is made again when that changes. */
  readonly info: ExposeInfo | undefined;
}

/** The exposed members of a class, shared by all its instances. */
export interface ClassTable {
  readonly methods: ReadonlyMap<string, MethodEntry>;
  /** Exposed name → property key of a sub-service. */
  readonly services: ReadonlyMap<string, string>;
}

const tables = new WeakMap<object, ClassTable | null>();
const entries = new WeakMap<object, MethodEntry>();

/** Makes (once per function and name) the entry that routers call. */
export function methodEntry(name: string, fn: (...args: never[]) => unknown): MethodEntry {
  const cached = entries.get(fn);
  const info = exposedFunctions.get(fn);
  if (cached !== undefined && cached.name === name && cached.info === info) return cached;
  const params = info?.params
    ? { names: info.params, required: Math.min(fn.length, info.params.length), rest: false }
    : parseParams(fn);
  const entry: MethodEntry = { name, fn: fn as MethodEntry["fn"], params, info };
  entries.set(fn, entry);
  return entry;
}

/**
 * The table of the class of `obj`, or `null` when the class declared nothing
 * with `@expose`. Only data properties holding functions that `@expose`
 * marked end up in it: a subclass that overrides an exposed method without
 * `@expose` hides it, and getters never match.
 */
export function classTableOf(obj: object): ClassTable | null {
  const proto = Object.getPrototypeOf(obj);
  if (proto === null) return null;
  let table = tables.get(proto);
  if (table !== undefined) return table;
  table = buildTable(proto);
  tables.set(proto, table);
  return table;
}

function buildTable(proto: object): ClassTable | null {
  // Walk the class chain from the base class down, so subclasses override.
  // (Decorator metadata is not always chained to the parent class's.)
  const declarations: ClassDeclaration[] = [];
  for (
    let p: object | null = proto;
    p !== null && p !== Object.prototype;
    p = Object.getPrototypeOf(p)
  ) {
    const ctor = Object.getOwnPropertyDescriptor(p, "constructor")?.value;
    if (typeof ctor !== "function") continue;
    const metadata = Object.getOwnPropertyDescriptor(ctor, Symbol.metadata)?.value as
      | DecoratorMetadataObject
      | undefined
      | null;
    const declaration = metadata?.[SERVICE_METADATA] as ClassDeclaration | undefined;
    if (declaration !== undefined && declaration !== declarations.at(-1)) {
      declarations.push(declaration);
    }
  }
  if (declarations.length === 0) return null;
  const methods = new Map<string, MethodEntry>();
  const services = new Map<string, string>();
  for (const declaration of declarations.reverse()) {
    for (const [name, key] of declaration.methods) {
      services.delete(name);
      const fn = findMethod(proto, key);
      if (fn !== undefined && exposedFunctions.has(fn)) methods.set(name, methodEntry(name, fn));
      else methods.delete(name);
    }
    for (const [name, key] of declaration.services) {
      methods.delete(name);
      services.set(name, key);
    }
  }
  return { methods, services };
}

function findMethod(proto: object, key: string): ((...args: never[]) => unknown) | undefined {
  for (
    let p: object | null = proto;
    p !== null && p !== Object.prototype;
    p = Object.getPrototypeOf(p)
  ) {
    const descriptor = Object.getOwnPropertyDescriptor(p, key);
    if (descriptor === undefined) continue;
    return typeof descriptor.value === "function" ? descriptor.value : undefined;
  }
  return undefined;
}
