/**
 * The `@expose` decorator: what a service offers to remote callers.
 *
 * @module
 */

import {
  adoptSubService,
  checkName,
  declarationOf,
  exposedFunctions,
  type ExposeInfo,
} from "./_registry.ts";

/** Options of {@linkcode expose}. */
export interface ExposeOptions {
  /**
   * The name remote callers use, when it differs from the member's name (for
   * example a snake_case name that Python peers call).
   *
   * @default {the member's name; for a function in a dictionary, its key}
   */
  readonly name?: string;
  /**
   * The parameter names, for keyword arguments. By default they are read
   * once from the function's source, which fails for minified code.
   */
  readonly params?: readonly string[];
}

/**
 * What `expose(options)` returns: a decorator for class members, which also
 * marks a plain function when called with it alone (`expose(options)(fn)`).
 */
export type ExposeDecorator = {
  /** Marks a plain function as exposed and returns it. */
  <F extends (...args: never[]) => unknown>(fn: F): F;
  // deno-lint-ignore no-explicit-any
  <This, F extends (this: This, ...args: any[]) => any>(
    method: F,
    context: ClassMethodDecoratorContext<This, F>,
  ): void;
  <This, V>(value: undefined, context: ClassFieldDecoratorContext<This, V>): void;
  <This, V>(
    value: ClassAccessorDecoratorTarget<This, V>,
    context: ClassAccessorDecoratorContext<This, V>,
  ): void;
};

type AnyContext =
  | ClassMethodDecoratorContext
  | ClassFieldDecoratorContext
  | ClassAccessorDecoratorContext;

/**
 * Makes a class member reachable by remote callers.
 *
 * - On a **method**, remote peers may call it (sync or async; it receives
 *   keyword arguments by parameter name).
 * - On a **field** or **accessor** holding another service object (or a plain
 *   object, made a dictionary service), it becomes a sub-service:
 *   `remote.sub.method()` calls the method of that object.
 * - On a **plain function**, `expose(fn)`, `expose(fn, options)` or
 *   `expose(options)(fn)` marks it and returns it unchanged, for dictionary
 *   services (`{ add: expose((a, b) => a + b) }`): decorators cannot be
 *   written on object literal members, and in a dictionary only marked
 *   functions are methods, as in aiomas. The mark belongs to the function,
 *   in every dictionary that holds it.
 * - `@expose({ name, params })` sets the remote name or the parameter names.
 *
 * Nothing else of an object is reachable: not its other members, not
 * inherited ones, not getters, private members or symbols.
 *
 * @example A class service
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { expose, getRouter } from "@denomas/denomas/rpc";
 *
 * class Calculator {
 *   @expose
 *   add(a: number, b: number): number {
 *     return a + b;
 *   }
 *
 *   secret(): string {
 *     return "not exposed";
 *   }
 * }
 *
 * const router = getRouter(new Calculator())!;
 * assertEquals(await router.resolve("add")(1, 2), 3);
 * assertEquals(router.has("secret"), false);
 * ```
 *
 * @example Functions in a dictionary service
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { expose, Router } from "@denomas/denomas/rpc";
 *
 * const router = new Router({
 *   add: expose((a: number, b: number) => a + b),
 *   addAll: expose({ name: "add_all" })((...xs: number[]) => xs.reduce((a, b) => a + b, 0)),
 *   minus: expose((a: number, b: number) => a - b, { params: ["a", "b"] }),
 *   helper: () => "not exposed",
 * });
 * assertEquals(router.invoke("add", [1, 2]), 3);
 * assertEquals(router.invoke("add_all", [1, 2, 3]), 6);
 * assertEquals(router.invoke("minus", [], { b: 1, a: 5 }), 4);
 * assertEquals(router.has("helper"), false);
 * ```
 */
// deno-lint-ignore no-explicit-any
export function expose<This, F extends (this: This, ...args: any[]) => any>(
  method: F,
  context: ClassMethodDecoratorContext<This, F>,
): void;
/** Declares a field holding a sub-service. */
export function expose<This, V>(
  value: undefined,
  context: ClassFieldDecoratorContext<This, V>,
): void;
/** Declares an accessor holding a sub-service. */
export function expose<This, V>(
  value: ClassAccessorDecoratorTarget<This, V>,
  context: ClassAccessorDecoratorContext<This, V>,
): void;
/** Marks a plain function as exposed and returns it. */
export function expose<F extends (...args: never[]) => unknown>(fn: F, options?: ExposeOptions): F;
/** Makes a decorator with options. */
export function expose(options: ExposeOptions): ExposeDecorator;
export function expose(
  target: unknown,
  second?: ExposeOptions | AnyContext,
): unknown {
  if (isContext(second)) return decorate(target, second, {});
  if (typeof target === "function") {
    const options = (second ?? {}) as ExposeOptions;
    exposedFunctions.set(target, checkOptions(options));
    return target;
  }
  if (target !== null && typeof target === "object" && second === undefined) {
    const options = checkOptions(target as ExposeOptions);
    return ((value: unknown, context?: AnyContext) => {
      if (isContext(context)) return decorate(value, context, options);
      if (typeof value === "function" && context === undefined) {
        exposedFunctions.set(value, options);
        return value;
      }
      throw new TypeError("expose(options) decorates a class member or marks a function");
    }) as ExposeDecorator;
  }
  throw new TypeError("expose() takes a method, a field, a function or options");
}

function isContext(value: unknown): value is AnyContext {
  return value !== null && typeof value === "object" && "kind" in value && "metadata" in value;
}

function checkOptions(options: ExposeOptions): ExposeInfo {
  if (options.name !== undefined) checkName(options.name);
  if (options.params !== undefined) {
    if (!Array.isArray(options.params) || !options.params.every((p) => typeof p === "string")) {
      throw new TypeError("expose(): params must be an array of strings");
    }
  }
  return { name: options.name, params: options.params?.slice() };
}

/** @returns For fields, the initializer that links the sub-service to its owner. */
function decorate(
  value: unknown,
  context: AnyContext,
  info: ExposeInfo,
): ((this: object, initial: unknown) => unknown) | undefined {
  const what = `@expose on ${String(context.name)}`;
  if (context.static) throw new TypeError(`${what}: static members cannot be exposed`);
  if (context.private) throw new TypeError(`${what}: private members cannot be exposed`);
  if (typeof context.name !== "string") {
    throw new TypeError(`${what}: symbol-named members cannot be exposed`);
  }
  const name = info.name ?? context.name;
  checkName(name);
  const declaration = declarationOf(context.metadata);
  if (context.kind === "method") {
    exposedFunctions.set(value as object, info);
    declaration.services.delete(name);
    declaration.methods.set(name, context.name);
  } else if (context.kind === "field" || context.kind === "accessor") {
    declaration.methods.delete(name);
    declaration.services.set(name, context.name);
    if (context.kind === "field") {
      return function (initial) {
        adoptSubService(this, name, initial);
        return initial;
      };
    }
  } else {
    throw new TypeError(`${what}: only methods, fields and accessors can be exposed`);
  }
}
