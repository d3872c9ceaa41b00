/**
 * How denomas shows values in text: the keys of the runtimes' inspection
 * hooks, short previews of untrusted values and the kind of a value for
 * error messages, and the message of anything thrown.
 *
 * @module
 */

/** The key of the method `Deno.inspect` (and so `console.log`) calls. */
export const INSPECT: unique symbol = Symbol.for("Deno.customInspect");
/** The key of the method Node's `util.inspect` calls. */
export const NODE_INSPECT: unique symbol = Symbol.for("nodejs.util.inspect.custom");

/** The longest preview, in characters. */
const PREVIEW_LENGTH = 80;

/**
 * A short preview of `value` as JSON-like text (bigints as `1n`, bytes as
 * `<n bytes>`), cut at 80 characters, for error messages. Never throws.
 */
export function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_key, v) => {
      if (typeof v === "bigint") return `${v}n`;
      if (v instanceof Uint8Array) return `<${v.length} bytes>`;
      return v;
    }) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > PREVIEW_LENGTH ? `${text.slice(0, PREVIEW_LENGTH)}…` : text;
}

/** Names what kind of value `value` is: `a Float64Array`, `a symbol`, `the string "x"`. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)}`;
    case "number":
    case "bigint":
    case "boolean":
      return `the ${typeof value} ${String(value)}`;
    case "undefined":
      return "undefined";
    case "symbol":
      return `a symbol (${String(value)})`;
    case "function":
      return `a function${value.name ? ` (${value.name})` : ""}`;
    default: {
      if (value === null) return "null";
      const name = Object.getPrototypeOf(value)?.constructor?.name;
      if (typeof name !== "string" || name === "") return "an object";
      return /^[AEIOU]/.test(name) ? `an ${name}` : `a ${name}`;
    }
  }
}

/** The message of a thrown value: `error.message` for an `Error`, else its text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
