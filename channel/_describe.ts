/**
 * Short, safe previews of untrusted values for error messages.
 *
 * @module
 */

/** The longest preview, in characters. */
const PREVIEW_LENGTH = 80;

/** A short preview of `value`, for error messages. Never throws. */
export function describe(value: unknown): string {
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
