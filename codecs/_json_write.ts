/**
 * Writing JSON that Python's `json.loads` reads back as the same value.
 *
 * Fast path: a value made only of strings, booleans, null, safe integers,
 * finite non-integral numbers, arrays and plain objects goes to
 * `JSON.stringify` unchanged; a quick walk checks that first. Everything
 * else (bigint, `NaN`, `±Infinity`, `-0`, integral numbers beyond 2^53, `Map`,
 * tagged values) is written by {@linkcode writeJson}, which follows
 * `JSON.stringify`'s rules for the rest (`undefined` object members are left
 * out, `undefined` array items are `null`).
 *
 * @module
 */

import { CodecError } from "./errors.ts";
import { type SerializerRegistry, TYPE_KEY } from "./serializers.ts";
import { describeValue } from "../internal/inspect.ts";

const objectProto = Object.prototype;
const quote = JSON.stringify as (value: string) => string;

/** Whether `JSON.stringify(value)` writes what Python must read. */
export function isPlainJson(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
    case "undefined":
      return true;
    case "number":
      return Number.isSafeInteger(value)
        ? value !== 0 || 1 / value > 0
        : Number.isFinite(value) && !Number.isInteger(value);
    case "object": {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i])) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== objectProto && proto !== null) return false;
      const record = value as Record<string, unknown>;
      for (const key in record) {
        if (!isPlainJson(record[key])) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** Writes `value` as JSON text, tagged values through `registry`. */
export function writeJson(value: unknown, registry: SerializerRegistry): string {
  return value === undefined ? "null" : write(value, registry);
}

function write(value: unknown, registry: SerializerRegistry): string {
  switch (typeof value) {
    case "string":
      return quote(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return writeNumber(value);
    case "bigint":
      return value.toString();
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ",";
          const item = value[i];
          out += item === undefined ? "null" : write(item, registry);
        }
        return out + "]";
      }
      const proto = Object.getPrototypeOf(value);
      if (proto === objectProto || proto === null) {
        return writeEntries(Object.entries(value), registry);
      }
      if (value instanceof Map) return writeEntries(value.entries(), registry);
      return writeTagged(value, registry);
    }
    case "function":
      return writeTagged(value, registry);
    default:
      throw new CodecError(`JSON cannot write ${describeValue(value)}`);
  }
}

function writeNumber(value: number): string {
  if (Number.isSafeInteger(value)) return value === 0 && 1 / value < 0 ? "-0.0" : String(value);
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  const text = String(value);
  // An integral value beyond 2^53 came from a float: keep it a float for Python.
  return Number.isInteger(value) && !/[.e]/.test(text) ? text + ".0" : text;
}

function writeEntries(entries: Iterable<[unknown, unknown]>, registry: SerializerRegistry): string {
  let out = "{";
  let first = true;
  for (const [key, item] of entries) {
    if (item === undefined) continue;
    if (!first) out += ",";
    first = false;
    out += quote(mapKey(key)) + ":" + write(item, registry);
  }
  return out + "}";
}

/** JSON keys are strings; like Python, numbers, booleans and null become their text. */
function mapKey(key: unknown): string {
  switch (typeof key) {
    case "string":
      return key;
    case "number":
      if (Number.isFinite(key)) return String(key);
      break;
    case "bigint":
      return key.toString();
    case "boolean":
      return key ? "true" : "false";
    case "object":
      if (key === null) return "null";
  }
  throw new CodecError(
    `JSON map keys must be strings, numbers, booleans or null, got ${describeValue(key)}`,
  );
}

function writeTagged(value: object, registry: SerializerRegistry): string {
  const tag = registry.serialize(value);
  if (tag === undefined) {
    const hint = ArrayBuffer.isView(value)
      ? " (JSON has no bytes: use the MsgPack codec, or register a serializer)"
      : " (register a serializer for it in extraSerializers)";
    throw new CodecError(`JSON cannot write ${describeValue(value)}${hint}`);
  }
  return `{"${TYPE_KEY}":[${writeNumber(tag[0])},${writeJson(tag[1], registry)}]}`;
}
