import { ok as assert, rejects, strictEqual } from "node:assert/strict";
import { TimeoutError } from "../errors.ts";
import {
  type Channel,
  ConnectError,
  ConnectionResetError,
  openConnection,
  startServer,
  tcpTransport,
  TlsConfigError,
  type Transport,
} from "../channel/mod.ts";
import { TRANSPORTS } from "./_channel_util.ts";

function echo(channel: Channel): void {
  channel.serve((request) => request.reply(request.content));
}

async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "denomas-server-" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

Deno.test("startServer on port 0 binds a free port and reports it", async () => {
  await using server = await startServer(["127.0.0.1", 0], echo);
  assert(server.endpoint.transport === "tcp");
  assert(server.endpoint.port > 0);
  strictEqual(server.address, `127.0.0.1:${server.endpoint.port}`);
  for (
    const address of [
      server.address,
      `tcp://${server.address}`,
      ["127.0.0.1", server.endpoint.port] as const,
    ]
  ) {
    await using channel = await openConnection(address);
    strictEqual(await channel.send(address.toString()), address.toString());
    strictEqual(channel.peer.address, server.address);
  }
});

Deno.test("a second server on a taken TCP port fails with AddrInUse", async () => {
  await using server = await startServer(["127.0.0.1", 0], echo);
  await rejects(startServer(server.address, echo), Deno.errors.AddrInUse);
});

for (const transport of TRANSPORTS) {
  Deno.test(`${transport.name}: server.channels holds open channels and close() closes them`, async () => {
    await using bound = await transport.bind();
    const server = await startServer(bound.address, echo);
    const a = await openConnection(server.address);
    const b = await openConnection(server.address);
    await a.send(1);
    await b.send(2);
    strictEqual(server.channels.size, 2);
    await a.close();
    // The server side notices the client's close and forgets that channel.
    while (server.channels.size > 1) await new Promise((resolve) => setTimeout(resolve, 1));
    strictEqual(server.channels.size, 1);
    await server.close();
    strictEqual(server.channels.size, 0);
    assert(await b.closed instanceof ConnectionResetError);
    await rejects(b.send(3), ConnectionResetError);
    await b.close();
    await server.close(); // idempotent
  });

  Deno.test(`${transport.name}: an onChannel handler that throws closes only its channel`, async () => {
    await using bound = await transport.bind();
    let calls = 0;
    const logged: unknown[] = [];
    const originalError = console.error;
    console.error = (...args: unknown[]) => logged.push(args);
    try {
      await using server = await startServer(bound.address, (channel) => {
        if (calls++ === 0) throw new Error("handler bug");
        echo(channel);
      });
      const first = await openConnection(server.address);
      assert(await first.closed instanceof ConnectionResetError);
      await first.close();
      await using second = await openConnection(server.address);
      strictEqual(await second.send("ok"), "ok");
      strictEqual(logged.length, 1);
    } finally {
      console.error = originalError;
    }
  });
}

Deno.test("unix: the socket file exists while listening and is removed on close", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/s.sock`;
  const server = await startServer(path, echo);
  strictEqual(server.address, path);
  assert(Deno.lstatSync(path).isSocket);
  {
    await using channel = await openConnection(`unix://${path}`);
    strictEqual(await channel.send("hi"), "hi");
  }
  await server.close();
  await rejects(Deno.lstat(path), Deno.errors.NotFound);
});

Deno.test("unix: a stale socket file is replaced", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/stale.sock`;
  // A server process that dies without cleaning up leaves its socket file behind.
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `Deno.listen({ transport: "unix", path: ${JSON.stringify(path)} }); console.log("up");` +
      " setInterval(() => {}, 1000);",
    ],
    stdout: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  strictEqual((await reader.read()).value?.trim(), "up");
  child.kill("SIGKILL");
  await child.status;
  await reader.cancel();
  assert(Deno.lstatSync(path).isSocket, "the stale socket file is there");
  await using _server = await startServer(path, echo);
  await using channel = await openConnection(path);
  strictEqual(await channel.send("fresh"), "fresh");
});

Deno.test("unix: a path that is not a socket is never removed", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/precious.txt`;
  Deno.writeTextFileSync(path, "keep me");
  await rejects(startServer(path, echo), (error) => {
    return error instanceof Deno.errors.AddrInUse && error.message.includes("not a socket");
  });
  strictEqual(Deno.readTextFileSync(path), "keep me");
});

Deno.test("unix: a live socket is not taken over", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/live.sock`;
  await using _first = await startServer(path, echo);
  await rejects(startServer(path, echo), (error) => {
    return error instanceof Deno.errors.AddrInUse &&
      error.message.includes("in use by a running server");
  });
  await using channel = await openConnection(path);
  strictEqual(await channel.send("still mine"), "still mine");
});

Deno.test("openConnection retries until the server is up (TCP)", async () => {
  // Find a free port, release it, and connect before anyone listens there.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  const connecting = openConnection(["127.0.0.1", port], { timeout: 10_000 });
  await new Promise((resolve) => setTimeout(resolve, 30));
  await using _server = await startServer(["127.0.0.1", port], echo);
  await using channel = await connecting;
  strictEqual(await channel.send("late server"), "late server");
});

Deno.test("openConnection without a timeout fails at once when nobody listens", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  await rejects(openConnection(["127.0.0.1", port]), (error) => {
    assert(error instanceof ConnectError, String(error));
    strictEqual(error.address, `tcp://127.0.0.1:${port}`);
    assert(error.message.startsWith(`Cannot connect to tcp://127.0.0.1:${port}: `), error.message);
    assert(error.cause instanceof Deno.errors.ConnectionRefused);
    return true;
  });
});

Deno.test("openConnection retries with backoff, then gives up after its timeout", async () => {
  await using dir = await tempDir();
  let attempts = 0;
  const transport: Transport = {
    listen: (endpoint) => tcpTransport.listen(endpoint),
    connect(endpoint, signal) {
      attempts++;
      return tcpTransport.connect(endpoint, signal);
    },
  };
  const path = `${dir.path}/nobody.sock`;
  await rejects(openConnection(path, { timeout: 100, transport }), (error) => {
    assert(error instanceof TimeoutError, String(error));
    strictEqual(error.operation, `connect to ${path}`);
    strictEqual(error.timeout, 100);
    assert(error.cause instanceof Deno.errors.NotFound);
    assert(error.message.includes("; last failure: "), error.message);
    return true;
  });
  assert(attempts >= 2, `${attempts} attempts`);
  attempts = 0;
  await rejects(openConnection(path, { transport }), (error) => {
    return error instanceof ConnectError && error.cause instanceof Deno.errors.NotFound;
  });
  strictEqual(attempts, 1);
});

Deno.test("openConnection rejects with the signal's reason when aborted", async () => {
  await using dir = await tempDir();
  const controller = new AbortController();
  const connecting = openConnection(`${dir.path}/nobody.sock`, {
    timeout: 60_000,
    signal: controller.signal,
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  controller.abort(new Error("stop trying"));
  await rejects(connecting, /stop trying/);
  await rejects(
    openConnection(["127.0.0.1", 1], { signal: AbortSignal.abort(new Error("before")) }),
    /before/,
  );
});

Deno.test("a local:// address needs an explicit transport", async () => {
  await rejects(openConnection("local://q"), (error) => {
    return error instanceof TypeError && error.message.includes("explicit transport");
  });
  await rejects(startServer("local://q", echo), TypeError);
});

Deno.test("the tls option routes through the TLS transport", async () => {
  const tls = { ca: "/nonexistent/ca.pem", cert: "/nonexistent/c.pem", key: "/nonexistent/k.pem" };
  await rejects(startServer(["127.0.0.1", 0], echo, { tls }), TlsConfigError);
  await rejects(openConnection(["127.0.0.1", 1], { tls }), TlsConfigError);
});
