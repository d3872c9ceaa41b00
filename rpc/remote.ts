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

/** A remote method: same parameters, but the result always arrives as a promise. */
export type RemoteMethod<F extends AnyFunction> = (
  ...args: PassableArgs<Parameters<F>>
) => Promise<Awaited<ReturnType<F>>>;

/** The keys of `T` that a proxy offers: string keys of methods and of objects (sub-services). */
export type RemoteKeys<T> = {
  [K in keyof T]-?: K extends string ? (NonNullable<T[K]> extends object ? K : never) : never;
}[keyof T];

/**
 * The proxy of a remote service typed from its class `T`: methods become
 * `(...args) => Promise<Awaited<R>>`, sub-services become nested proxies.
 *
 * Types cannot tell which members were exposed: calling a member that was not
 * is a `LookupError` from the peer.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import type { Remote } from "@denomas/denomas/rpc";
 *
 * class Calculator {
 *   add(a: number, b: number): number {
 *     return a + b;
 *   }
 * }
 * // A stand-in for `client.remote`, to show the type:
 * const remote: Remote<Calculator> = { add: async (a, b) => a + b };
 * assertEquals(await remote.add(1, 2), 3);
 * ```
 */
export type Remote<T> =
  & {
    readonly [K in RemoteKeys<T>]: NonNullable<T[K]> extends AnyFunction
      ? RemoteMethod<NonNullable<T[K]>>
      : Remote<NonNullable<T[K]>>;
  }
  & { readonly [REMOTE_OF]?: T };

// A remote call takes the options of a channel call.
export type { CallOptions } from "../channel/channel.ts";
