/**
 * The Python wire vectors against our JSON and MsgPack codecs.
 */

import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import {
  type Codec,
  CodecError,
  dateSerializer,
  type FallbackSerializer,
  Json,
  MsgPack,
  serializable,
  type Serializer,
  serializerOf,
  SerializerRegistry,
} from "../codecs/mod.ts";
import { bytesToHex, messageWithTags, vector, vectorsFor, type WireVector } from "./_vectors.ts";

/**
 * The MsgPack vectors whose message holds a Python float with an integral
 * value: JS reads it as an int and writes it back as one, so only decoding
 * is checked byte-exactly.
 */
const INTEGRAL_FLOAT_VECTORS = ["float 0.0", "float 2.0"];

const TAGGED_KINDS = ["proxy", "date", "serializable", "extra"] as const;

/** What a proxy tag decodes to in these tests. */
class FakeProxy {
  constructor(readonly path: string) {}
}

function proxySerializer(): FallbackSerializer {
  return {
    test: (value) => value instanceof FakeProxy,
    serialize: (value) => (value as FakeProxy).path,
    deserialize: (data) => new FakeProxy(data as string),
  };
}

/** The class behind the "serializable object" vector: `@serializable class A(x, y)`. */
@serializable
class A {
  constructor(readonly x: number, readonly y: number) {}
}

/** The "user extra serializer" vector: a 2D vector written as `[x, y]`. */
class Vec {
  constructor(readonly x: number, readonly y: number) {}
}
const vecSerializer: Serializer<Vec> = {
  type: Vec,
  serialize: (v) => [v.x, v.y],
  deserialize: (data) => new Vec(...(data as [number, number])),
};

/** A registry set up the way the vector's notes say. */
function registryFor(v: WireVector): SerializerRegistry {
  switch (v.kind) {
    case "proxy": {
      const registry = new SerializerRegistry(v.name.includes("container") ? [dateSerializer] : []);
      registry.setFallback(proxySerializer());
      return registry;
    }
    case "date": {
      const registry = new SerializerRegistry([dateSerializer]);
      registry.setFallback(proxySerializer());
      return registry;
    }
    case "serializable":
      return new SerializerRegistry([serializerOf(A)]);
    case "extra":
      return new SerializerRegistry([vecSerializer]);
    default:
      return new SerializerRegistry();
  }
}

/** The expected decoded message with tags replaced (dates are checked separately). */
function expectedFor(v: WireVector): unknown {
  return messageWithTags(v, (map) => {
    const [, data] = map.__type__ as [number, unknown];
    switch (v.kind) {
      case "proxy":
        return new FakeProxy(data as string);
      case "serializable": {
        const { x, y } = data as { x: number; y: number };
        return new A(x, y);
      }
      case "extra":
        return new Vec(...(data as [number, number]));
      default:
        return map;
    }
  });
}

function codecFor(v: WireVector, registry = registryFor(v)): Codec {
  return v.codec === "json" ? new Json(registry) : new MsgPack(registry);
}

for (const codecName of ["json", "msgpack"] as const) {
  const plain = vectorsFor(codecName).filter((v) =>
    !(TAGGED_KINDS as readonly string[]).includes(v.kind)
  );
  const tagged = vectorsFor(codecName, { kind: [...TAGGED_KINDS] });

  Deno.test(`${codecName}: every untagged Python vector decodes to its message`, () => {
    assert(plain.length > 50);
    for (const v of plain) {
      assertEquals(codecFor(v).decode(v.payload), v.message, v.name);
    }
  });

  Deno.test(`${codecName}: every tagged Python vector decodes through the registry`, () => {
    assert(tagged.length >= 8);
    for (const v of tagged) {
      const decoded = codecFor(v).decode(v.payload) as unknown[];
      if (v.kind === "date") {
        const at = decoded[2];
        assert(at instanceof Temporal.ZonedDateTime, v.name);
        const text = ((v.message as unknown[])[2] as { __type__: [number, string] }).__type__[1];
        assertEquals(dateSerializer.serialize(at), text, v.name);
        assert(at.toInstant().equals(Temporal.Instant.from(text)), v.name);
      } else {
        assertEquals(decoded, expectedFor(v), v.name);
      }
    }
  });

  Deno.test(`${codecName}: every Python vector survives our encode then decode`, () => {
    for (const v of [...plain, ...tagged]) {
      // The plain message (tags as plain maps) goes through a registry-free codec.
      const codec = v.codec === "json" ? new Json() : new MsgPack();
      const bytes = codec.encode(v.message);
      if (
        v.kind === "value" || v.kind === "request" || v.kind === "reply" || v.kind === "exception"
      ) {
        assertEquals(codec.decode(bytes), v.message, v.name);
      } else {
        // Decoding tags needs the registry; compare with the tagged decode of Python's bytes.
        const withRegistry = codecFor(v);
        const ours = withRegistry.decode(bytes);
        const theirs = codecFor(v).decode(v.payload);
        if (v.kind === "date") {
          assertEquals(String(ours), String(theirs), v.name);
        } else {
          assertEquals(ours, theirs, v.name);
        }
      }
    }
  });
}

Deno.test("msgpack: every vector re-encodes to exactly Python's bytes, except integral floats", () => {
  const codec = new MsgPack();
  const exact = vectorsFor("msgpack").filter((v) => !INTEGRAL_FLOAT_VECTORS.includes(v.name));
  assert(exact.length > 100);
  for (const v of exact) {
    assertEquals(v.direction, "encode+decode", v.name);
    assertEquals(bytesToHex(codec.encode(v.message)), bytesToHex(v.payload), v.name);
  }
});

Deno.test("msgpack: the integral-float exceptions are exactly the decode-only vectors", () => {
  const decodeOnly = vectorsFor("msgpack", { direction: "decode" }).map((v) => v.name);
  assertEquals(decodeOnly.sort(), [...INTEGRAL_FLOAT_VECTORS].sort());
  const codec = new MsgPack();
  for (const name of INTEGRAL_FLOAT_VECTORS) {
    const v = vector("msgpack", name);
    const value = (v.message as unknown[])[2];
    assert(Number.isInteger(value), name);
    // Written back as an int: different bytes, same value.
    const bytes = codec.encode(v.message);
    assert(bytesToHex(bytes) !== bytesToHex(v.payload), name);
    assertEquals(codec.decode(bytes), v.message, name);
  }
});

Deno.test("msgpack: decoded tagged values re-encode to Python's bytes", () => {
  for (const v of vectorsFor("msgpack", { kind: [...TAGGED_KINDS] })) {
    if (v.name === "user data that looks like a tag") continue; // extra keys are dropped on decode
    const codec = codecFor(v);
    const decoded = codec.decode(v.payload);
    assertEquals(bytesToHex(codec.encode(decoded)), bytesToHex(v.payload), v.name);
  }
});

Deno.test("A map with __type__ and other keys is replaced as a whole, like aiomas", () => {
  for (const codecName of ["json", "msgpack"] as const) {
    const v = vector(codecName, "user data that looks like a tag");
    const decoded = codecFor(v).decode(v.payload) as unknown[];
    assertEquals(decoded[2], new FakeProxy("x"), codecName);
  }
});

Deno.test("Container-style registries give the date type id 0 and the proxy type id 1", () => {
  for (const codecName of ["json", "msgpack"] as const) {
    const v = vector(codecName, "proxy typeid 1 agent (container)");
    const decoded = codecFor(v).decode(v.payload) as [number, number, [string, unknown[], object]];
    assertEquals(decoded[2][1][0], new FakeProxy("agents/0"), codecName);
    // Without the date serializer in front, type id 1 is unknown.
    const plainRpc = new SerializerRegistry();
    plainRpc.setFallback(proxySerializer());
    const codec = codecName === "json" ? new Json(plainRpc) : new MsgPack(plainRpc);
    assertThrows(() => codec.decode(v.payload), CodecError);
  }
});

Deno.test("An unknown type id is a catchable CodecError and the codec keeps working", () => {
  for (const codecName of ["json", "msgpack"] as const) {
    const v = vector(codecName, "user extra serializer typeid 0");
    const codec = codecName === "json" ? new Json() : new MsgPack();
    let caught: unknown;
    try {
      codec.decode(v.payload);
    } catch (error) {
      caught = error;
    }
    assert(caught instanceof CodecError, codecName);
    assert(/Unknown type id 0/.test(caught.message), caught.message);
    const request = vector(codecName, "request add(1, 2) id 0");
    assertEquals(codec.decode(request.payload), request.message);
  }
});
