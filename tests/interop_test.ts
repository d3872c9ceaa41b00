/**
 * Runs `examples/interop_client.ts` against `examples/interop_server.ts`, in
 * separate processes, for every codec, as a plain RPC server and as agents.
 *
 * @module
 */

import { ok, rejects, strictEqual } from "node:assert/strict";
import { Container } from "../agent/mod.ts";
import { RemoteException } from "../channel/mod.ts";
import { openConnection } from "../rpc/mod.ts";
import {
  assertAllPassed,
  forEveryCodec,
  runInteropClient,
  startInteropServer,
} from "./_interop_server.ts";

Deno.test("interop client passes every check against the RPC server, with each codec", async () => {
  await forEveryCodec(async (codec) => {
    await using server = await startInteropServer(["--port", "0", "--codec", codec]);
    ok(/^127\.0\.0\.1:\d+$/.test(server.address), server.address);
    assertAllPassed(
      await runInteropClient([server.address, "--codec", codec]),
      codec === "json" ? 23 : 25,
    );
  });
});

Deno.test("interop client passes every check against agents 0 and 1, with each codec", async () => {
  await forEveryCodec(async (codec) => {
    await using server = await startInteropServer(["--agents", "--codec", codec]);
    ok(/^tcp:\/\/127\.0\.0\.1:\d+$/.test(server.address), server.address);
    const result = await runInteropClient([
      `${server.address}/0`,
      `${server.address}/1`,
      "--codec",
      codec,
    ]);
    assertAllPassed(result, codec === "json" ? 52 : 56);
    ok(result.lines.some((line) => line.startsWith(`PASS [${server.address}/1] callback(`)));
  });
});

Deno.test("interop client exits with status 1 and counts the failures when the codecs differ", async () => {
  await using server = await startInteropServer(["--codec", "msgpack"]);
  const result = await runInteropClient([server.address, "--codec", "json", "--timeout", "2000"]);
  strictEqual(result.code, 1);
  const match = /^(\d+) passed, (\d+) failed$/.exec(result.lines.at(-1) ?? "");
  ok(match && Number(match[2]) > 0, result.lines.join("\n"));
  ok(result.lines.some((line) => line.startsWith("FAIL ")));
});

Deno.test({
  name: "interop server exits with status 0 on SIGTERM and on SIGINT",
  // Windows has no SIGTERM, and child.kill("SIGINT") is not supported there.
  ignore: Deno.build.os === "windows",
}, async () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    await using server = await startInteropServer(["--agents"]);
    const { status, stderr } = await server.stop(signal);
    strictEqual(status.code, 0, stderr);
    ok(stderr.includes(`stopped (${signal})`), stderr);
  }
});

/** Expects the EXCEPTION reply of a call cut short by the server's shutdown. */
function isShutdownReply(error: unknown): boolean {
  ok(error instanceof RemoteException, String(error));
  ok(/ShutdownError: .*shut down/.test(error.remoteTraceback), error.remoteTraceback);
  return true;
}

Deno.test({
  name:
    "interop server exits on SIGTERM without waiting for a pending sleep(10, x); the call fails",
  ignore: Deno.build.os === "windows",
}, async () => {
  {
    await using server = await startInteropServer(["--grace", "100"]);
    await using client = await openConnection(server.address);
    const sleeping = rejects(client.call("sleep", [10, "x"]), isShutdownReply);
    // Requests are dispatched in order: once add() answers, sleep() is pending.
    strictEqual(await client.call("add", [1, 2]), 3);
    const { status, stderr } = await server.stop("SIGTERM");
    await sleeping;
    strictEqual(status.code, 0, stderr);
    ok(stderr.includes("stopped (SIGTERM)"), stderr);
  }
  {
    await using server = await startInteropServer(["--agents", "--grace", "100"]);
    await using container = await Container.create(["127.0.0.1", 0]);
    const agent = await container.connect<{
      sleep(t: number, v: string): Promise<string>;
      add(a: number, b: number): Promise<number>;
    }>(`${server.address}/0`);
    const sleeping = rejects(agent.sleep(10, "x"), isShutdownReply);
    strictEqual(await agent.add(1, 2), 3);
    const { status, stderr } = await server.stop("SIGTERM");
    await sleeping;
    strictEqual(status.code, 0, stderr);
  }
});

Deno.test("interop server stops by itself after --seconds", async () => {
  await using server = await startInteropServer(["--seconds", "0.2"]);
  const status = await server.child.status;
  strictEqual(status.code, 0);
  ok((await server.stop()).stderr.includes("stopped (time is up)"));
});
