/**
 * Graceful shutdown: `close({ timeout })` of channels and servers and
 * `container.shutdown({ timeout })` stop taking calls, let the calls being
 * answered finish within the grace period, then answer the rest with a
 * `ShutdownError`, and return.
 *
 * @module
 */

import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { Agent, Container } from "../agent/mod.ts";
import { openConnection, RemoteException, startServer } from "../channel/mod.ts";
import type { Request } from "../channel/channel.ts";
import { expose, openConnection as openRpc, startServer as startRpc } from "../rpc/mod.ts";
import { delay } from "../internal/async.ts";

/** A channel server that holds every request for the test to answer. */
async function holdingServer() {
  const held: Request[] = [];
  let wake: (() => void) | undefined;
  const server = await startServer(["127.0.0.1", 0], (channel) => {
    channel.serve((request) => {
      held.push(request);
      wake?.();
    });
  });
  /** Resolves once `count` requests were received. */
  const received = async (count: number) => {
    while (held.length < count) await new Promise<void>((resolve) => wake = resolve);
  };
  return { server, held, received };
}

function isShutdownReply(error: unknown, ...parts: string[]): boolean {
  assert(error instanceof RemoteException, String(error));
  const last = error.remoteTraceback.trimEnd().split("\n").at(-1) ?? "";
  assert(last.startsWith("ShutdownError: "), error.remoteTraceback);
  for (const part of parts) assert(last.includes(part), last);
  return true;
}

Deno.test("close({ timeout }) lets a call being answered finish within the grace period", async () => {
  const { server, held, received } = await holdingServer();
  await using channel = await openConnection(server.address);
  const call = channel.send("slow");
  await received(1);
  const closing = server.close({ timeout: 60_000 });
  await delay(5);
  held[0].reply("finished");
  await closing;
  assertEquals(await call, "finished");
});

Deno.test("a call still unanswered when the grace period ends gets a ShutdownError caused by its TimeoutError", async () => {
  const { server, held, received } = await holdingServer();
  await using channel = await openConnection(server.address);
  const slow = channel.send("slow");
  await received(1);
  await server.close({ timeout: 20 });
  await assertRejects(
    slow,
    (error) => isShutdownReply(error, "shut down", "timed out after 20 ms"),
  );
  // The handler answering later is harmless: the answer is dropped.
  assertEquals(held[0].reply("too late"), false);
  assertEquals(held[0].answered, true);
});

Deno.test("while closing gracefully, new calls are refused with a ShutdownError", async () => {
  const { server, held, received } = await holdingServer();
  await using channel = await openConnection(server.address);
  const first = channel.send("first");
  await received(1);
  const closing = server.close({ timeout: 60_000 });
  await assertRejects(
    channel.send("second"),
    (error) => isShutdownReply(error, "takes no new calls"),
  );
  assertEquals(held.length, 1);
  held[0].reply("done");
  await closing;
  assertEquals(await first, "done");
});

Deno.test("close({ timeout: 0 }) answers pending calls with a ShutdownError at once", async () => {
  const { server, received } = await holdingServer();
  await using channel = await openConnection(server.address);
  const calls = [channel.send("a"), channel.send("b")];
  await received(2);
  await server.close({ timeout: 0 });
  for (const call of calls) await assertRejects(call, (error) => isShutdownReply(error));
});

Deno.test("a graceful close ends early when the peer goes away", async () => {
  const { server, received } = await holdingServer();
  const channel = await openConnection(server.address);
  void channel.send("never answered").catch(() => {});
  await received(1);
  const closing = server.close({ timeout: 60_000 });
  await channel.close();
  await closing; // resolves without waiting out the minute
  assertEquals(server.channels.size, 0);
});

Deno.test("an RPC server closed with a grace period fails a hanging call with a ShutdownError", async () => {
  const started = Promise.withResolvers<void>();
  const service = {
    hang: expose(() => {
      started.resolve();
      return new Promise(() => {});
    }),
    add: expose((a: number, b: number) => a + b),
  };
  await using server = await startRpc(["127.0.0.1", 0], service);
  await using client = await openRpc<typeof service>(server.address);
  const hanging = client.remote.hang();
  await started.promise;
  assertEquals(await client.remote.add(1, 2), 3);
  await server.close({ timeout: 10 });
  await assertRejects(hanging, (error) => isShutdownReply(error, "timed out after 10 ms"));
});

Deno.test("container.shutdown({ timeout }) lets an agent's call finish, and fails one that outlasts it", async () => {
  const started = Promise.withResolvers<void>();
  const waiting = Promise.withResolvers<void>();
  const finish = Promise.withResolvers<string>();
  class Worker extends Agent {
    @expose
    quick(): Promise<string> {
      started.resolve();
      return finish.promise;
    }

    @expose
    forever(): Promise<never> {
      waiting.resolve();
      return new Promise(() => {});
    }
  }
  await using caller = await Container.create(["127.0.0.1", 0]);
  const workers = await Container.create(["127.0.0.1", 0]);
  const worker = await caller.connect<Worker>(new Worker(workers).addr);
  const quick = worker.quick();
  const forever = worker.forever();
  await Promise.all([started.promise, waiting.promise]);
  const shutdown = workers.shutdown({ timeout: 50 });
  finish.resolve("finished in time");
  assertEquals(await quick, "finished in time");
  await shutdown;
  await assertRejects(forever, (error) => isShutdownReply(error, "timed out after 50 ms"));
  assert(workers.isShutdown);
});
