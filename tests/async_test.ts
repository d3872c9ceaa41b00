import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { abortable, deadline, delay, retry } from "../internal/async.ts";
import { DenomasError, TimeoutError } from "../errors.ts";

Deno.test("abortable rejects with the signal's reason and ignores a late result", async () => {
  const controller = new AbortController();
  const { promise, resolve } = Promise.withResolvers<number>();
  const waiting = abortable(promise, controller.signal);
  controller.abort(new Error("gave up"));
  await rejects(waiting, { message: "gave up" });
  resolve(1);
  assertEquals(
    await abortable(Promise.resolve(2), controller.signal).catch((e) => e.message),
    "gave up",
  );
});

Deno.test("delay resolves, and rejects at once when its signal aborts", async () => {
  await delay(1);
  const controller = new AbortController();
  const waiting = delay(60_000, { signal: controller.signal });
  controller.abort(new Error("stop"));
  await rejects(waiting, { message: "stop" });
});

Deno.test("deadline aborts with a TimeoutError that names the operation", async () => {
  const signal = deadline("connect to tcp://127.0.0.1:1", 5)!;
  await rejects(abortable(new Promise(() => {}), signal), (error: unknown) => {
    assertEquals(error instanceof TimeoutError && error instanceof DenomasError, true);
    assertEquals((error as TimeoutError).operation, "connect to tcp://127.0.0.1:1");
    return true;
  });
  assertEquals(deadline("x", undefined), undefined);
  assertEquals(deadline("x", 0), undefined);
});

Deno.test("retry retries retriable failures and gives the last one as the timeout's cause", async () => {
  let tries = 0;
  assertEquals(
    await retry(() => ++tries < 3 ? Promise.reject(new Error("refused")) : Promise.resolve(tries), {
      minDelay: 1,
    }),
    3,
  );
  await rejects(
    retry(() => Promise.reject(new Error("refused")), {
      minDelay: 1,
      signal: deadline("connect to x", 20),
    }),
    (error: unknown) => {
      assertEquals(error instanceof TimeoutError, true);
      assertEquals(((error as TimeoutError).cause as Error).message, "refused");
      assertEquals(
        (error as Error).message,
        "connect to x timed out after 20 ms; last failure: refused",
      );
      return true;
    },
  );
  let calls = 0;
  await rejects(
    retry(() => {
      calls++;
      return Promise.reject(new TypeError("bad"));
    }, { isRetriable: (e) => !(e instanceof TypeError) }),
    TypeError,
  );
  assertEquals(calls, 1);
});

Deno.test("retry's pauses grow by multiplier from minDelay up to maxDelay, less their jitter", async () => {
  // The pauses are the delays retry asks setTimeout for: recorded, then run at once.
  const pauses: number[] = [];
  const { setTimeout: realSetTimeout } = globalThis;
  const realRandom = Math.random;
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    pauses.push(ms ?? 0);
    return realSetTimeout(fn, 0);
  }) as typeof setTimeout;
  try {
    const failThen = (failures: number) => {
      let tries = 0;
      return () => ++tries > failures ? Promise.resolve(tries) : Promise.reject(new Error("no"));
    };
    assertEquals(await retry(failThen(6), { minDelay: 5, multiplier: 3, maxDelay: 100 }), 7);
    assertEquals(pauses, [5, 15, 45, 100, 100, 100]);
    pauses.length = 0;
    assertEquals(await retry(failThen(3)), 4);
    assertEquals(pauses, [10, 20, 40], "the defaults: 10 ms, doubling");
    pauses.length = 0;
    Math.random = () => 0.5;
    assertEquals(await retry(failThen(2), { minDelay: 100, jitter: 0.5 }), 3);
    assertEquals(pauses, [75, 150], "a random share up to `jitter` is taken off each pause");
  } finally {
    globalThis.setTimeout = realSetTimeout;
    Math.random = realRandom;
  }
});
