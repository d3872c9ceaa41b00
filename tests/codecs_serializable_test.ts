/**
 * `@serializable` classes: wire form, rebuilding, and their readable form.
 */

import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import {
  CodecError,
  Json,
  makeSerializable,
  MsgPack,
  serializable,
  serializerOf,
} from "../codecs/mod.ts";
import { bytesToHex, vector } from "./_vectors.ts";

@serializable
class Point {
  constructor(readonly x: number, readonly y: number) {}
}

@serializable({ fields: ["name", "tags"] })
class Labelled {
  readonly name: string;
  readonly tags: string[];
  constructor({ name, tags }: { name: string; tags: string[] }) {
    this.name = name;
    this.tags = tags;
  }
}

Deno.test("A @serializable class is written as the map of its constructor fields", () => {
  assertEquals(serializerOf(Point).serialize(new Point(1, 2)), { x: 1, y: 2 });
  const codec = new Json([serializerOf(Point)]);
  assertEquals(
    new TextDecoder().decode(codec.encode(new Point(1, 2))),
    '{"__type__":[0,{"x":1,"y":2}]}',
  );
});

Deno.test("A @serializable instance comes back as an instance of its class", () => {
  for (const codec of [new Json([serializerOf(Point)]), new MsgPack([serializerOf(Point)])]) {
    const back = codec.decode(codec.encode([new Point(1, 2.5)])) as Point[];
    assert(back[0] instanceof Point);
    assertEquals(back, [new Point(1, 2.5)]);
  }
});

Deno.test("The serializable MsgPack vector decodes to the class and re-encodes exactly", () => {
  @serializable
  class A {
    constructor(readonly x: number, readonly y: number) {}
  }
  const codec = new MsgPack([serializerOf(A)]);
  const v = vector("msgpack", "serializable object typeid 0");
  const decoded = codec.decode(v.payload) as unknown[];
  assertEquals(decoded[2], new A(1, 2));
  assertEquals(bytesToHex(codec.encode(decoded)), bytesToHex(v.payload));
});

Deno.test("@serializable gives a Python-like toString and inspect form", () => {
  assertEquals(String(new Point(1, 2)), "Point(x=1, y=2)");
  assertEquals(Deno.inspect(new Point(1, 2)), "Point(x=1, y=2)");
  assertEquals(
    String(new Labelled({ name: "a", tags: ["b"] })),
    'Labelled(name="a", tags=["b"])',
  );
  assertEquals(Deno.inspect([new Point(3, 4)]), "[ Point(x=3, y=4) ]");
});

Deno.test("@serializable keeps a toString the class defines and can skip the repr", () => {
  @serializable
  class Own {
    constructor(readonly v: number) {}
    toString(): string {
      return `own ${this.v}`;
    }
  }
  assertEquals(String(new Own(1)), "own 1");
  @serializable({ repr: false })
  class Quiet {
    constructor(readonly v: number) {}
  }
  assertEquals(String(new Quiet(1)), "[object Object]");
});

Deno.test("@serializable with fields handles constructors it cannot read", () => {
  const codec = new MsgPack([serializerOf(Labelled)]);
  const value = new Labelled({ name: "n", tags: ["t"] });
  // The fields go to the constructor positionally; this one takes one object.
  assertEquals(serializerOf(Labelled).serialize(value), { name: "n", tags: ["t"] });
  assert(codec.decode(codec.encode(value)) instanceof Labelled);
});

Deno.test("@serializable refuses a constructor whose parameters it cannot read", () => {
  assertThrows(
    () => {
      @serializable
      class Destructured {
        constructor({ a }: { a: number }) {
          void a;
        }
      }
      void Destructured;
    },
    (e: Error) => e instanceof TypeError && /fields/.test(e.message),
  );
});

Deno.test("makeSerializable works without decorators; defaults apply to missing fields", () => {
  class Config {
    constructor(readonly host: string, readonly port = 5555) {}
  }
  const serializer = makeSerializable(Config);
  assertEquals(serializerOf(Config), serializer);
  assertEquals(serializer.deserialize({ host: "h" }), new Config("h", 5555));
  assertEquals(
    serializer.deserialize(new Map<string, unknown>([["host", "m"], ["port", 1]])),
    new Config("m", 1),
  );
  assertThrows(() => serializer.deserialize([1, 2]), CodecError);
  assertThrows(() => serializer.deserialize("x"), CodecError);
});

Deno.test("A subclass inherits its parent's fields when it has no constructor", () => {
  @serializable
  class Base {
    constructor(readonly a: number, readonly b: number) {}
  }
  @serializable
  class Derived extends Base {}
  assertEquals(serializerOf(Derived).serialize(new Derived(1, 2)), { a: 1, b: 2 });
  assertEquals(String(new Derived(1, 2)), "Derived(a=1, b=2)");
  // Exact-type matching: each class has its own serializer and type id.
  const codec = new MsgPack([serializerOf(Base), serializerOf(Derived)]);
  const back = codec.decode(codec.encode([new Base(1, 2), new Derived(3, 4)])) as Base[];
  assert(!(back[0] instanceof Derived));
  assert(back[1] instanceof Derived);
});

Deno.test("serializerOf refuses a class that is not serializable", () => {
  class Plain {}
  assertThrows(
    () => serializerOf(Plain),
    (e: Error) => e instanceof TypeError && /Plain/.test(e.message),
  );
});

function scale(n: number): number {
  return n * 10;
}

Deno.test("@serializable reads defaults with calls and commas: constructor(a = f(1), b)", () => {
  @serializable
  class Defaults {
    constructor(readonly a = scale(1), readonly b?: number, readonly c = [1, 2].join(",")) {}
  }
  assertEquals(serializerOf(Defaults).serialize(new Defaults()), { a: 10, b: undefined, c: "1,2" });
  assertEquals(serializerOf(Defaults).deserialize({ b: 2 }), new Defaults(10, 2));
  // Plain JavaScript source, exactly the form of the issue.
  const Plain = new Function(
    "f",
    "return class Plain { constructor(a = f(1), b) { this.a = a; this.b = b; } }",
  )(scale);
  assertEquals(makeSerializable(Plain).serialize(new Plain(undefined, 2)), { a: 10, b: 2 });
});

Deno.test("@serializable reads the class's own constructor, not text that looks like one", () => {
  const Tricky = new Function(
    "return class Tricky { static constructor(z) {} label = 'constructor(q)'; " +
      "describe() { return `constructor(${this.x})`; } constructor(x, y) { this.x = x; this.y = y; } }",
  )();
  assertEquals(makeSerializable(Tricky).serialize(new Tricky(1, 2)), { x: 1, y: 2 });
  const Heritage = new Function(
    "Base",
    "return class Heritage extends ((B) => { return class extends B {} })(Base) { constructor(p) { super(); this.p = p; } }",
  )(class {});
  assertEquals(makeSerializable(Heritage).serialize(new Heritage(5)), { p: 5 });
});

Deno.test("@serializable refuses rest parameters", () => {
  class Rest {
    readonly parts: number[];
    constructor(...parts: number[]) {
      this.parts = parts;
    }
  }
  assertThrows(() => makeSerializable(Rest), (e: Error) => /rest parameter/.test(e.message));
});
