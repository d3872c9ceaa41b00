import { ok as assert, strictEqual } from "node:assert/strict";
import { Agent, Container } from "../agent/mod.ts";
import { ConnectionResetError } from "../channel/errors.ts";
import { MsgPack } from "../codecs/msgpack.ts";
import { TimeoutError } from "../errors.ts";
import { delay } from "../internal/async.ts";
import { connectNats, natsNetwork, serveNats } from "../nats/mod.ts";
import { expose, withOptions } from "../rpc/mod.ts";
import { NatsCluster, natsTest, until } from "./_nats_servers.ts";

/** Counts how often each call id ran, so a call that ran twice shows. */
class Worker extends Agent {
  readonly runs = new Map<number, number>();

  @expose
  async work(id: number, ms: number): Promise<number> {
    this.runs.set(id, (this.runs.get(id) ?? 0) + 1);
    await delay(ms);
    return id;
  }

  @expose
  echo(value: number): number {
    return value;
  }
}

/** A container attached first to node `first` of `cluster` (the others are its fallbacks). */
function attachedTo(cluster: NatsCluster, first: number, name: string): Promise<Container> {
  const urls = cluster.urls;
  const servers = [urls[first], ...urls.filter((_, i) => i !== first)];
  return Container.create(`nats://${name}`, {
    codec: MsgPack,
    network: natsNetwork({ servers, connection: { noRandomize: true }, onError: () => {} }),
  });
}

/** Calls until one succeeds; fails when none did within `ms` (the reconnect limit). */
async function succeedsWithin(ms: number, call: () => Promise<unknown>): Promise<void> {
  const end = performance.now() + ms;
  let last: unknown;
  while (performance.now() < end) {
    try {
      await call();
      return;
    } catch (error) {
      last = error;
      await delay(50);
    }
  }
  throw new Error(`no call succeeded within ${ms} ms`, { cause: last });
}

function assertRanAtMostOnce(workers: readonly Worker[]): void {
  for (const worker of workers) {
    for (const [id, count] of worker.runs) assert(count <= 1, `call ${id} ran ${count} times`);
  }
}

natsTest({
  name: "nats cluster: killing the caller's node, the callee's node, then every node",
  async fn() {
    await using cluster = await NatsCluster.start(3);
    await using a = await attachedTo(cluster, 0, "a");
    await using b = await attachedTo(cluster, 1, "b");
    await using c = await attachedTo(cluster, 2, "c");
    const inB = new Worker(b);
    const inC = new Worker(c);
    const toB = withOptions(await a.connect<Worker>(inB.addr, { timeout: 5000 }), {
      timeout: 4000,
    });
    const cToB = withOptions(await c.connect<Worker>(inB.addr, { timeout: 5000 }), {
      timeout: 4000,
    });
    strictEqual(await toB.echo(1), 1);
    strictEqual(await cToB.echo(2), 2);

    // 1. The caller's node dies: its in-flight calls reject with the connection error.
    let id = 0;
    const inFlight = Promise.allSettled(Array.from({ length: 20 }, () => toB.work(++id, 300)));
    await until("the calls arrived", () => inB.runs.size >= 20);
    await cluster.nodes[0].kill();
    for (const result of await inFlight) {
      strictEqual(result.status, "rejected");
      assert(
        (result as PromiseRejectedResult).reason instanceof ConnectionResetError,
        String((result as PromiseRejectedResult).reason),
      );
    }
    await succeedsWithin(5000, () => toB.echo(3));
    strictEqual(await toB.work(++id, 0), id);

    // 2. The callee's node dies: calls in flight to it settle within their
    // timeout (a reply sent after its reconnect still arrives), none hangs.
    const toCallee = Promise.allSettled(Array.from({ length: 20 }, () => cToB.work(++id, 300)));
    await until("the calls arrived", () => inB.runs.size >= id);
    await cluster.nodes[1].kill();
    for (const result of await toCallee) {
      if (result.status === "rejected") {
        assert(
          result.reason instanceof ConnectionResetError || result.reason instanceof TimeoutError,
          String(result.reason),
        );
      }
    }
    await succeedsWithin(5000, () => cToB.echo(4));
    await succeedsWithin(5000, () => toB.echo(5));
    assertRanAtMostOnce([inB, inC]);

    // 3. Every node is gone: calls fail at once; a node that returns brings them back.
    await cluster.nodes[2].kill();
    await until("the caller notices", async () => {
      try {
        await toB.echo(6);
        return false;
      } catch (error) {
        return error instanceof ConnectionResetError;
      }
    });
    const failures = await Promise.allSettled(Array.from({ length: 10 }, () => toB.echo(7)));
    for (const failure of failures) {
      assert(failure.status === "rejected" && failure.reason instanceof ConnectionResetError);
    }
    await cluster.nodes[0].restart();
    await succeedsWithin(10_000, () => toB.echo(8));
    strictEqual(await toB.work(++id, 0), id);
    assertRanAtMostOnce([inB, inC]);
  },
});

natsTest({
  name: "nats cluster: a reply finished while its server is down is sent after the reconnect",
  async fn() {
    await using cluster = await NatsCluster.start(2);
    const [first, second] = cluster.urls;
    const gate = Promise.withResolvers<string>();
    let started = false;
    const service = {
      gated: expose(() => {
        started = true;
        return gate.promise;
      }),
    };
    // The service knows only the second node, so it stays down until that node returns.
    await using server = await serveNats("gated", service, {
      servers: second,
      connection: { ignoreClusterUpdates: true },
      onError: () => {},
    });
    await using client = await connectNats<typeof service>("gated", {
      servers: first,
      connection: { ignoreClusterUpdates: true },
    });
    // The timeout only keeps a regression from hanging the test.
    const call = client.call("gated", [], undefined, { timeout: 30_000 });
    await until("the call arrived", () => started);
    await cluster.nodes[1].kill();
    await until("the service notices", () => !server.connected);
    gate.resolve("done while down");
    strictEqual(client.connected, true);
    await cluster.nodes[1].restart();
    strictEqual(await call, "done while down");
  },
});
