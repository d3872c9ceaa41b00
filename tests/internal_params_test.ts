/**
 * The one parser of parameter lists: constructors of classes (for
 * `@serializable`); functions are covered in rpc_router_test.ts.
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseConstructorParams } from "../internal/params.ts";

function cls(source: string): new () => unknown {
  return new Function(`return ${source}`)();
}

Deno.test("parseConstructorParams reads constructor(a = f(1), b) whole", () => {
  const f = (n: number) => n;
  void f;
  assertEquals(parseConstructorParams(cls("class A { constructor(a = f(1), b) {} }")), {
    names: ["a", "b"],
    required: 0,
    rest: false,
  });
  assertEquals(
    parseConstructorParams(cls("class A { constructor(x, /* y, */ z = [1, 2], ...rest) {} }")),
    { names: ["x", "z", "rest"], required: 1, rest: true },
  );
});

Deno.test("parseConstructorParams finds only the class's own constructor member", () => {
  const cases: [string, (string | undefined)[] | undefined][] = [
    ["class A {}", undefined],
    ["class A extends Object {}", undefined],
    ["class A { m() { return this.constructor(1); } }", undefined],
    ["class A { x = Object.constructor(1); }", undefined],
    ["class A { x = 'constructor(y)'; constructor(z) {} }", ["z"]],
    ["class A { static constructor(q) {} constructor(p) {} }", ["p"]],
    ["class A { // constructor(c)\n constructor(d) {} }", ["d"]],
    ["class A { x = 1\n constructor(e) {} }", ["e"]],
    ["class A { static { this.y = 1; } constructor(f, { g }) {} }", ["f", undefined]],
    ["class A extends (class { constructor(h) {} }) { m() {} }", undefined],
    ["class A extends (class { constructor(h) {} }) { constructor(i) { super(i); } }", ["i"]],
  ];
  for (const [source, names] of cases) {
    assertEquals(parseConstructorParams(cls(source))?.names, names, source);
  }
  // A function that is not a class has no class body to read.
  assertEquals(parseConstructorParams(function Old(this: unknown) {} as never), undefined);
});
