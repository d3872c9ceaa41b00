/**
 * Extra serializers: how values that no codec knows natively travel as
 * tagged maps `{"__type__": [typeid, data]}`.
 *
 * @module
 */

import { CodecError } from "./errors.ts";
import { preview } from "../internal/inspect.ts";

/** The key that marks a tagged value on the wire. */
export const TYPE_KEY = "__type__";

/** Any class. */
// deno-lint-ignore no-explicit-any
export type Constructor = abstract new (...args: any[]) => unknown;

/**
 * Writes instances of one class (or a few interchangeable classes) as data the
 * base codec knows, and reads them back.
 *
 * @example A serializer for a small class
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { SerializerRegistry, type Serializer } from "@denomas/denomas/codecs";
 *
 * class Point {
 *   constructor(readonly x: number, readonly y: number) {}
 * }
 * const point: Serializer<Point> = {
 *   type: Point,
 *   serialize: (p) => [p.x, p.y],
 *   deserialize: (data) => new Point(...(data as [number, number])),
 * };
 * const registry = new SerializerRegistry([point]);
 * assertEquals(registry.serialize(new Point(1, 2)), [0, [1, 2]]);
 * ```
 */
// deno-lint-ignore no-explicit-any
export interface Serializer<T = any> {
  /**
   * The class (or classes) this serializer writes. Only direct instances
   * match, as in aiomas, unless {@linkcode Serializer.subclasses} is set;
   * an instance of a subclass is a {@linkcode CodecError} that says so.
   */
  readonly type: Constructor | readonly Constructor[];
  /**
   * Whether instances of subclasses of {@linkcode Serializer.type} are
   * written by this serializer too (a subclass's own serializer still comes
   * first). They come back as whatever `deserialize` makes, usually an
   * instance of the parent class.
   *
   * @default {false}
   */
  readonly subclasses?: boolean;
  /** Turns a value into data the base codec can write. */
  serialize(value: T): unknown;
  /** Turns the written data back into a value. */
  deserialize(data: unknown): T;
}

/**
 * The catch-all serializer, tried when no exact-type serializer matched. The
 * RPC layer uses it to send objects that carry a router as proxies.
 */
export interface FallbackSerializer {
  /** Whether this serializer writes `value`. */
  test(value: object): boolean;
  /** Turns a value into data the base codec can write. */
  serialize(value: object): unknown;
  /** Turns the written data back into a value. */
  deserialize(data: unknown): unknown;
}

interface Entry {
  readonly typeid: number;
  readonly serialize: (value: never) => unknown;
  readonly subclasses: boolean;
}

/**
 * The serializers of one codec instance. Type ids are the registration order
 * and are not negotiated: both peers must register the same serializers in
 * the same order.
 *
 * @example Type ids follow registration order
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { SerializerRegistry } from "@denomas/denomas/codecs";
 *
 * const registry = new SerializerRegistry();
 * const id = registry.add<Set<unknown>>({
 *   type: Set,
 *   serialize: (set) => [...set],
 *   deserialize: (data) => new Set(data as unknown[]),
 * });
 * assertEquals(id, 0);
 * assertEquals(registry.deserialize([0, [1, 2]]), new Set([1, 2]));
 * ```
 */
export class SerializerRegistry {
  #byType = new Map<unknown, Entry>();
  #decoders: ((data: unknown) => unknown)[] = [];
  #fallback: (Entry & { readonly test: (value: object) => boolean }) | undefined;

  /** Registers `serializers` in order, so the first gets type id 0. */
  constructor(serializers: Iterable<Serializer> = []) {
    for (const serializer of serializers) this.add(serializer);
  }

  /** How many type ids are taken. */
  get size(): number {
    return this.#decoders.length;
  }

  /**
   * Registers a serializer under the next free type id.
   *
   * @returns The type id.
   * @throws {TypeError} when one of its classes already has a serializer.
   */
  add<T>(serializer: Serializer<T>): number {
    const typeid = this.#decoders.length;
    const types = Array.isArray(serializer.type) ? serializer.type : [serializer.type];
    for (const type of types) {
      if (this.#byType.has(type)) {
        throw new TypeError(`A serializer for ${type.name} is already registered`);
      }
    }
    const entry: Entry = {
      typeid,
      serialize: serializer.serialize.bind(serializer),
      subclasses: serializer.subclasses === true,
    };
    for (const type of types) this.#byType.set(type, entry);
    this.#decoders.push(serializer.deserialize.bind(serializer));
    return typeid;
  }

  /**
   * Registers the fallback serializer under the next free type id.
   *
   * @returns The type id.
   * @throws {TypeError} when a fallback is already registered.
   */
  setFallback(serializer: FallbackSerializer): number {
    if (this.#fallback) throw new TypeError("A fallback serializer is already registered");
    const typeid = this.#decoders.length;
    this.#fallback = {
      typeid,
      test: serializer.test.bind(serializer),
      serialize: serializer.serialize.bind(serializer),
      subclasses: false,
    };
    this.#decoders.push(serializer.deserialize.bind(serializer));
    return typeid;
  }

  /**
   * Finds the serializer for `value` by its exact class, then one of a parent
   * class that writes subclasses, then tries the fallback.
   *
   * @returns `[typeid, data]` for the `__type__` tag, or `undefined` when no
   * serializer writes `value`.
   * @throws {CodecError} when no serializer writes `value` but one of a
   * parent class would with `subclasses: true`.
   */
  serialize(value: object): [number, unknown] | undefined {
    const entry = this.#byType.get(value.constructor);
    if (entry) return [entry.typeid, entry.serialize(value as never)];
    const parent = this.#parentEntry(value);
    if (parent?.entry.subclasses) {
      return [parent.entry.typeid, parent.entry.serialize(value as never)];
    }
    const fallback = this.#fallback;
    if (fallback?.test(value)) return [fallback.typeid, fallback.serialize(value as never)];
    if (parent !== undefined) throw subclassError(value, parent.type);
    return undefined;
  }

  /** The nearest parent class of `value`'s class that has a serializer, with it. */
  #parentEntry(value: object): { type: Constructor; entry: Entry } | undefined {
    if (this.#byType.size === 0) return undefined;
    const own = Object.getPrototypeOf(value);
    for (
      let proto = own === null ? null : Object.getPrototypeOf(own);
      proto !== null && proto !== Object.prototype;
      proto = Object.getPrototypeOf(proto)
    ) {
      const type = Object.getOwnPropertyDescriptor(proto, "constructor")?.value;
      const entry = type === undefined ? undefined : this.#byType.get(type);
      if (entry !== undefined) return { type, entry };
    }
    return undefined;
  }

  /**
   * Reads the value of a `__type__` key back into a value.
   *
   * @throws {CodecError} when the tag is not `[typeid, data]` or the type id
   * is unknown.
   */
  deserialize(tag: unknown): unknown {
    if (!Array.isArray(tag) || tag.length !== 2) {
      throw new CodecError(`A ${TYPE_KEY} tag must be [typeid, data], got ${preview(tag)}`);
    }
    const decode = typeof tag[0] === "number" ? this.#decoders[tag[0]] : undefined;
    if (decode === undefined) {
      throw new CodecError(
        `Unknown type id ${
          preview(tag[0])
        } in a ${TYPE_KEY} tag (${this.size} serializers registered)`,
      );
    }
    return decode(tag[1]);
  }
}

function subclassError(value: object, parent: Constructor): CodecError {
  const name = value.constructor?.name || "(anonymous class)";
  return new CodecError(
    `No serializer for ${name}, a subclass of ${parent.name}: serializers write only instances ` +
      `of their exact classes, as in aiomas. Register one for ${name} on both peers (for a ` +
      `@serializable class: serializerOf(${name})), or set subclasses: true on the serializer ` +
      `of ${parent.name} to write subclasses as ${parent.name}`,
  );
}
