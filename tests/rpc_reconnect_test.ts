import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects,
  strictEqual,
} from "node:assert/strict";
import { TimeoutError } from "../errors.ts";
import {
  ConnectError,
  ConnectionResetError,
  tcpTransport,
  type Transport,
} from "../channel/mod.ts";
import {
  expose,
  ReconnectingClient,
  RemoteException,
  type RpcServer,
  serviceDict,
  startServer,
  withOptions,
} from "../rpc/mod.ts";

const LOCALHOST = "127.0.0.1";

/** A port nobody listens on (bound, then released). */
function freePort(): number {
  using probe = Deno.listen({ hostname: LOCALHOST, port: 0 });
  return probe.addr.port;
}

/** TCP that counts dials. */
function countingTransport(): Transport & { dials: number } {
  const transport = {
    dials: 0,
    listen: tcpTransport.listen,
    connect(endpoint: Parameters<Transport["connect"]>[0], signal?: AbortSignal) {
      transport.dials++;
      return tcpTransport.connect(endpoint, signal);
    },
  };
  return transport;
}

/** Waits (without a time limit) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
}

/** A server on `port` that counts accepted connections and executions of `work`. */
class Peer {
  accepted = 0;
  executions = 0;
  release = Promise.withResolvers<void>();
  server: RpcServer | undefined;
  readonly service = serviceDict({
    ping: expose(() => "pong"),
    work: expose(async () => {
      this.executions++;
      await this.release.promise;
      return "done";
    }),
    executions: expose(() => this.executions),
  });

  async start(port = 0): Promise<number> {
    this.server = await startServer([LOCALHOST, port], this.service, {
      onClient: () => {
        this.accepted++;
      },
    });
    return (this.server.endpoint as { port: number }).port;
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }
}

type PeerService = Peer["service"];

Deno.test("ReconnectingClient dials again after the server restarts on the same port", async () => {
  const peer = new Peer();
  const port = await peer.start();
  try {
    await using client = new ReconnectingClient<PeerService>([LOCALHOST, port]);
    strictEqual(client.client, undefined);
    strictEqual(await client.remote.ping(), "pong");
    const first = client.client!;
    assert(first !== undefined);
    await peer.stop();
    await first.closed;
    strictEqual(client.client, undefined);
    await peer.start(port);
    strictEqual(await client.remote.ping(), "pong");
    assert(client.client !== first);
    strictEqual(peer.accepted, 2);
  } finally {
    await peer.stop();
  }
});

Deno.test("concurrent callers of a ReconnectingClient share one dial", async () => {
  const peer = new Peer();
  const port = await peer.start();
  const transport = countingTransport();
  try {
    await using client = new ReconnectingClient<PeerService>([LOCALHOST, port], { transport });
    const replies = await Promise.all(Array.from({ length: 20 }, () => client.remote.ping()));
    assertEquals(replies, Array(20).fill("pong"));
    strictEqual(transport.dials, 1);
    strictEqual(peer.accepted, 1);
  } finally {
    await peer.stop();
  }
});

Deno.test("callers waiting for a server that is not up yet share one dial and one connection", async () => {
  const port = freePort();
  const transport = countingTransport();
  const peer = new Peer();
  await using client = new ReconnectingClient<PeerService>([LOCALHOST, port], {
    transport,
    connectTimeout: 30_000,
  });
  const calls = Array.from({ length: 10 }, () => client.remote.ping());
  await until(() => transport.dials >= 2); // refused at least twice: retrying
  await peer.start(port);
  try {
    assertEquals(await Promise.all(calls), Array(10).fill("pong"));
    strictEqual(peer.accepted, 1);
  } finally {
    await peer.stop();
  }
});

Deno.test("calls in flight when the connection dies reject and are not sent again", async () => {
  const peer = new Peer();
  const port = await peer.start();
  try {
    await using client = new ReconnectingClient<PeerService>([LOCALHOST, port]);
    const calls = Array.from({ length: 5 }, () => client.remote.work());
    await until(() => peer.executions === 5);
    const failed = Promise.all(calls.map((call) =>
      rejects(call, (error) => {
        assert(error instanceof ConnectionResetError, String(error));
        return true;
      })
    ));
    await peer.stop();
    await failed;
    peer.release.resolve();
    await peer.start(port);
    // The next call dials again; the five lost calls were not replayed.
    strictEqual(await client.remote.executions(), 5);
    strictEqual(peer.accepted, 2);
  } finally {
    peer.release.resolve();
    await peer.stop();
  }
});

Deno.test("a refused dial is retried until the call's deadline; the TimeoutError names the address and the OS error", async () => {
  const port = freePort();
  const transport = countingTransport();
  await using client = new ReconnectingClient<PeerService>([LOCALHOST, port], { transport });
  await rejects(withOptions(client.remote, { timeout: 200 }).ping(), (error) => {
    assert(error instanceof TimeoutError, String(error));
    assert(
      error.message.startsWith(`connect to tcp://127.0.0.1:${port} timed out after 200 ms; `),
      error.message,
    );
    assert(error.cause instanceof Deno.errors.ConnectionRefused, String(error.cause));
    assert(error.message.endsWith(`last failure: ${error.cause.message}`), error.message);
    return true;
  });
  assert(transport.dials >= 2, `${transport.dials} dials`);
});

Deno.test("without a deadline a ReconnectingClient dials once and says where and why", async () => {
  const port = freePort();
  const transport = countingTransport();
  await using client = new ReconnectingClient<PeerService>([LOCALHOST, port], { transport });
  strictEqual(client.address, `tcp://127.0.0.1:${port}`);
  strictEqual(String(client), `ReconnectingClient('tcp://127.0.0.1:${port}')`);
  strictEqual(Deno.inspect(client), `ReconnectingClient('tcp://127.0.0.1:${port}')`);
  await rejects(client.remote.ping(), (error) => {
    assert(error instanceof ConnectError, String(error));
    strictEqual(error.address, `tcp://127.0.0.1:${port}`);
    assert(error.cause instanceof Deno.errors.ConnectionRefused);
    return true;
  });
  strictEqual(transport.dials, 1);
});

Deno.test("a ReconnectingClient call with args that are not an array fails before dialling", async () => {
  const transport = countingTransport();
  await using client = new ReconnectingClient<PeerService>([LOCALHOST, freePort()], { transport });
  await rejects(
    client.call("ping", "no" as unknown as unknown[]),
    (error) => error instanceof TypeError && /args of a call must be an array/.test(error.message),
  );
  strictEqual(transport.dials, 0);
});

Deno.test("a call waiting for a dial is aborted by its signal, and the dial stops", async () => {
  const port = freePort();
  const transport = countingTransport();
  await using client = new ReconnectingClient<PeerService>([LOCALHOST, port], { transport });
  const controller = new AbortController();
  const calling = withOptions(client.remote, { signal: controller.signal }).ping();
  await until(() => transport.dials >= 2);
  const reason = new Error("enough");
  controller.abort(reason);
  await rejects(calling, (error) => error === reason);
  // A new caller starts afresh: one try without a deadline.
  const before = transport.dials;
  await rejects(client.remote.ping(), ConnectError);
  strictEqual(transport.dials, before + 1);
});

Deno.test("closing a ReconnectingClient fails waiting and later calls", async () => {
  const port = freePort();
  const client = new ReconnectingClient<PeerService>([LOCALHOST, port], {
    connectTimeout: 30_000,
  });
  const waiting = client.remote.ping();
  await client.close();
  await rejects(waiting, ConnectionResetError);
  await rejects(client.remote.ping(), ConnectionResetError);
  await rejects(client.connect(), ConnectionResetError);
  strictEqual(client.isClosed, true);
});

Deno.test("ReconnectingClient passes the peer's errors through and reaches sub-paths", async () => {
  const service = serviceDict({ sub: { twice: expose((x: number) => 2 * x) } });
  await using server = await startServer([LOCALHOST, 0], service);
  await using client = new ReconnectingClient<typeof service>(server.address);
  strictEqual(await client.remote.sub.twice(21), 42);
  strictEqual(await client.call("sub/twice", [2]), 4);
  await rejects(client.call("sub/nope"), (error) => {
    assert(error instanceof RemoteException);
    strictEqual(error.exceptionType, "LookupError");
    return true;
  });
  strictEqual(String(client.remote.sub), `RemoteProxy("sub" at ${client.address})`);
  const connection = await client.connect();
  strictEqual(connection, client.client);
});
