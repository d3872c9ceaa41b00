import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects,
  strictEqual,
  throws,
} from "node:assert/strict";
import { expose, getRouter, LookupError, Router, serviceDict } from "../rpc/mod.ts";
import { MAX_PATH_LENGTH } from "../rpc/router.ts";
import { parseParams } from "../internal/params.ts";

class Deep {
  @expose
  neg(x: number): number {
    return -x;
  }
}

class Sub {
  @expose
  readonly deep: Deep = new Deep();

  @expose
  mul(a: number, b = 2): number {
    return a * b;
  }
}

class Calculator {
  #secret = 42;
  calls = 0;

  @expose
  readonly sub: Sub = new Sub();

  @expose
  add(a: number, b: number): number {
    this.calls++;
    return a + b;
  }

  @expose
  async slowAdd(a: number, b: number): Promise<number> {
    await Promise.resolve();
    return a + b;
  }

  @expose
  sum(first: number, ...rest: number[]): number {
    return rest.reduce((x, y) => x + y, first);
  }

  @expose({ name: "get_name" })
  getName(): string {
    return "calc";
  }

  notExposed(): number {
    return this.#secret;
  }

  get total(): number {
    return this.#secret;
  }
}

Deno.test("expose makes decorated methods resolvable and nothing else", () => {
  const router = getRouter(new Calculator())!;
  strictEqual(router.resolve("add")(1, 2), 3);
  strictEqual(router.has("add"), true);
  strictEqual(router.has("notExposed"), false);
  strictEqual(router.has("calls"), false);
  strictEqual(router.has("total"), false);
  throws(() => router.resolve("notExposed"), LookupError);
});

Deno.test("async methods return promises through invoke", async () => {
  const router = getRouter(new Calculator())!;
  strictEqual(await router.invoke("slowAdd", [2, 3]), 5);
});

Deno.test("expose({ name }) exposes a method under another name", () => {
  const router = getRouter(new Calculator())!;
  strictEqual(router.invoke("get_name"), "calc");
  strictEqual(router.has("getName"), false);
});

Deno.test("declared sub-services nest to any depth and know their paths", () => {
  const calc = new Calculator();
  const router = getRouter(calc)!;
  strictEqual(router.invoke("sub/mul", [3, 4]), 12);
  strictEqual(router.invoke("sub/deep/neg", [5]), -5);
  strictEqual(getRouter(calc.sub)!.path, "sub");
  strictEqual(getRouter(calc.sub.deep)!.path, "sub/deep");
  strictEqual(getRouter(calc.sub)!.parent, router);
  strictEqual(router.path, "");
});

Deno.test("kwargs bind by parameter name, defaults apply", () => {
  const router = getRouter(new Calculator())!;
  strictEqual(router.invoke("add", [], { a: 2, b: 3 }), 5);
  strictEqual(router.invoke("add", [2], { b: 5 }), 7);
  strictEqual(router.invoke("sub/mul", [3], { b: 4 }), 12);
  strictEqual(router.invoke("sub/mul", [3]), 6);
  strictEqual(router.invoke("sub/mul", [], new Map([["a", 4]])), 8);
  strictEqual(router.invoke("sum", [1, 2, 3, 4]), 10);
});

Deno.test("wrong arity and unknown keywords are TypeErrors worded like Python", () => {
  const router = getRouter(new Calculator())!;
  throws(() => router.invoke("add", [1]), {
    name: "TypeError",
    message: "add() missing 1 required positional argument: 'b'",
  });
  throws(() => router.invoke("add", [1, 2, 3]), {
    name: "TypeError",
    message: "add() takes 2 positional arguments but 3 were given",
  });
  throws(() => router.invoke("add", [1], { c: 2 }), {
    name: "TypeError",
    message: "add() got an unexpected keyword argument 'c'",
  });
  throws(() => router.invoke("add", [1], { a: 2 }), {
    name: "TypeError",
    message: "add() got multiple values for argument 'a'",
  });
  throws(() => router.invoke("add", [], { b: 2 }), {
    name: "TypeError",
    message: "add() missing 1 required argument: 'a'",
  });
  throws(() => router.invoke("sum", [], { rest: 1 }), TypeError);
  throws(() => router.resolve("add")(1), TypeError);
});

Deno.test("unknown names are LookupErrors naming the segment and the router path", () => {
  const router = getRouter(new Calculator())!;
  throws(() => router.invoke("nope"), {
    name: "LookupError",
    message: 'Name "nope" not found in ""',
  });
  throws(() => router.invoke("sub/nope"), {
    name: "LookupError",
    message: 'Name "nope" not found in "sub"',
  });
  throws(() => router.invoke("nope/add"), {
    name: "LookupError",
    message: 'Name "nope" not found in ""',
  });
  throws(() => router.invoke("sub"), {
    name: "LookupError",
    message: 'Name "sub" in "" is a service, not a method',
  });
  throws(() => router.invoke("add/x"), LookupError);
});

Deno.test("paths that reach into JS internals are LookupErrors and change nothing", () => {
  const calc = new Calculator();
  const router = getRouter(calc)!;
  const protoBefore = Object.getPrototypeOf(calc);
  const paths = [
    "constructor",
    "constructor/constructor",
    "__proto__",
    "__proto__/constructor",
    "prototype",
    "toString",
    "hasOwnProperty",
    "valueOf",
    "isPrototypeOf",
    "__defineGetter__",
    "total",
    "#secret",
    "secret",
    "notExposed",
    "calls",
    "sub/constructor",
    "sub/__proto__",
    "sub/deep/constructor/constructor",
    "add/call",
    "add/apply",
    "add/bind",
    "Symbol(Symbol.iterator)",
    "Symbol.iterator",
    "",
    "/",
    "//add",
    "add/",
    "/add",
    "sub//mul",
    "a".repeat(MAX_PATH_LENGTH + 1),
    "sub/".repeat(300) + "mul",
  ];
  for (const path of paths) {
    throws(() => router.invoke(path, []), LookupError, `path ${JSON.stringify(path.slice(0, 40))}`);
  }
  strictEqual(Object.getPrototypeOf(calc), protoBefore);
  strictEqual(calc.calls, 0);
  strictEqual(calc.notExposed(), 42);
  strictEqual(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("a non-string path is a TypeError", () => {
  const router = getRouter(new Calculator())!;
  throws(() => router.invoke(42 as unknown as string), TypeError);
  throws(() => router.invoke(["add"] as unknown as string), TypeError);
});

/** `expose` without its overloads, to try it where the types forbid it. */
const untypedExpose = expose as unknown as (value: unknown, context: unknown) => void;

Deno.test("expose refuses static, private, symbol and getter members", () => {
  throws(() => {
    class _A {
      @expose
      static s(): void {}
    }
  }, /static/);
  throws(() => {
    class _B {
      @expose
      #p(): void {}
    }
  }, /private/);
  throws(() => {
    class _C {
      @expose
      [Symbol.iterator](): void {}
    }
  }, /symbol/);
  throws(() => {
    class _D {
      @untypedExpose
      get g(): number {
        return 1;
      }
    }
  }, /only methods/);
  throws(() => expose({ name: "a/b" }), TypeError);
});

Deno.test("an override without @expose hides the inherited exposed method", () => {
  class Base {
    @expose
    hello(): string {
      return "base";
    }
    @expose
    kept(): string {
      return "kept";
    }
  }
  class Derived extends Base {
    override hello(): string {
      return "derived";
    }
    @expose
    extra(): string {
      return "extra";
    }
  }
  const router = getRouter(new Derived())!;
  strictEqual(router.has("hello"), false);
  strictEqual(router.invoke("kept"), "kept");
  strictEqual(router.invoke("extra"), "extra");
  strictEqual(getRouter(new Base())!.has("extra"), false);
});

Deno.test("serviceDict exposes functions and nests plain objects", () => {
  const service = serviceDict({
    add: expose((a: number, b: number) => a + b),
    math: { neg: expose((x: number) => -x), deeper: { twice: expose((x: number) => 2 * x) } },
    calc: new Calculator(),
  });
  const router = getRouter(service)!;
  strictEqual(router.invoke("add", [1, 2]), 3);
  strictEqual(router.invoke("math/deeper/twice", [], { x: 4 }), 8);
  strictEqual(router.invoke("calc/sub/mul", [2, 3]), 6);
  strictEqual(getRouter(service.math.deeper)!.path, "math/deeper");
  strictEqual(getRouter(service.calc.sub)!.path, "calc/sub");
  throws(() => router.invoke("toString"), LookupError);
  throws(() => serviceDict({ x: 1 }), TypeError);
});

Deno.test("in a dictionary only exposed functions are methods, unless exposeAll", () => {
  const helper = (x: number) => x;
  const plain = { add: expose((a: number, b: number) => a + b), helper, math: { helper } };
  const router = new Router(plain);
  strictEqual(router.invoke("add", [1, 2]), 3);
  strictEqual(router.has("helper"), false);
  throws(() => router.invoke("helper", [1]), LookupError);
  throws(() => router.invoke("math/helper", [1]), LookupError);
  strictEqual(router.has("math"), true);
  const all = serviceDict({ helper, math: { helper } }, { exposeAll: true });
  strictEqual(getRouter(all)!.invoke("helper", [4]), 4);
  strictEqual(getRouter(all)!.invoke("math/helper", [5]), 5);
  const viaRouter = new Router({ helper, math: { helper } }, { exposeAll: true });
  strictEqual(viaRouter.invoke("math/helper", [7]), 7);
  // Entries are read once: marking the function later changes new routers only.
  expose(helper);
  strictEqual(router.has("helper"), false);
  strictEqual(new Router({ helper }).invoke("helper", [6]), 6);
  // Options given later (parameter names) reach routers made afterwards.
  const minus = (...xs: number[]) => xs[0] - xs[1];
  serviceDict({ minus }, { exposeAll: true });
  expose(minus, { params: ["a", "b"] });
  strictEqual(new Router({ minus }).invoke("minus", [], { a: 5, b: 1 }), 4);
});

Deno.test("the function forms of expose: expose(fn), expose(fn, options), expose(options)(fn)", () => {
  const add = (a: number, b: number) => a + b;
  strictEqual(expose(add), add);
  const addAll = (...xs: number[]) => xs.reduce((a, b) => a + b, 0);
  strictEqual(expose({ name: "add_all" })(addAll), addAll);
  const minus = expose(((a: number, b: number) => a - b).bind(null), { params: ["a", "b"] });
  const router = new Router({ add, sum: addAll, minus });
  strictEqual(router.invoke("add", [], { a: 1, b: 2 }), 3);
  strictEqual(router.invoke("add_all", [1, 2, 3]), 6);
  strictEqual(router.has("sum"), false);
  strictEqual(router.invoke("minus", [], { b: 1, a: 5 }), 4);
  throws(() => (expose({}) as unknown as (x: unknown) => unknown)(5), TypeError);
});

Deno.test("a dictionary with an entry of the wrong kind is refused whole", () => {
  const dict = { ok: expose(() => 1), bad: 5 };
  throws(() => new Router(dict), /entry "bad" is neither a function nor a service/);
  strictEqual(getRouter(dict), undefined);
});

Deno.test("an @expose field holding a plain object of functions is a dictionary sub-service", () => {
  class WithDict {
    @expose
    readonly math = { neg: expose((x: number) => -x), helper: (x: number) => x };
  }
  const service = new WithDict();
  const router = getRouter(service)!;
  strictEqual(router.invoke("math/neg", [3]), -3);
  strictEqual(getRouter(service.math)!.path, "math");
  throws(() => router.invoke("math/constructor"), LookupError);
  throws(() => router.invoke("math/helper", [1]), LookupError);
});

Deno.test("an @expose accessor holds a sub-service that may be replaced", () => {
  class WithAccessor {
    @expose
    accessor sub: Sub = new Sub();
  }
  const service = new WithAccessor();
  const router = getRouter(service)!;
  strictEqual(router.invoke("sub/mul", [2, 3]), 6);
  const replacement = new Sub();
  service.sub = replacement;
  strictEqual(router.invoke("sub/mul", [4]), 8);
  strictEqual(getRouter(replacement)!.path, "sub");
});

Deno.test("sub-services added and removed at run time", () => {
  const root = new Router({});
  const agents = serviceDict({});
  root.add("agents", agents);
  const a0 = new Calculator();
  getRouter(agents)!.add("0", a0);
  strictEqual(getRouter(a0)!.path, "agents/0");
  strictEqual(root.invoke("agents/0/add", [1, 1]), 2);
  strictEqual(root.invoke("agents/0/sub/mul", [2, 2]), 4);
  strictEqual(getRouter(a0.sub)!.path, "agents/0/sub");
  strictEqual(getRouter(agents)!.remove("0"), true);
  strictEqual(getRouter(agents)!.remove("0"), false);
  throws(() => root.invoke("agents/0/add", [1, 1]), LookupError);
  strictEqual(getRouter(a0)!.path, "");
  root.add("hello", () => "hi");
  strictEqual(root.invoke("hello"), "hi");
  throws(() => root.add("bad/name", () => 1), TypeError);
  throws(() => root.add("x", 5 as unknown as object), TypeError);
  throws(() => getRouter(agents)!.add("loop", root.obj), TypeError);
});

Deno.test("setSubRouter links an existing router under a name", () => {
  const root = getRouter(new Calculator())!;
  const other = getRouter(new Sub())!;
  root.setSubRouter(other, "other");
  strictEqual(other.path, "other");
  strictEqual(root.invoke("other/mul", [5]), 10);
});

Deno.test("a second router for the same object is refused", () => {
  const obj = {};
  new Router(obj);
  throws(() => new Router(obj), TypeError);
});

Deno.test("parameter names are read from all function forms", () => {
  const cases: [(...args: never[]) => unknown, string[], number, boolean][] = [
    [
      function (a: number, b: number) {
        return a + b;
      },
      ["a", "b"],
      2,
      false,
    ],
    [(a: number, b = 2) => a + b, ["a", "b"], 1, false],
    [(x: string) => x, ["x"], 1, false],
    [async (a: number, ...more: number[]) => await [a, more], ["a", "more"], 1, true],
    [(a = "x,y", b = [1, 2], c = { d: "(" }) => [a, b, c], ["a", "b", "c"], 0, false],
    [
      ({ a, b }: { a: number; b: number }, c: number) => a + b + c,
      [undefined, "c"] as never,
      2,
      false,
    ],
    [/* comment (x) */ (/* a, */ y: number /* , z */) => y, ["y"], 1, false],
    [(a = `t${"(" + ")"}`, b = 1) => [a, b], ["a", "b"], 0, false],
  ];
  for (const [fn, names, required, rest] of cases) {
    assertEquals(parseParams(fn), { names, required, rest }, fn.toString());
  }
  const obj = {
    method(a: number, b: number) {
      return a + b;
    },
    async *gen(p: number) {
      yield p;
    },
  };
  assertEquals(parseParams(obj.method), { names: ["a", "b"], required: 2, rest: false });
  assertEquals(parseParams(obj.gen), { names: ["p"], required: 1, rest: false });
  assertEquals(parseParams(Math.max).names.length, Math.max.length);
});

Deno.test("expose(fn, { params }) gives names to functions whose source is unreadable", () => {
  const bound = expose(((a: number, b: number) => a - b).bind(null), { params: ["a", "b"] });
  const service = serviceDict({ sub: bound });
  strictEqual(getRouter(service)!.invoke("sub", [], { b: 1, a: 5 }), 4);
});

Deno.test("exceptions thrown by methods propagate unchanged", async () => {
  class ValueError extends Error {
    override name = "ValueError";
  }
  const service = serviceDict({
    fail: expose(() => {
      throw new ValueError("42");
    }),
    failAsync: expose(async () => {
      await Promise.resolve();
      throw new ValueError("43");
    }),
  });
  const router = getRouter(service)!;
  throws(() => router.invoke("fail"), { name: "ValueError", message: "42" });
  await rejects(router.invoke("failAsync") as Promise<unknown>, { name: "ValueError" });
  assert(router.has("fail"));
});

Deno.test("a sub-service field knows its path even when the owner's router was made first", () => {
  // Agents register (and so get their router) in the base constructor, before
  // the subclass's fields exist.
  class Base {
    constructor() {
      getRouter(this);
    }
  }
  class Inner {
    @expose
    twice(x: number): number {
      return 2 * x;
    }
  }
  class Owner extends Base {
    @expose
    inner = new Inner();
  }
  const owner = new Owner();
  assertEquals(getRouter(owner.inner)!.path, "inner");
  assertEquals(getRouter(owner.inner)!.parent, getRouter(owner));
});
