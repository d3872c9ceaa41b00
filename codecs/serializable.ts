/**
 * `@serializable`: user classes on the wire as maps of their constructor
 * fields, like aiomas' `@serializable` decorator.
 *
 * @module
 */

import { CodecError } from "./errors.ts";
import type { Serializer } from "./serializers.ts";
import { describeValue, INSPECT, NODE_INSPECT } from "../internal/inspect.ts";
import { parseConstructorParams } from "../internal/params.ts";

/** A class that {@linkcode serializable} can rebuild with `new`. */
// deno-lint-ignore no-explicit-any
export type SerializableClass = new (...args: any[]) => any;

/** Options of {@linkcode serializable} and {@linkcode makeSerializable}. */
export interface SerializableOptions {
  /**
   * The constructor parameters, in order, each also readable as a property
   * of the same name on instances.
   *
   * @default the parameter names read from the class's constructor source
   */
  readonly fields?: readonly string[];
  /**
   * Whether to add a `toString()` and a Deno/Node inspect form such as
   * `Point(x=1, y=2)` (never replacing a `toString` the class defines).
   *
   * @default {true}
   */
  readonly repr?: boolean;
}

const serializers = new WeakMap<SerializableClass, Serializer>();
const fieldsOf = new WeakMap<SerializableClass, readonly string[]>();

/**
 * Class decorator (TC39) that makes instances travel as a map of their
 * constructor fields, `{"__type__": [id, {"x": 1, "y": 2}]}`, and come back
 * as `new Point(1, 2)`. Use it bare (`@serializable`) when the constructor's
 * parameters are plain names that are also instance properties (TypeScript
 * parameter properties are), or pass the fields (`@serializable({ fields:
 * ["x", "y"] })`) when they cannot be read from the source (destructuring,
 * rest parameters, minified code).
 *
 * Register the class on both peers, in the same position, with
 * `extraSerializers: [serializerOf(Point)]` (the Python side registers
 * `Point.__serializer__()`). Only exact instances are written: a subclass
 * is decorated and registered on its own. Missing fields on the wire are passed as `undefined` (so
 * parameter defaults apply); extra fields are ignored.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { MsgPack, serializable, serializerOf } from "@denomas/denomas/codecs";
 *
 * @serializable
 * class Point {
 *   constructor(readonly x: number, readonly y: number) {}
 * }
 *
 * const codec = new MsgPack([serializerOf(Point)]);
 * const back = codec.decode(codec.encode(new Point(1, 2)));
 * assertEquals(back, new Point(1, 2));
 * assertEquals(String(back), "Point(x=1, y=2)");
 * assertEquals(serializerOf(Point).serialize(new Point(3, 4)), { x: 3, y: 4 });
 * ```
 */
export function serializable<C extends SerializableClass>(
  target: C,
  context: ClassDecoratorContext<C>,
): void;
/** Class decorator with options: `@serializable({ fields: ["x", "y"] })`. */
export function serializable(
  options: SerializableOptions,
): <C extends SerializableClass>(target: C, context: ClassDecoratorContext<C>) => void;
export function serializable<C extends SerializableClass>(
  targetOrOptions: C | SerializableOptions,
  _context?: ClassDecoratorContext<C>,
): void | (<D extends SerializableClass>(target: D, context: ClassDecoratorContext<D>) => void) {
  if (typeof targetOrOptions === "function") {
    makeSerializable(targetOrOptions);
    return;
  }
  const options = targetOrOptions;
  return (target) => {
    makeSerializable(target, options);
  };
}

/**
 * Makes `cls` serializable without decorator syntax and returns its
 * serializer (the same one {@linkcode serializerOf} gives later).
 *
 * @throws {TypeError} when the fields cannot be read from the constructor;
 * pass `fields` then.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { Json, makeSerializable } from "@denomas/denomas/codecs";
 *
 * class Pair {
 *   first: string;
 *   second: number;
 *   constructor(first: string, second: number) {
 *     this.first = first;
 *     this.second = second;
 *   }
 * }
 * const codec = new Json([makeSerializable(Pair)]);
 * assertEquals(new TextDecoder().decode(codec.encode(new Pair("a", 1))), '{"__type__":[0,{"first":"a","second":1}]}');
 * ```
 */
export function makeSerializable<C extends SerializableClass>(
  cls: C,
  options: SerializableOptions = {},
): Serializer<InstanceType<C>> {
  const existing = serializers.get(cls);
  if (existing) return existing;
  const fields = [...(options.fields ?? constructorParameters(cls))];
  for (const field of fields) {
    if (typeof field !== "string") {
      throw new TypeError(`Fields of ${cls.name} must be strings, got ${describeValue(field)}`);
    }
  }
  const serializer: Serializer<InstanceType<C>> = {
    type: cls,
    serialize(value: InstanceType<C>): Record<string, unknown> {
      const data: Record<string, unknown> = {};
      for (const field of fields) data[field] = value[field];
      return data;
    },
    deserialize(data: unknown): InstanceType<C> {
      if (typeof data !== "object" || data === null || Array.isArray(data)) {
        throw new CodecError(
          `${cls.name} is written as a map of its fields (${fields.join(", ")}), got ${
            describeValue(data)
          }`,
        );
      }
      const get = data instanceof Map
        ? (field: string) => data.get(field)
        : (field: string) =>
          Object.hasOwn(data, field) ? (data as Record<string, unknown>)[field] : undefined;
      return new cls(...fields.map(get));
    },
  };
  serializers.set(cls, serializer);
  fieldsOf.set(cls, fields);
  if (options.repr ?? true) addRepr(cls);
  return serializer;
}

/**
 * The serializer of a class made serializable with {@linkcode serializable}
 * or {@linkcode makeSerializable}, for `extraSerializers`.
 *
 * @throws {TypeError} when `cls` is not serializable.
 */
export function serializerOf<C extends SerializableClass>(cls: C): Serializer<InstanceType<C>> {
  const serializer = serializers.get(cls);
  if (!serializer) {
    throw new TypeError(
      `${cls?.name || describeValue(cls)} is not serializable: decorate it with @serializable`,
    );
  }
  return serializer;
}

/** `Name(field=value, ...)` for an instance of a serializable class. */
function repr(value: Record<string, unknown>, format: (v: unknown) => string): string {
  const cls = value.constructor as SerializableClass;
  const fields = fieldsOf.get(cls) ?? [];
  return `${cls.name}(${fields.map((f) => `${f}=${format(value[f])}`).join(", ")})`;
}

// Shared by every serializable class, so subclasses get their own name and fields.
function reprToString(this: Record<string, unknown>): string {
  return repr(this, formatValue);
}

function reprDenoInspect(
  this: Record<string, unknown>,
  inspect: (value: unknown, options?: unknown) => string,
  options?: unknown,
): string {
  return repr(this, (v) => inspect(v, options));
}

function reprNodeInspect(
  this: Record<string, unknown>,
  _depth: number,
  options: unknown,
  inspect?: (value: unknown, options?: unknown) => string,
): string {
  return repr(this, (v) => (inspect ? inspect(v, options) : formatValue(v)));
}

function addRepr(cls: SerializableClass): void {
  const proto = cls.prototype;
  const install = (key: PropertyKey, fn: unknown, inherited: unknown) => {
    const current = proto[key];
    if (current === fn || (current !== undefined && current !== inherited)) return;
    Object.defineProperty(proto, key, { value: fn, writable: true, configurable: true });
  };
  install("toString", reprToString, Object.prototype.toString);
  install(INSPECT, reprDenoInspect, undefined);
  install(NODE_INSPECT, reprNodeInspect, undefined);
}

function formatValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "bigint":
      return `${value}n`;
    case "object":
      if (value === null) return "null";
      if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
      if (value.toString !== Object.prototype.toString) return String(value);
      return typeof Deno !== "undefined" ? Deno.inspect(value) : String(value);
    default:
      return String(value);
  }
}

/** Reads the constructor's parameter names from the class source. */
function constructorParameters(cls: SerializableClass): string[] {
  const spec = parseConstructorParams(cls);
  if (spec === undefined) {
    // No own constructor: the parent's parameters (or none).
    const parent = Object.getPrototypeOf(cls);
    if (typeof parent === "function" && parent !== Function.prototype) {
      return [...(fieldsOf.get(parent) ?? constructorParameters(parent))];
    }
    return [];
  }
  const unnamed = spec.names.findIndex((name) => name === undefined);
  if (unnamed >= 0 || spec.rest) {
    const which = spec.rest ? "a rest parameter" : `parameter ${unnamed + 1} is destructured`;
    throw new TypeError(
      `Cannot read the constructor parameters of ${cls.name} (${which}): pass them as @serializable({ fields: [...] })`,
    );
  }
  return spec.names as string[];
}
