/**
 * JSON codec behaviour beyond the Python vectors: Python's extras (NaN,
 * Infinity, big integers), what we write, and rejection of bad input.
 */

import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { CodecError, Json, SerializerRegistry } from "../codecs/mod.ts";

const codec = new Json();
const text = (value: unknown) => new TextDecoder().decode(codec.encode(value));
const read = (json: string) => codec.decode(new TextEncoder().encode(json));

Deno.test("Json reads Python's bare NaN, Infinity and -Infinity tokens", () => {
  assertEquals(read("[NaN, Infinity, -Infinity, 1.5]"), [NaN, Infinity, -Infinity, 1.5]);
  assertEquals(read('{"a": NaN, "b": [-Infinity]}'), { a: NaN, b: [-Infinity] });
  assertEquals(read("NaN"), NaN);
});

Deno.test("Json leaves NaN and Infinity inside strings alone", () => {
  assertEquals(read('["NaN", "-Infinity", "a\\"NaN", NaN]'), ["NaN", "-Infinity", 'a"NaN', NaN]);
  assertEquals(read('["\\\\", NaN]'), ["\\", NaN]);
});

Deno.test("Json keeps a number literal that looks like its NaN stand-in", () => {
  assertEquals(read("[1e-9990, NaN, 1e-99900, Infinity]"), [0, NaN, 0, Infinity]);
});

Deno.test("Json reads integers of any size exactly, bigint outside the safe range", () => {
  assertEquals(read("[9007199254740991, 9007199254740992, -9007199254740993]"), [
    9007199254740991,
    9007199254740992n,
    -9007199254740993n,
  ]);
  assertEquals(read(String(2n ** 70n)), 2n ** 70n);
  assertEquals(read("[1234567890123456, 0.12345678901234567, 1e16, 1.5e300]"), [
    1234567890123456,
    0.12345678901234567,
    1e16,
    1.5e300,
  ]);
});

Deno.test("Json reads \\u escapes and surrogate pairs", () => {
  assertEquals(read('"\\u00fc\\ud83d\\ude00\\u0000\\n"'), "ü😀\u0000\n");
  assertEquals(read('"ü😀"'), "ü😀");
});

Deno.test("Json replaces a __type__ key even when it is spelled with escapes", () => {
  const registry = new SerializerRegistry([{
    type: class Marker {},
    serialize: () => null,
    deserialize: (data) => ({ revived: data }),
  }]);
  const c = new Json(registry);
  const decode = (json: string) => c.decode(new TextEncoder().encode(json));
  assertEquals(decode('[{"__type__": [0, 5]}]'), [{ revived: 5 }]);
  assertEquals(decode('{"\\u005f_type__": [0, [1, 2]]}'), { revived: [1, 2] });
  assertEquals(decode('{"__type__x": 1}'), { "__type__x": 1 });
  // Nested tags are replaced inside out.
  assertEquals(decode('{"__type__": [0, {"__type__": [0, 1]}]}'), { revived: { revived: 1 } });
});

Deno.test("Json writes bigint as digits and NaN/Infinity as Python's tokens", () => {
  assertEquals(
    text([2n ** 70n, -(2n ** 64n), 5n]),
    "[1180591620717411303424,-18446744073709551616,5]",
  );
  assertEquals(text([NaN, Infinity, -Infinity]), "[NaN,Infinity,-Infinity]");
  assertEquals(text({ a: NaN }), '{"a":NaN}');
});

Deno.test("Json writes -0 and unsafe integral numbers so that they stay floats", () => {
  assertEquals(
    text([-0, 2 ** 53, 1e16, 1e21]),
    "[-0.0,9007199254740992.0,10000000000000000.0,1e+21]",
  );
  const back = read(text([-0, 2 ** 53, 1e16])) as number[];
  assertEquals(back, [-0, 2 ** 53, 1e16]);
  assert(back.every((n) => typeof n === "number"));
});

Deno.test("Json writes Maps as objects, number keys as their text like Python", () => {
  assertEquals(
    text(new Map<string, unknown>([["a", 1], ["b", new Map([["c", 2]])]])),
    '{"a":1,"b":{"c":2}}',
  );
  assertEquals(
    text(new Map<unknown, unknown>([[1, "x"], [2n, "y"], [true, "z"], [null, 0]])),
    '{"1":"x","2":"y","true":"z","null":0}',
  );
  assertThrows(() => codec.encode(new Map([[{}, 1]])), CodecError);
});

Deno.test("Json refuses bytes with a CodecError that says JSON has no bytes", () => {
  assertThrows(
    () => codec.encode([new Uint8Array(3)]),
    (e: Error) => e instanceof CodecError && /JSON has no bytes/.test(e.message),
  );
});

Deno.test("Json follows JSON.stringify for undefined and refuses symbols and functions", () => {
  assertEquals(text({ a: undefined, b: 1 }), '{"b":1}');
  assertEquals(text([undefined]), "[null]");
  assertEquals(text(undefined), "null");
  assertEquals(text({ a: undefined, n: NaN }), '{"n":NaN}');
  assertThrows(() => codec.encode([Symbol("x")]), CodecError);
  assertThrows(() => codec.encode({ f: () => 1 }), CodecError);
  assertThrows(() => codec.encode({ toJSON: () => "sneaky" }), CodecError);
});

Deno.test("Json refuses unregistered class instances and uses registered serializers", () => {
  class Point {
    constructor(readonly x: number, readonly y: number) {}
  }
  assertThrows(
    () => codec.encode(new Point(1, 2)),
    (e: Error) => e instanceof CodecError && /Point/.test(e.message),
  );
  assertThrows(() => codec.encode(new Date(0)), CodecError);
  const c = new Json([{
    type: Point,
    serialize: (p: Point) => [p.x, p.y],
    deserialize: (d) => new Point(...(d as [number, number])),
  }]);
  const bytes = c.encode([new Point(1, NaN)]);
  assertEquals(new TextDecoder().decode(bytes), '[{"__type__":[0,[1,NaN]]}]');
  assertEquals(c.decode(bytes), [new Point(1, NaN)]);
});

Deno.test("Json refuses a cyclic value with a CodecError", () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assertThrows(() => codec.encode(cyclic), CodecError);
  const withBigint: unknown[] = [1n];
  withBigint.push(withBigint);
  assertThrows(() => codec.encode(withBigint), CodecError);
});

Deno.test("Json rejects invalid JSON and invalid UTF-8 with a CodecError", () => {
  for (const bad of ["", "[1,", "{'a': 1}", "[1] 2", "nan", "[Infinityx]", "tru"]) {
    assertThrows(() => read(bad), CodecError, bad);
  }
  assertThrows(
    () => codec.decode(new Uint8Array([0x22, 0xff, 0x22])),
    (e: Error) => e instanceof CodecError && /UTF-8/.test(e.message),
  );
  assertThrows(() => codec.decode(new Uint8Array(2000).fill(0xc3)), CodecError);
});

Deno.test("Json makes a __proto__ key an own property", () => {
  for (const json of ['{"__proto__": {"x": 1}}', '{"__proto__": {"x": 1}, "n": NaN}']) {
    const decoded = read(json) as Record<string, unknown>;
    assertEquals(Object.getPrototypeOf(decoded), Object.prototype);
    assert(Object.hasOwn(decoded, "__proto__"), json);
  }
});

Deno.test("Json writes non-ASCII text as UTF-8 and reads long text", () => {
  const value = { text: "ü€😀".repeat(500), plain: "a".repeat(5000) };
  assertEquals(codec.decode(codec.encode(value)), value);
  assertEquals(text("ü"), '"ü"');
  assertEquals(text("\ud800"), '"\\ud800"');
});

Deno.test("Json results stay valid after later encodes", () => {
  const first = codec.encode(["first", "ü", 1]);
  const copy = first.slice();
  const results: [Uint8Array, string][] = [];
  for (let i = 0; i < 3000; i++) {
    const value = ["filler", i, "é€".repeat(i % 50), "x".repeat(i % 900)];
    const bytes = codec.encode(value);
    results.push([bytes, JSON.stringify(value)]);
  }
  assertEquals(first, copy);
  for (const [bytes, expected] of results) {
    assertEquals(new TextDecoder().decode(bytes), expected);
  }
});

Deno.test("Json finds Python's extras in long and non-ASCII input too", () => {
  const filler = "x".repeat(400);
  const json = `["${filler}", NaN, 123456789012345678901, {"__type__": [0, "ü"]}, "é"]`;
  const c = new Json([{ type: class Never {}, serialize: () => 0, deserialize: (d) => `<${d}>` }]);
  assertEquals(c.decode(new TextEncoder().encode(json)), [
    filler,
    NaN,
    123456789012345678901n,
    "<ü>",
    "é",
  ]);
});

Deno.test("Json finds Python's extras in long text without a pre-scan", () => {
  const pad = "x".repeat(400);
  const registry = new SerializerRegistry([
    { type: Set, serialize: (s: Set<unknown>) => [...s], deserialize: (d) => new Set(d as []) },
  ]);
  const tagged = new Json(registry);
  const long = (json: string) => codec.decode(new TextEncoder().encode(json));
  // Big integers, nested and at the top, next to floats with long fractions.
  assertEquals(long(`{"p": "${pad}", "n": [1, {"b": 12345678901234567890}]}`), {
    p: pad,
    n: [1, { b: 12345678901234567890n }],
  });
  assertEquals(long(` -9007199254740993${" ".repeat(300)}`), -9007199254740993n);
  assertEquals(long(`["${pad}", 0.12345678901234567890123, 9007199254740991, 1e300]`), [
    pad,
    0.12345678901234567890123,
    9007199254740991,
    1e300,
  ]);
  assertEquals(long(`["${pad}", 1.5e20, 123456789012345678901.0]`), [
    pad,
    1.5e20,
    123456789012345678901.0,
  ]);
  // Bare tokens, and the same words inside strings.
  assertEquals(long(`["${pad}", NaN, -Infinity, "NaN Infinity"]`), [
    pad,
    NaN,
    -Infinity,
    "NaN Infinity",
  ]);
  assertEquals(long(`["${pad} NaN", 1]`), [`${pad} NaN`, 1]);
  assertThrows(() => long(`["${pad} NaN", nan]`), CodecError);
  assertThrows(() => long(`["${pad}", 1,]`), CodecError);
  // Tags, also spelled with escapes.
  for (const key of ["__type__", "\\u005f_type__", "__typ\\u0065__"]) {
    const value = tagged.decode(new TextEncoder().encode(`["${pad}", {"${key}": [0, [1, 2]]}]`));
    assertEquals(value, [pad, new Set([1, 2])], key);
  }
  assertEquals(long(`["${pad}", "\\u00fc", {"a": "__type"}]`), [pad, "ü", { a: "__type" }]);
});

Deno.test("Json reads U+FFFD in long text and rejects invalid UTF-8 there", () => {
  const value = ["\ufffd".repeat(200), "a".repeat(300)];
  assertEquals(codec.decode(codec.encode(value)), value);
  const bytes = new TextEncoder().encode(JSON.stringify(["a".repeat(300), "b"]));
  bytes[100] = 0xff;
  assertThrows(
    () => codec.decode(bytes),
    (e: Error) => e instanceof CodecError && /UTF-8/.test(e.message),
  );
});
