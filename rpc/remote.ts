/**
 * Types of remote services: what a proxy of a service class looks like.
 *
 * @module
 */

/** Any function: what {@linkcode Remote} turns into a {@linkcode RemoteMethod}. */
// deno-lint-ignore no-explicit-any
export type AnyFunction = (...args: any[]) => any;

/**
 * A type-level marker on {@linkcode Remote} types that names the service
 * class. It is never present at run time; it lets a local service object be
 * passed where the remote method expects a proxy of it.
 */
export const REMOTE_OF: unique symbol = Symbol("denomas.remoteOf");

/**
 * What a caller may pass for a parameter of type `P`: where the method takes
 * a proxy (`Remote<S>`), a local service object `S` is fine too — it travels
 * as a proxy tag.
 */
export type Passable<P> = P extends { readonly [REMOTE_OF]?: infer S } ? P | S : P;

/** The parameter list of a remote method: each parameter {@linkcode Passable}. */
export type PassableArgs<A extends readonly unknown[]> = { [I in keyof A]: Passable<A[I]> };

/**
 * The names a proxy answers itself instead of calling the peer: awaiting,
 * printing and serializing a proxy never sends a request. They are not
 * remote members, whatever the service class declares.
 */
export type LocalName =
  | "then"
  | "toString"
  | "toJSON"
  | "valueOf"
  | "toLocaleString"
  | "constructor";

/**
 * What every proxy offers locally: its string form, e.g.
 * `RemoteProxy("sub" at 127.0.0.1:5555)` (also what `toJSON()` and
 * `valueOf()` give at run time; they are left out of the type so that a
 * proxy still converts to any interface with `as`).
 */
export interface ProxyMembers {
  /** The string form of the proxy; no call to the peer. */
  toString(): string;
  /** The string form of the proxy. */
  toLocaleString(): string;
}

/**
 * A remote method: same parameters, but the result always arrives as a
 * promise, typed as it arrives ({@linkcode RemoteValue}).
 */
export type RemoteMethod<F extends AnyFunction> = (
  ...args: PassableArgs<Parameters<F>>
) => Promise<RemoteValue<Awaited<ReturnType<F>>>>;

/**
 * The keys of `T` that a proxy offers: string keys of methods and of objects
 * (sub-services), except the {@linkcode LocalName}s.
 */
export type RemoteKeys<T> = {
  [K in keyof T]-?: K extends LocalName ? never
    : K extends string ? (NonNullable<T[K]> extends object ? K : never)
    : never;
}[keyof T];

/** Values whose types have methods but that travel as data (bytes, collections, dates). */
export type DataObject =
  | ArrayBuffer
  | ArrayBufferView
  | ReadonlyMap<unknown, unknown>
  | ReadonlySet<unknown>
  | Date
  | RegExp
  | Error
  | Temporal.Instant
  | Temporal.ZonedDateTime;

/**
 * A value of type `T` as it arrives from the peer: an object with methods (a
 * service object, which travels as a proxy tag) becomes its proxy
 * `Remote<T>`, also inside arrays and plain data objects; primitives,
 * {@linkcode DataObject}s, proxies and objects without methods stay as they
 * are.
 *
 * Types cannot see `@expose`: a class that travels through a serializer
 * (e.g. `@serializable`) and declares methods is typed as a proxy here; cast
 * such results to the class.
 */
export type RemoteValue<T> = unknown extends T ? T
  : T extends string | number | bigint | boolean | symbol | null | undefined | void ? T
  : T extends AnyFunction | DataObject ? T
  : typeof REMOTE_OF extends keyof T ? T
  : T extends readonly unknown[] ? { [I in keyof T]: RemoteValue<T[I]> }
  : [keyof T] extends [never] ? T
  // Without a method it is data; with one, a service object.
  : [{ [K in keyof T]-?: NonNullable<T[K]> extends AnyFunction ? K : never }[keyof T]] extends
    [never] ? { [K in keyof T]: RemoteValue<T[K]> }
  : Remote<T>;

/**
 * The proxy of a remote service typed from its class `T`: methods become
 * `(...args) => Promise<RemoteValue<R>>` (a returned service object arrives
 * as its proxy), sub-services become nested proxies, and the proxy's own
 * members ({@linkcode ProxyMembers}, e.g. `toString()`) are typed as what
 * they are: local.
 *
 * Types cannot tell which members were exposed: calling a member that was not
 * is a `LookupError` from the peer.
 *
 * @example A method that returns a service object
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { expose, openConnection, type Remote, startServer } from "@denomas/denomas/rpc";
 *
 * class Counter {
 *   #n = 0;
 *   @expose
 *   next(): number {
 *     return ++this.#n;
 *   }
 * }
 * class Registry {
 *   readonly #counter = new Counter();
 *   @expose
 *   counter(): Counter {
 *     return this.#counter;
 *   }
 * }
 *
 * await using server = await startServer(["127.0.0.1", 0], new Registry());
 * await using client = await openConnection<Registry>(server.address);
 * const counter: Remote<Counter> = await client.remote.counter();
 * assertEquals(await counter.next(), 1);
 * const text: string = counter.toString();
 * assertEquals(text.startsWith("RemoteProxy"), true);
 * ```
 */
export type Remote<T> =
  & {
    readonly [K in RemoteKeys<T>]: NonNullable<T[K]> extends AnyFunction
      ? RemoteMethod<NonNullable<T[K]>>
      : Remote<NonNullable<T[K]>>;
  }
  & ProxyMembers
  & { readonly [REMOTE_OF]?: T };

// A remote call takes the options of a channel call.
export type { CallOptions } from "../channel/channel.ts";
