import { strictEqual as assertEquals } from "node:assert/strict";
import { describeValue, errorMessage, INSPECT, preview } from "../internal/inspect.ts";

Deno.test("preview shows JSON-like text, cut at 80 characters, and never throws", () => {
  assertEquals(preview({ a: [1, "x"] }), '{"a":[1,"x"]}');
  assertEquals(preview(10n), '"10n"');
  assertEquals(preview(new Uint8Array(3)), '"<3 bytes>"');
  assertEquals(preview(undefined), "undefined");
  assertEquals(preview("x".repeat(100)), `"${"x".repeat(79)}…`);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assertEquals(preview(cyclic), "[object Object]");
});

Deno.test("describeValue names the kind of a value with the right article", () => {
  assertEquals(describeValue([1]), "an Array");
  assertEquals(describeValue(new Float64Array(1)), "a Float64Array");
  assertEquals(describeValue(Object.create(null)), "an object");
  assertEquals(describeValue("hi"), 'the string "hi"');
  assertEquals(describeValue(null), "null");
});

Deno.test("errorMessage is the message of an Error and the text of anything else", () => {
  assertEquals(errorMessage(new RangeError("boom")), "boom");
  assertEquals(errorMessage(42), "42");
});

Deno.test("INSPECT is the key Deno.inspect calls", () => {
  assertEquals(Deno.inspect({ [INSPECT]: () => "shown" }), "shown");
});
