/**
 * Internal: the binding of positional and keyword arguments to the parameter
 * list of an exposed function.
 *
 * @module
 */

import type { ParamSpec } from "../internal/params.ts";

/**
 * Checks positional `args` against `spec`, for calls without keyword
 * arguments.
 *
 * @throws {TypeError} on too few or too many arguments, worded like Python.
 */
export function checkArity(name: string, spec: ParamSpec, count: number): void {
  if (count < spec.required) {
    const missing: string[] = [];
    for (let i = count; i < spec.required; i++) missing.push(label(spec, i));
    throw argumentError(
      `${name}() missing ${missing.length} required positional argument${
        missing.length === 1 ? "" : "s"
      }: ${quoteList(missing)}`,
    );
  }
  if (!spec.rest && count > spec.names.length) {
    const n = spec.names.length;
    throw argumentError(
      `${name}() takes ${n} positional argument${n === 1 ? "" : "s"} but ${count} ${
        count === 1 ? "was" : "were"
      } given`,
    );
  }
}

/**
 * Merges keyword arguments into the positional ones by parameter name.
 *
 * @returns The argument list to apply.
 * @throws {TypeError} on an unknown keyword, a keyword that repeats a
 * positional argument, or a missing required argument.
 */
export function bindKwargs(
  name: string,
  spec: ParamSpec,
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>> | ReadonlyMap<unknown, unknown>,
): unknown[] {
  const bound: unknown[] = args.slice();
  const given = new Array<boolean>(Math.max(spec.names.length, args.length)).fill(false);
  for (let i = 0; i < args.length; i++) given[i] = true;
  const entries = kwargs instanceof Map ? kwargs.entries() : Object.entries(kwargs);
  const positional = spec.rest ? spec.names.length - 1 : spec.names.length;
  for (const [key, value] of entries) {
    const index = typeof key === "string" ? spec.names.indexOf(key) : -1;
    if (index < 0 || index >= positional) {
      throw argumentError(`${name}() got an unexpected keyword argument ${quote(key)}`);
    }
    if (given[index]) {
      throw argumentError(`${name}() got multiple values for argument ${quote(key)}`);
    }
    bound[index] = value;
    given[index] = true;
  }
  const missing: string[] = [];
  for (let i = 0; i < spec.required; i++) if (!given[i]) missing.push(label(spec, i));
  if (missing.length > 0) {
    throw argumentError(
      `${name}() missing ${missing.length} required argument${missing.length === 1 ? "" : "s"}: ${
        quoteList(missing)
      }`,
    );
  }
  if (!spec.rest && args.length > spec.names.length) checkArity(name, spec, args.length);
  return bound;
}

/** A `TypeError` without stack frames: they would only show RPC internals to the caller. */
export function argumentError(message: string): TypeError {
  const error = new TypeError(message);
  error.stack = `TypeError: ${message}`;
  return error;
}

function quote(value: unknown): string {
  return typeof value === "string" ? `'${value}'` : String(value);
}

function label(spec: ParamSpec, index: number): string {
  const name = spec.names[index];
  return name === undefined ? `#${index + 1}` : `'${name}'`;
}

function quoteList(quoted: readonly string[]): string {
  if (quoted.length <= 1) return quoted.join("");
  return `${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)}`;
}
