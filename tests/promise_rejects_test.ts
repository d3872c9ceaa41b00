// Promise APIs report bad input by rejecting, never by throwing before they
// return a promise: `await assert.rejects(api(...))` must work.
import { ok as assert, rejects } from "node:assert/strict";
import { LocalTransport, tcpTransport } from "../channel/mod.ts";
import { ExternalClock, RealtimeClock, ScopedClock } from "../clocks/mod.ts";
import { callRemote, ReconnectingClient, serviceDict, startServer } from "../rpc/mod.ts";

/** Calls `fn`; fails if it throws instead of returning a promise. */
function promiseOf(fn: () => Promise<unknown>): Promise<unknown> {
  let result: Promise<unknown>;
  try {
    result = fn();
  } catch (error) {
    throw new Error(`threw synchronously instead of rejecting: ${error}`, { cause: error });
  }
  assert(result instanceof Promise);
  return result;
}

Deno.test("clock sleeps reject bad times instead of throwing", async () => {
  const external = new ExternalClock("2026-01-01T00:00:00Z");
  const scope = new AbortController();
  const clocks = [new RealtimeClock(), external, new ScopedClock(external, scope.signal)];
  for (const clock of clocks) {
    const past = new Date(clock.utcnow().epochMilliseconds - 60_000);
    await rejects(promiseOf(() => clock.sleepUntil(past)), RangeError);
    await rejects(promiseOf(() => clock.sleep(-1)), RangeError);
    await rejects(promiseOf(() => clock.sleep(Number.NaN)), RangeError);
    await rejects(promiseOf(() => clock.sleepUntil("soon" as unknown as number)), TypeError);
  }
});

Deno.test("transports reject bad endpoints and taken addresses instead of throwing", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await rejects(
    promiseOf(() =>
      tcpTransport.listen({ transport: "tcp", hostname: "127.0.0.1", port: taken.addr.port })
    ),
    Deno.errors.AddrInUse,
  );
  const local = new LocalTransport();
  await rejects(
    promiseOf(() => local.connect({ transport: "tcp", hostname: "127.0.0.1", port: 1 })),
    TypeError,
  );
  await rejects(
    promiseOf(() => local.listen({ transport: "unix", path: "/tmp/nope.sock" })),
    TypeError,
  );
});

Deno.test("RPC calls reject bad arguments instead of throwing", async () => {
  const service = serviceDict({ ping: () => "pong" });
  await using server = await startServer(["127.0.0.1", 0], service);
  await using client = new ReconnectingClient<typeof service>(server.address);
  await rejects(promiseOf(() => client.connect({ timeout: Number.NaN })), RangeError);
  const connection = await client.connect();
  await rejects(
    promiseOf(() => connection.call("ping", "x" as unknown as unknown[])),
    TypeError,
  );
  await rejects(
    promiseOf(() => callRemote(client.remote.ping, 1 as unknown as unknown[])),
    TypeError,
  );
});
