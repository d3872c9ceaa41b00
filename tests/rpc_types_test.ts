/**
 * The caller's view of a service: `Remote<T>` types results that arrive as
 * proxies as proxies, and a proxy's own members as local. The type-level
 * checks fail `deno check` (which `deno test` runs) when a type is wrong.
 */

import { ok as assert, strictEqual } from "node:assert/strict";
import {
  expose,
  isProxy,
  openConnection,
  proxyPath,
  type Remote,
  type RemoteValue,
  startServer,
} from "../rpc/mod.ts";
import { MsgPack } from "../codecs/mod.ts";

/** `true` only when `A` and `B` are the same type. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;

class Counter {
  #n = 0;
  @expose
  next(): number {
    return ++this.#n;
  }
}

class Registry {
  readonly #counter = new Counter();
  #calls = 0;

  @expose
  counter(): Counter {
    return this.#counter;
  }

  @expose
  async counterLater(): Promise<Counter> {
    await Promise.resolve();
    return this.#counter;
  }

  @expose
  counters(): Counter[] {
    return [this.#counter];
  }

  @expose
  maybe(give: boolean): Counter | undefined {
    return give ? this.#counter : undefined;
  }

  @expose
  entry(): { name: string; counter: Counter; bytes: Uint8Array } {
    return { name: "c", counter: this.#counter, bytes: new Uint8Array([1]) };
  }

  @expose
  data(): { x: number; tags: string[]; at: Date } {
    return { x: 1, tags: ["a"], at: new Date(0) };
  }

  @expose
  calls(): number {
    return ++this.#calls;
  }

  /** A service may declare toString: on a proxy it stays the proxy's own. */
  toString(): string {
    return "Registry";
  }
}

type R = Remote<Registry>;
type Result<K extends keyof R> = R[K] extends (...args: never[]) => Promise<infer V> ? V : never;

// A returned service object arrives as its proxy, wherever it sits.
const _counter: Equals<Result<"counter">, Remote<Counter>> = true;
const _later: Equals<Result<"counterLater">, Remote<Counter>> = true;
const _counters: Equals<Result<"counters">, Remote<Counter>[]> = true;
const _maybe: Equals<Result<"maybe">, Remote<Counter> | undefined> = true;
const _entry: Equals<
  Result<"entry">,
  { name: string; counter: Remote<Counter>; bytes: Uint8Array }
> = true;
// Data stays data.
const _data: Equals<Result<"data">, { x: number; tags: string[]; at: Date }> = true;
const _number: Equals<Result<"calls">, number> = true;
const _unknown: Equals<RemoteValue<unknown>, unknown> = true;
const _proxy: Equals<RemoteValue<Remote<Counter>>, Remote<Counter>> = true;
// A proxy's string form is local: a string, not a promise.
const _toString: Equals<ReturnType<R["toString"]>, string> = true;
void [_counter, _later, _counters, _maybe, _entry, _data, _number, _unknown, _proxy, _toString];

Deno.test("a returned service object is a proxy, typed Remote<Service>", async () => {
  await using server = await startServer(["127.0.0.1", 0], new Registry(), { codec: MsgPack });
  await using client = await openConnection<Registry>(server.address, { codec: MsgPack });
  const counter: Remote<Counter> = await client.remote.counter();
  // @ts-expect-error the caller gets a proxy, not the local class
  const local: Counter = await client.remote.counter();
  assert(isProxy(local));
  assert(isProxy(counter));
  strictEqual(proxyPath(counter), "__proxy__/0");
  strictEqual(await counter.next(), 1);
  const [again] = await client.remote.counters();
  strictEqual(await again.next(), 2);
  const entry = await client.remote.entry();
  strictEqual(await entry.counter.next(), 3);
  strictEqual(entry.bytes[0], 1);
  strictEqual(await client.remote.maybe(false), null);
});

Deno.test("proxy.toString() is a local string, even when the class declares toString", async () => {
  await using server = await startServer(["127.0.0.1", 0], new Registry());
  await using client = await openConnection<Registry>(server.address);
  const text: string = client.remote.toString();
  strictEqual(text, `RemoteProxy("" at ${server.address})`);
  // @ts-expect-error toString is not a remote call: there is no promise
  const promise: Promise<string> = client.remote.toString();
  strictEqual(typeof promise, "string");
  strictEqual(await client.remote.calls(), 1, "toString sent no call");
});
