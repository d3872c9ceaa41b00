/**
 * Internal: parameter lists read from source text, for keyword arguments of
 * exposed functions (rpc) and the fields of `@serializable` classes
 * (codecs). The one parser of parameter lists in denomas.
 *
 * @module
 */

/** How a function takes its arguments. */
export interface ParamSpec {
  /** Parameter names in order; `undefined` for a destructured parameter. */
  readonly names: readonly (string | undefined)[];
  /** Parameters before the first default or rest parameter: all required. */
  readonly required: number;
  /** Whether the last parameter is a rest parameter (`...rest`). */
  readonly rest: boolean;
}

const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;
const IDENTIFIER_PART = /[\p{ID_Continue}$\u200c\u200d]/u;

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
  const list = paramListOf(stripComments(Function.prototype.toString.call(fn)));
  if (list === undefined) {
    return {
      names: Array.from({ length: fn.length }, () => undefined),
      required: fn.length,
      rest: false,
    };
  }
  return parseParamList(list);
}

/**
 * Reads the parameters of the constructor that `cls` declares itself, as
 * {@linkcode parseParams} reads a function's: only the `constructor` member
 * at the top level of the class body counts, not one inside a method body, a
 * string or a field initialiser.
 *
 * @returns The parameters, or `undefined` when the class declares no
 * constructor (it then takes its parent's) or its source cannot be read.
 */
export function parseConstructorParams(
  cls: abstract new (...args: never[]) => unknown,
): ParamSpec | undefined {
  const source = stripComments(Function.prototype.toString.call(cls));
  const body = classBodyStart(source);
  if (body < 0) return undefined;
  // `atMember`: the next token starts a class member (after `{`, `;`, a
  // `{...}` group, or a line break that ends an expression by ASI).
  let i = body + 1;
  let atMember = true;
  let endsExpression = false;
  let previous = "";
  while (i < source.length) {
    const c = source[i];
    if (c === "}") return undefined;
    if (c === '"' || c === "'" || c === "`") {
      i = skipString(source, i);
      [atMember, endsExpression, previous] = [false, true, ""];
    } else if (c === "{") {
      i = skipBalanced(source, i);
      [atMember, endsExpression, previous] = [true, false, ""];
    } else if (c === "(" || c === "[") {
      i = skipBalanced(source, i);
      [atMember, endsExpression, previous] = [false, true, ""];
    } else if (IDENTIFIER_PART.test(c)) {
      let end = i + 1;
      while (end < source.length && IDENTIFIER_PART.test(source[end])) end++;
      const word = source.slice(i, end);
      if (
        word === "constructor" && atMember && previous !== "static" &&
        source.slice(end).trimStart()[0] === "("
      ) {
        const open = source.indexOf("(", end);
        return parseParamList(source.slice(open + 1, skipBalanced(source, open) - 1));
      }
      [atMember, endsExpression, previous] = [false, true, word];
      i = end;
    } else {
      if (c === ";") [atMember, endsExpression] = [true, false];
      else if (c === "\n") atMember ||= endsExpression;
      else if (c.trim() !== "") [atMember, endsExpression] = [false, false];
      if (c.trim() !== "") previous = "";
      i++;
    }
  }
  return undefined;
}

/** The index of the `{` that opens the body of the class whose source is `source`, or -1. */
function classBodyStart(source: string): number {
  const head = /^\s*class\b/.exec(source);
  if (head === null) return -1;
  // The heritage (`extends mixin({ ... })`) may hold brackets of its own.
  let i = head[0].length;
  while (i < source.length) {
    const c = source[i];
    if (c === "{") return i;
    if (c === '"' || c === "'" || c === "`") i = skipString(source, i);
    else if (c === "(" || c === "[") i = skipBalanced(source, i);
    else i++;
  }
  return -1;
}

/** Parses the text between the parentheses of a parameter list. */
function parseParamList(list: string): ParamSpec {
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
function paramListOf(source: string): string | undefined {
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
