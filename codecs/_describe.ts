/**
 * Short descriptions of values for error messages.
 *
 * @module
 */

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
      return typeof name === "string" && name !== "" ? `a ${name}` : "an object";
    }
  }
}
