/**
 * MsgPack codec behaviour beyond the Python vectors: size classes, number
 * rules, rejection of bad input, buffer ownership, re-entrancy.
 */

import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { CodecError, MsgPack, type Serializer, SerializerRegistry } from "../codecs/mod.ts";
import { bytesToHex, hexToBytes } from "./_vectors.ts";

const codec = new MsgPack();
const hex = (value: unknown) => bytesToHex(codec.encode(value));
const roundTrip = (value: unknown) => codec.decode(codec.encode(value));

Deno.test("MsgPack writes every int in the smallest format, as Python does", () => {
  const cases: [number | bigint, string][] = [
    [0, "00"],
    [127, "7f"],
    [128, "cc80"],
    [255, "ccff"],
    [256, "cd0100"],
    [65535, "cdffff"],
    [65536, "ce00010000"],
    [4294967295, "ceffffffff"],
    [4294967296, "cf0000000100000000"],
    [Number.MAX_SAFE_INTEGER, "cf001fffffffffffff"],
    [-1, "ff"],
    [-32, "e0"],
    [-33, "d0df"],
    [-128, "d080"],
    [-129, "d1ff7f"],
    [-32768, "d18000"],
    [-32769, "d2ffff7fff"],
    [-2147483648, "d280000000"],
    [-2147483649, "d3ffffffff7fffffff"],
    [Number.MIN_SAFE_INTEGER, "d3ffe0000000000001"],
    [2n ** 64n - 1n, "cfffffffffffffffff"],
    [2n ** 63n, "cf8000000000000000"],
    [-(2n ** 63n), "d38000000000000000"],
    [5n, "05"],
    [-(2n ** 53n), "d3ffe0000000000000"],
  ];
  for (const [value, expected] of cases) {
    assertEquals(hex(value), expected, String(value));
    const back = codec.decode(hexToBytes(expected));
    const safe = typeof value === "bigint" && value >= -(2n ** 53n - 1n) && value <= 2n ** 53n - 1n;
    assertEquals(back, safe ? Number(value) : value, String(value));
  }
});

Deno.test("MsgPack writes non-integral, -0, NaN, infinite and unsafe numbers as float64", () => {
  const cases: [number, string][] = [
    [2.5, "cb4004000000000000"],
    [-0, "cb8000000000000000"],
    [NaN, "cb7ff8000000000000"],
    [Infinity, "cb7ff0000000000000"],
    [-Infinity, "cbfff0000000000000"],
    [2 ** 53, "cb4340000000000000"],
    [1e300, "cb7e37e43c8800759c"],
  ];
  for (const [value, expected] of cases) {
    assertEquals(hex(value), expected, String(value));
    assertEquals(codec.decode(hexToBytes(expected)), value, String(value));
  }
});

Deno.test("MsgPack reads float32 and ints wider than needed", () => {
  assertEquals(codec.decode(hexToBytes("ca40200000")), 2.5);
  assertEquals(codec.decode(hexToBytes("cf0000000000000005")), 5);
  assertEquals(codec.decode(hexToBytes("d3fffffffffffffffb")), -5);
  assertEquals(codec.decode(hexToBytes("d005")), 5);
});

Deno.test("MsgPack refuses bigints outside int64/uint64 with a CodecError", () => {
  assertThrows(
    () => codec.encode(2n ** 64n),
    (e: Error) => e instanceof CodecError && /int64/.test(e.message),
  );
  assertThrows(() => codec.encode([-(2n ** 63n) - 1n]), CodecError);
});

Deno.test("MsgPack writes every size class of str, bin, array and map", () => {
  const cases: [unknown, string][] = [
    ["", "a0"],
    ["a".repeat(31), "bf"],
    ["a".repeat(32), "d920"],
    ["a".repeat(255), "d9ff"],
    ["a".repeat(256), "da0100"],
    ["a".repeat(65535), "daffff"],
    ["a".repeat(65536), "db00010000"],
    [new Uint8Array(0), "c400"],
    [new Uint8Array(255), "c4ff"],
    [new Uint8Array(256), "c50100"],
    [new Uint8Array(65536), "c600010000"],
    [[], "90"],
    [new Array(15).fill(0), "9f"],
    [new Array(16).fill(0), "dc0010"],
    [new Array(65536).fill(0), "dd00010000"],
    [{}, "80"],
    [Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, i])), "8f"],
    [Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i])), "de0010"],
    [new Map(Array.from({ length: 65536 }, (_, i) => [i, i])), "df00010000"],
  ];
  for (const [value, prefix] of cases) {
    const encoded = hex(value);
    assert(encoded.startsWith(prefix), `${prefix} expected, got ${encoded.slice(0, 12)}`);
    assertEquals(roundTrip(value), value);
  }
});

Deno.test("MsgPack string headers grow when UTF-8 needs more bytes than characters", () => {
  // 20 characters, 40 bytes: str8 although the text is shorter than 32 units.
  const cases: [string, string][] = [
    ["é".repeat(20), "d928"],
    ["€".repeat(100), "da012c"],
    ["€".repeat(30000), "db00015f90"],
    ["😀".repeat(8), "d920"],
    ["é".repeat(15), "be"],
  ];
  for (const [value, prefix] of cases) {
    const encoded = hex(value);
    assert(encoded.startsWith(prefix), `${prefix} expected, got ${encoded.slice(0, 12)}`);
    assertEquals(roundTrip(value), value);
  }
  const mixed = "ascii " + "ü€😀".repeat(40) + " end";
  assertEquals(roundTrip(mixed), mixed);
  assertEquals(
    bytesToHex(codec.encode(mixed).subarray(3)),
    bytesToHex(new TextEncoder().encode(mixed)),
  );
});

Deno.test("MsgPack writes a lone surrogate as U+FFFD, as TextEncoder does", () => {
  for (const text of ["a\ud800b", "\udc00", "x".repeat(70) + "\ud800"]) {
    assertEquals(roundTrip(text), new TextDecoder().decode(new TextEncoder().encode(text)));
  }
});

Deno.test("MsgPack decodes maps with a non-string key to a Map and keeps int keys", () => {
  const value = new Map<unknown, unknown>([["a", 1], [1, "one"], [-5, null], [2n ** 63n, true]]);
  assertEquals(roundTrip(value), value);
  assertEquals(roundTrip(new Map([["a", 1]])), { a: 1 });
  assertEquals(
    codec.decode(hexToBytes("8201a161a16202")),
    new Map<unknown, unknown>([[1, "a"], ["b", 2]]),
  );
});

Deno.test("MsgPack makes a __proto__ key an own property, never the prototype", () => {
  const bytes = hexToBytes("81a95f5f70726f746f5f5f81a178a1" + "79");
  const decoded = codec.decode(bytes) as Record<string, unknown>;
  assertEquals(Object.getPrototypeOf(decoded), Object.prototype);
  assert(Object.hasOwn(decoded, "__proto__"));
  assertEquals(Object.getOwnPropertyDescriptor(decoded, "__proto__")?.value, { x: "y" });
  assertEquals(({} as Record<string, unknown>).x, undefined);
  assertEquals(bytesToHex(codec.encode(decoded)), bytesToHex(bytes));
});

Deno.test("MsgPack writes undefined as nil and skips nothing", () => {
  assertEquals(hex(undefined), "c0");
  assertEquals(roundTrip([undefined, { a: undefined }]), [null, { a: null }]);
});

Deno.test("MsgPack refuses other typed arrays, symbols and functions with a clear CodecError", () => {
  for (
    const value of [
      new Float64Array(2),
      new DataView(new ArrayBuffer(2)),
      Symbol("s"),
      () => 1,
      new Date(0),
    ]
  ) {
    assertThrows(() => codec.encode({ value }), CodecError);
  }
  assertThrows(() => codec.encode(new Int16Array(1)), (e: Error) => /Uint8Array/.test(e.message));
  // Node's Buffer is a Uint8Array: written as bin.
  assertEquals(hex(new (class extends Uint8Array {})(2)), "c4020000");
});

Deno.test("MsgPack refuses a cyclic value with a CodecError", () => {
  const cyclic: unknown[] = [];
  cyclic.push(cyclic);
  assertThrows(() => codec.encode(cyclic), CodecError);
  assertEquals(roundTrip([1, 2]), [1, 2]);
});

Deno.test("MsgPack results stay valid after later encodes", () => {
  const first = codec.encode(["first", 1, 2.5]);
  const copy = first.slice();
  const big = codec.encode(new Uint8Array(100_000));
  for (let i = 0; i < 5000; i++) codec.encode(["filler", i, "x".repeat(i % 300)]);
  assertEquals(first, copy);
  assertEquals(big.length, 100_005);
  assert(big.subarray(5).every((b) => b === 0));
  assertEquals(codec.decode(first), ["first", 1, 2.5]);
});

Deno.test("MsgPack decodes bin as bytes that own their buffer", () => {
  const bytes = hexToBytes("c403010203");
  const decoded = codec.decode(bytes) as Uint8Array;
  assertEquals(decoded, new Uint8Array([1, 2, 3]));
  assertEquals(decoded.byteOffset, 0);
  assertEquals(decoded.buffer.byteLength, 3);
  bytes.fill(0);
  assertEquals(decoded, new Uint8Array([1, 2, 3]));
});

Deno.test("a decoded Float64Array payload sees exactly its own values, also from a shared encode chunk", () => {
  const floats = new Float64Array([1.5, -2, 3.25]);
  const encoded = codec.encode([new Uint8Array(floats.buffer), "tail"]);
  assert(encoded.buffer.byteLength > encoded.length, "encode results share a chunk");
  const [bytes] = codec.decode(encoded) as [Uint8Array, string];
  assertEquals(new Float64Array(bytes.buffer), floats);
});

Deno.test("MsgPack with zeroCopy decodes bin as a view into the input", () => {
  const bytes = hexToBytes("c403010203");
  const decoded = new MsgPack([], { zeroCopy: true }).decode(bytes) as Uint8Array;
  assertEquals(decoded, new Uint8Array([1, 2, 3]));
  assertEquals(decoded.buffer, bytes.buffer);
  const ZeroCopy = MsgPack.configure({ zeroCopy: true });
  const configured = new ZeroCopy().decode(bytes) as Uint8Array;
  assertEquals(configured.buffer, bytes.buffer);
  assertEquals(new ZeroCopy().name, "msgpack");
});

Deno.test("MsgPack rejects trailing bytes, truncation and unsupported type bytes", () => {
  assertThrows(
    () => codec.decode(hexToBytes("9100c0")),
    (e: Error) => e instanceof CodecError && /trailing/.test(e.message),
  );
  assertThrows(() => codec.decode(new Uint8Array(0)), CodecError);
  for (
    const bad of [
      "c1",
      "d40100",
      "d5010000",
      "d601" + "00".repeat(4),
      "d701" + "00".repeat(8),
      "d801" + "00".repeat(16),
      "c70101" + "00",
      "c8000101" + "00",
      "c90000000101" + "00",
    ]
  ) {
    assertThrows(
      () => codec.decode(hexToBytes(bad)),
      (e: Error) => e instanceof CodecError && /type byte/.test(e.message),
      bad,
    );
  }
  const full = codec.encode({
    s: "text",
    b: new Uint8Array(300),
    n: [1, 2.5, 2n ** 63n, -70000],
    m: new Map([[1, 2]]),
  });
  for (let i = 0; i < full.length; i++) {
    assertThrows(() => codec.decode(full.subarray(0, i)), CodecError, `prefix ${i}`);
  }
});

Deno.test("MsgPack rejects lengths larger than the input before allocating", () => {
  for (const bad of ["ddffffffff", "dfffffffff", "dbffffffff", "c6ffffffff", "dcffff"]) {
    assertThrows(
      () => codec.decode(hexToBytes(bad)),
      (e: Error) => e instanceof CodecError && /truncated/.test(e.message),
      bad,
    );
  }
});

Deno.test("MsgPack rejects invalid UTF-8 in str", () => {
  for (const bad of ["a1ff", "a2c328", "d920" + "e2".repeat(32), "d940" + "61".repeat(63) + "ff"]) {
    assertThrows(() => codec.decode(hexToBytes(bad)), CodecError, bad);
  }
});

Deno.test("MsgPack reads U+FFFD in long strings", () => {
  for (const text of ["\ufffd".repeat(40), "a".repeat(100) + "\ufffd", "ü\ufffd".repeat(30)]) {
    assertEquals(codec.decode(codec.encode([text])), [text]);
  }
});

Deno.test("MsgPack turns nesting deeper than the stack into a CodecError", () => {
  const deep = new Uint8Array(200_000).fill(0x91);
  assertThrows(() => codec.decode(deep), CodecError);
});

Deno.test("MsgPack serializers may encode and decode re-entrantly", () => {
  class Boxed {
    constructor(readonly inner: unknown) {}
  }
  const inner = new MsgPack();
  const boxed: Serializer<Boxed> = {
    type: Boxed,
    serialize: (b) => inner.encode(b.inner),
    deserialize: (data) => new Boxed(inner.decode(data as Uint8Array)),
  };
  const outer = new MsgPack([boxed]);
  const value = ["before", new Boxed({ deep: [1, "two", new Uint8Array([3])] }), "after"];
  assertEquals(outer.decode(outer.encode(value)), value);
});

Deno.test("MsgPack wraps errors thrown by serializers in a CodecError with the cause", () => {
  class Bad {}
  const registry = new SerializerRegistry([{
    type: Bad,
    serialize: () => {
      throw new TypeError("no way");
    },
    deserialize: () => {
      throw new RangeError("nope");
    },
  }]);
  const c = new MsgPack(registry);
  assertThrows(
    () => c.encode(new Bad()),
    (e: Error) => e instanceof CodecError && e.cause instanceof TypeError,
  );
  assertThrows(
    () => c.decode(hexToBytes("81a85f5f747970655f5f9200c0")),
    (e: Error) => e instanceof CodecError && e.cause instanceof RangeError,
  );
  assertEquals(c.decode(c.encode([1])), [1]);
});

Deno.test("encode results of 10 KiB messages share chunks and are never overwritten", () => {
  const c = new MsgPack();
  const text = "0123456789abcdef".repeat(640); // more than a fresh 16 KiB chunk holds
  const results = Array.from({ length: 40 }, (_, i) => c.encode([i, text]));
  const chunks = new Set(results.map((r) => r.buffer)).size;
  assert(chunks > 2 && chunks < 20, `${chunks} chunks for 40 results`);
  results.forEach((r, i) => assertEquals(c.decode(r), [i, text]));
});

Deno.test("transient encodes reuse one buffer; encode results stay valid; subclasses that change encode get none", async () => {
  const { TRANSIENT_ENCODE, transientEncoder } = await import("../codecs/_fast_paths.ts");
  const { Json } = await import("../codecs/json.ts");
  for (const c of [new MsgPack(), new Json()]) {
    const transient = transientEncoder(c)!;
    assert(transient !== undefined, c.name);
    const kept = c.encode(["kept", 1]);
    const keptCopy = kept.slice();
    for (const value of [["a", 1], "x".repeat(5000), ["é€😀".repeat(3000)], { k: [1.5, true] }]) {
      const bytes = transient(value);
      assertEquals(c.decode(bytes), value);
      assertEquals(bytes, c.encode(value));
    }
    const first = transient(["first"]);
    const firstCopy = first.slice();
    transient(["second", "longer than the first"]);
    assert(first.buffer === transient(["third"]).buffer, "one scratch buffer");
    assert(bytesToHex(first) !== bytesToHex(firstCopy), "the first result was overwritten");
    assertEquals(kept, keptCopy);
    assertEquals(typeof (c as unknown as Record<symbol, unknown>)[TRANSIENT_ENCODE], "function");
  }
  // A serializer that encodes on its own while a transient encode runs.
  class Inner {}
  const nested: MsgPack = new MsgPack([{
    type: Inner,
    serialize: (): Uint8Array => nested.encode(["inner"]),
    deserialize: (data) => data,
  }]);
  const transient = transientEncoder(nested)!;
  const inner = nested.encode(["inner"]);
  assertEquals(nested.decode(transient(["outer", new Inner()])), ["outer", inner]);
  // A subclass that compresses (or otherwise changes) encode must not use the parent's.
  class Wrapped extends MsgPack {
    override encode(value: unknown): Uint8Array {
      return super.encode(["wrapped", value]);
    }
  }
  assertEquals(transientEncoder(new Wrapped()), undefined);
  class Same extends MsgPack {}
  assert(transientEncoder(new Same()) !== undefined);
  const own = new MsgPack();
  own.encode = (value: unknown) => MsgPack.prototype.encode.call(own, value);
  assertEquals(transientEncoder(own), undefined);
});

Deno.test("detached decodes copy bin values; decode keeps views; subclasses that change decode get none", async () => {
  const { detachedDecoder } = await import("../codecs/_fast_paths.ts");
  const { Json } = await import("../codecs/json.ts");
  const data = codec.encode([new Uint8Array([1, 2, 3]), "x"]);
  const zeroCopy = new MsgPack([], { zeroCopy: true });
  const viewed = zeroCopy.decode(data) as [Uint8Array, string];
  assert(viewed[0].buffer === data.buffer, "a zeroCopy decode returns a view");
  assert((codec.decode(data) as [Uint8Array])[0].buffer !== data.buffer, "decode copies");
  // A codec that hands out views needs a fresh frame buffer: it has no detached decode.
  assertEquals(detachedDecoder(zeroCopy), undefined);
  assertEquals(detachedDecoder(new (MsgPack.configure({ zeroCopy: true }))()), undefined);
  const detached = detachedDecoder(codec)!;
  const copied = detached(data) as [Uint8Array, string];
  assertEquals(copied, [new Uint8Array([1, 2, 3]), "x"]);
  assert(copied[0].buffer !== data.buffer, "detached decode copies");
  data.fill(0);
  assertEquals(copied[0], new Uint8Array([1, 2, 3]));
  assertEquals(detachedDecoder(new Json())!(new TextEncoder().encode('[1,"a"]')), [1, "a"]);
  class Wrapped extends MsgPack {
    override decode(bytes: Uint8Array): unknown {
      return super.decode(bytes.subarray(1));
    }
  }
  assertEquals(detachedDecoder(new Wrapped()), undefined);
});
