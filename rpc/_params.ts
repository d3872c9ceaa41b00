/**
 * Internal: the parameter list of an exposed function, read once from its
 * source, and the binding of positional and keyword arguments to it.
 *
 * @module
 */

/** How an exposed function takes its arguments. */
export interface ParamSpec {
  /** Parameter names in order; `undefined` for a destructured parameter. */
  readonly names: readonly (string | undefined)[];
  /** Parameters before the first default or rest parameter: all required. */
  readonly required: number;
  /** Whether the last parameter is a rest parameter (`...rest`). */
  readonly rest: boolean;
}

const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;

/**
 * Reads the parameter list of `fn` from its source text.
 *
 * Understands methods, functions, arrow functions, async and generator forms,
 * defaults (with nested brackets, strings, templates and comments) and rest
 * parameters. Destructured parameters have no name: they can only be passed
 * positionally. When the source cannot be read (native or bound functions),
 * every parameter counted by `fn.length` is positional-only.
 */
export function parseParams(fn: (...args: never[]) => unknown): ParamSpec {
  const source = Function.prototype.toString.call(fn);
  const list = paramListOf(source);
  if (list === undefined) {
    return {
      names: Array.from({ length: fn.length }, () => undefined),
      required: fn.length,
      rest: false,
    };
  }
  const names: (string | undefined)[] = [];
  let rest = false;
  let required = -1;
  for (const raw of splitTopLevel(list)) {
    const text = raw.trim();
    if (text === "") continue; // trailing comma
    if (text.startsWith("...")) {
      rest = true;
      const name = text.slice(3).trim();
      names.push(IDENTIFIER.test(name) ? name : undefined);
      if (required < 0) required = names.length - 1;
      break;
    }
    const eq = topLevelIndexOf(text, "=");
    const head = (eq < 0 ? text : text.slice(0, eq)).trim();
    names.push(IDENTIFIER.test(head) ? head : undefined);
    if (eq >= 0 && required < 0) required = names.length - 1;
  }
  if (required < 0) required = names.length;
  return { names, required, rest };
}

/** Strips comments, so that the scanners below only see code and strings. */
function stripComments(source: string): string {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === "/" && source[i + 1] === "/") {
      const end = source.indexOf("\n", i);
      i = end < 0 ? source.length : end;
    } else if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end < 0 ? source.length : end + 2;
      out += " ";
    } else if (c === '"' || c === "'" || c === "`") {
      const end = skipString(source, i);
      out += source.slice(i, end);
      i = end;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The index just after the string literal starting at `start`. */
function skipString(source: string, start: number): number {
  const quote = source[start];
  let i = start + 1;
  while (i < source.length) {
    const c = source[i];
    if (c === "\\") i += 2;
    else if (c === quote) return i + 1;
    else if (quote === "`" && c === "$" && source[i + 1] === "{") {
      i = skipBalanced(source, i + 1);
    } else i++;
  }
  return i;
}

/** The index just after the bracket group starting at `start`. */
function skipBalanced(source: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < source.length) {
    const c = source[i];
    if (c === '"' || c === "'" || c === "`") {
      i = skipString(source, i);
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return i;
}

/** The text between the parentheses of the parameter list, or the single arrow parameter. */
function paramListOf(rawSource: string): string | undefined {
  const source = stripComments(rawSource);
  if (source.endsWith("{ [native code] }")) return undefined;
  const open = source.indexOf("(");
  const arrow = source.indexOf("=>");
  // `x => …` or `async x => …`: a single parameter without parentheses.
  if (arrow >= 0 && (open < 0 || arrow < open)) {
    const head = source.slice(0, arrow).trim().replace(/^async\s+/, "");
    return IDENTIFIER.test(head) ? head : undefined;
  }
  if (open < 0) return undefined;
  let start = open;
  // A computed method name (`[key](a) {}`) has brackets before the list.
  const bracket = source.indexOf("[");
  if (bracket >= 0 && bracket < open) {
    const afterName = skipBalanced(source, bracket);
    start = source.indexOf("(", afterName);
    if (start < 0) return undefined;
  }
  const end = skipBalanced(source, start);
  return source.slice(start + 1, end - 1);
}

/** Splits `list` at commas that are not nested in brackets or strings. */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  let i = 0;
  while (i < list.length) {
    const c = list[i];
    if (c === '"' || c === "'" || c === "`") {
      i = skipString(list, i);
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === "," && depth === 0) {
      parts.push(list.slice(from, i));
      from = i + 1;
    }
    i++;
  }
  parts.push(list.slice(from));
  return parts;
}

/** The first `=` of `text` outside brackets (`a = 1`, not `{a = 1}`). */
function topLevelIndexOf(text: string, char: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === char && depth === 0) return i;
  }
  return -1;
}

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
function argumentError(message: string): TypeError {
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
