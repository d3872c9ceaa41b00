/**
 * Reading JSON the way Python's `json.loads` does: bare `NaN`, `Infinity`
 * and `-Infinity`, integers of any size, and `__type__` tags.
 *
 * The fast path is one `JSON.parse`. Only text that might hold one of the
 * extras takes the slow path: text with a `__type__` key (possibly spelled
 * with escapes), text that `JSON.parse` rejects and that holds a
 * `NaN`/`Infinity` token, and text whose parsed value holds an integer
 * beyond the safe range (whose digits only the source has). On the slow
 * path, the non-standard tokens are replaced by sentinel number literals
 * that do not occur in the text, and a `JSON.parse` reviver uses the source
 * text of each number (JSON.parse source access) to restore them and to read
 * big integers as `bigint`.
 *
 * @module
 */

import { CodecError } from "./errors.ts";
import { type SerializerRegistry, TYPE_KEY } from "./serializers.ts";

/**
 * `\u` escapes of the characters of `__type__` (`_` 5f, `e` 65, `p` 70,
 * `t` 74, `y` 79): a key spelled with them is a `__type__` key too.
 */
const ESCAPED_TYPE_CHAR = /\\u00(?:5[fF]|65|7[049])/;
const INTEGER_SOURCE = /^-?\d+$/;

/**
 * Decoding with `fatal: true` costs ~10x more than without, so text is
 * decoded leniently and checked for U+FFFD (the replacement character);
 * only text holding one is decoded again strictly to tell.
 */
const textDecoder = new TextDecoder("utf-8", { ignoreBOM: true });
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const fromCharCode = String.fromCharCode;
/** Inputs up to this many bytes are turned into text by a JS loop when ASCII. */
const SMALL_INPUT = 256;
/** `codeArrays[n]`: a reused array of `n` char codes, made on first use. */
const codeArrays: number[][] = [];
/** Byte classes for the scan of small inputs: 1 = digit, 2 = may start something special. */
const BYTE_CLASS = new Uint8Array(128);
for (const c of "0123456789") BYTE_CLASS[c.charCodeAt(0)] = 1;
for (const c of "NI_\\") BYTE_CLASS[c.charCodeAt(0)] = 2;

/**
 * Parses UTF-8 JSON bytes into values, replacing tagged maps through
 * `registry`.
 *
 * Small ASCII input (what Python sends: it escapes everything else) is turned
 * into text by a JS loop that also looks for anything that may need the slow
 * path, so the common message costs one scan and one `JSON.parse`.
 */
export function parseJsonBytes(bytes: Uint8Array, registry: SerializerRegistry): unknown {
  const length = bytes.length;
  if (length <= SMALL_INPUT) {
    const codes = codeArrays[length] ??= new Array(length).fill(0);
    let special = false;
    let digits = 0;
    let i = 0;
    for (; i < length; i++) {
      const c = bytes[i];
      if (c >= 0x80) break;
      codes[i] = c;
      const kind = BYTE_CLASS[c];
      if (kind === 0) {
        digits = 0;
      } else if (kind === 1) {
        if (++digits >= 16) special = true;
      } else {
        special = true;
      }
    }
    if (i === length) {
      const text = fromCharCode.apply(null, codes);
      return special ? parseJson(text, registry) : parseFast(text);
    }
  }
  return parseJson(decodeUtf8(bytes), registry);
}

/** Parses JSON text into values, replacing tagged maps through `registry`. */
export function parseJson(text: string, registry: SerializerRegistry): unknown {
  if (text.includes("__type__") || (text.includes("\\u00") && ESCAPED_TYPE_CHAR.test(text))) {
    return parseSlow(text, registry);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (text.includes("NaN") || text.includes("Infinity")) return parseSlow(text, registry);
    throw syntaxError(error);
  }
  return hasUnsafeInteger(value) ? parseSlow(text, registry) : value;
}

/**
 * Whether a parsed value holds an integral number beyond the safe range: its
 * source may be an integer that must be read as a `bigint` (the slow path
 * decides from the source). Walks with an explicit stack, as deep as
 * `JSON.parse` went.
 */
function hasUnsafeInteger(value: unknown): boolean {
  if (typeof value === "number") return isUnsafeInteger(value);
  if (typeof value !== "object" || value === null) return false;
  const stack: object[] = [value];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item = node[i];
        if (typeof item === "number") {
          if (isUnsafeInteger(item)) return true;
        } else if (typeof item === "object" && item !== null) {
          stack.push(item);
        }
      }
    } else {
      for (const key in node) {
        const item = (node as Record<string, unknown>)[key];
        if (typeof item === "number") {
          if (isUnsafeInteger(item)) return true;
        } else if (typeof item === "object" && item !== null) {
          stack.push(item);
        }
      }
    }
  }
  return false;
}

function isUnsafeInteger(value: number): boolean {
  return (value > Number.MAX_SAFE_INTEGER || value < Number.MIN_SAFE_INTEGER) &&
    Number.isFinite(value);
}

function decodeUtf8(bytes: Uint8Array): string {
  const text = textDecoder.decode(bytes);
  if (!text.includes("\uFFFD")) return text;
  try {
    return strictDecoder.decode(bytes);
  } catch (error) {
    throw new CodecError("JSON data is not valid UTF-8", { cause: error });
  }
}

function parseFast(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw syntaxError(error);
  }
}

function parseSlow(text: string, registry: SerializerRegistry): unknown {
  let nan = "";
  let inf = "";
  let negInf = "";
  if (text.includes("NaN") || text.includes("Infinity")) {
    nan = uniqueSentinel(text, "1e-9990");
    inf = uniqueSentinel(text, "1e-9991");
    negInf = uniqueSentinel(text, "1e-9992");
    text = replaceTokens(text, nan, inf, negInf);
  }
  const reviver = function (
    this: unknown,
    _key: string,
    value: unknown,
    context?: { source?: string },
  ): unknown {
    if (typeof value === "number") {
      const source = context?.source;
      if (source === undefined) return value;
      if (nan !== "") {
        if (source === nan) return NaN;
        if (source === inf) return Infinity;
        if (source === negInf) return -Infinity;
      }
      if (!Number.isSafeInteger(value) && INTEGER_SOURCE.test(source)) return BigInt(source);
      return value;
    }
    if (
      typeof value === "object" && value !== null && !Array.isArray(value) &&
      Object.hasOwn(value, TYPE_KEY)
    ) {
      return registry.deserialize((value as Record<string, unknown>)[TYPE_KEY]);
    }
    return value;
  };
  try {
    // deno-lint-ignore no-explicit-any
    return JSON.parse(text, reviver as any);
  } catch (error) {
    if (error instanceof SyntaxError) throw syntaxError(error);
    throw error;
  }
}

/** `base` followed by as many zeros as needed to not occur in `text`. */
function uniqueSentinel(text: string, base: string): string {
  let sentinel = base;
  while (text.includes(sentinel)) sentinel += "0";
  return sentinel;
}

/**
 * Replaces the bare tokens `NaN`, `Infinity` and `-Infinity` (outside
 * strings) by the sentinel number literals.
 */
function replaceTokens(text: string, nan: string, inf: string, negInf: string): string {
  let out = "";
  let last = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string, honouring backslash escapes.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x4e /* N */ && text.startsWith("NaN", i)) {
      out += text.slice(last, i) + nan;
      last = i + 3;
      i += 2;
    } else if (c === 0x49 /* I */ && text.startsWith("Infinity", i)) {
      out += text.slice(last, i) + inf;
      last = i + 8;
      i += 7;
    } else if (c === 0x2d /* - */ && text.startsWith("-Infinity", i)) {
      out += text.slice(last, i) + negInf;
      last = i + 9;
      i += 8;
    }
  }
  return out + text.slice(last);
}

function syntaxError(error: unknown): CodecError {
  const message = error instanceof Error ? error.message : String(error);
  return new CodecError(`Invalid JSON: ${message}`, { cause: error });
}
