/**
 * Serializers and subclasses: exact classes by default (as in aiomas), a
 * clear error for a subclass, and the `subclasses` opt-in.
 */

import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import {
  CodecError,
  Json,
  MsgPack,
  serializable,
  type Serializer,
  serializerOf,
  SerializerRegistry,
} from "../codecs/mod.ts";

class Point {
  constructor(readonly x: number, readonly y: number) {}
}
class Point3D extends Point {
  constructor(x: number, y: number, readonly z: number) {
    super(x, y);
  }
}
class Tagged extends Point3D {}

const point: Serializer<Point> = {
  type: Point,
  serialize: (p) => [p.x, p.y],
  deserialize: (data) => new Point(...(data as [number, number])),
};

Deno.test("a subclass of a class with a serializer is an error that names both and the remedies", () => {
  for (const codec of [new Json([point]), new MsgPack([point])]) {
    assertThrows(
      () => codec.encode([new Point3D(1, 2, 3)]),
      (e: Error) =>
        e instanceof CodecError &&
        /No serializer for Point3D, a subclass of Point/.test(e.message) &&
        /serializerOf\(Point3D\)/.test(e.message) && /subclasses: true/.test(e.message),
    );
    // Two levels down, the nearest parent with a serializer is named.
    assertThrows(() => codec.encode(new Tagged(1, 2, 3)), /Tagged, a subclass of Point:/);
    // The codec carries on.
    assertEquals(codec.decode(codec.encode(new Point(1, 2))), new Point(1, 2));
  }
});

Deno.test("subclasses: true writes subclass instances with the parent's serializer", () => {
  const codec = new MsgPack([{ ...point, subclasses: true }]);
  const back = codec.decode(codec.encode([new Point3D(1, 2, 3), new Tagged(4, 5, 6)]));
  assertEquals(back, [new Point(1, 2), new Point(4, 5)]);
  // A subclass's own serializer comes first.
  const own: Serializer<Point3D> = {
    type: Point3D,
    serialize: (p) => [p.x, p.y, p.z],
    deserialize: (data) => new Point3D(...(data as [number, number, number])),
  };
  const both = new Json([{ ...point, subclasses: true }, own]);
  assertEquals(both.decode(both.encode(new Point3D(1, 2, 3))), new Point3D(1, 2, 3));
  // The nearest parent with a serializer decides: Point3D's takes no subclasses, so
  // Tagged is not silently written as a Point (losing z).
  assertThrows(() => both.encode(new Tagged(7, 8, 9)), /Tagged, a subclass of Point3D:/);
});

Deno.test("a @serializable subclass registered on its own is written as itself", () => {
  @serializable
  class Base {
    constructor(readonly a: number) {}
  }
  @serializable
  class Derived extends Base {}
  const only = new MsgPack([serializerOf(Base)]);
  assertThrows(() => only.encode(new Derived(1)), /serializerOf\(Derived\)/);
  const codec = new MsgPack([serializerOf(Base), serializerOf(Derived)]);
  assert(codec.decode(codec.encode(new Derived(1))) instanceof Derived);
});

Deno.test("the fallback serializer still gets subclass instances it takes", () => {
  const registry = new SerializerRegistry([point]);
  registry.setFallback({
    test: (value) => value instanceof Point3D,
    serialize: () => "fallback",
    deserialize: (data) => data,
  });
  assertEquals(registry.serialize(new Point3D(1, 2, 3)), [1, "fallback"]);
  assertEquals(registry.serialize(new Map()), undefined);
});

Deno.test("CodecError is a DenomasError, also importable from the channel layer", async () => {
  const { DenomasError } = await import("../errors.ts");
  const channel = await import("../channel/mod.ts");
  const error = new CodecError("bad");
  assert(error instanceof DenomasError);
  assertEquals(error.name, "CodecError");
  assertEquals(channel.CodecError, CodecError);
});
