/**
 * Runs `examples/interop_client.ts` against `examples/interop_server.ts`, in
 * separate processes, for every codec, as a plain RPC server and as agents.
 *
 * @module
 */

import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Container } from "../agent/mod.ts";
import { RemoteException } from "../channel/mod.ts";
import { openConnection } from "../rpc/mod.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SERVER = fileURLToPath(new URL("../examples/interop_server.ts", import.meta.url));
const CLIENT = fileURLToPath(new URL("../examples/interop_client.ts", import.meta.url));
const CODECS = ["json", "msgpack", "msgpackblosc"] as const;
/** How long a server may take to print READY (a cold start compiles the module graph first). */
const READY_TIMEOUT = 30_000;

/** A running `interop_server.ts`. */
interface ServerProcess extends AsyncDisposable {
  /** What it printed after `READY `. */
  readonly address: string;
  readonly child: Deno.ChildProcess;
  /** Sends `signal` and resolves with the exit status and the rest of stdout/stderr. */
  stop(
    signal?: Deno.Signal,
  ): Promise<{ status: Deno.CommandStatus; stdout: string; stderr: string }>;
}

async function startInteropServer(args: string[]): Promise<ServerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SERVER, ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
  };
  let address: string;
  try {
    address = await Promise.race([
      (async () => {
        for (;;) {
          const newline = buffered.indexOf("\n");
          if (newline >= 0) {
            const line = buffered.slice(0, newline);
            buffered = buffered.slice(newline + 1);
            if (line.startsWith("READY ")) return line.slice("READY ".length).trim();
            continue;
          }
          const { value, done } = await lines.read();
          if (done) throw new Error(`the server exited before READY: ${await stderr}`);
          buffered += value;
        }
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("no READY line in time")), READY_TIMEOUT);
      }),
    ]);
  } catch (error) {
    kill();
    await child.status;
    await lines.cancel();
    await stderr;
    throw error;
  } finally {
    clearTimeout(timer);
  }
  let stopped: ReturnType<ServerProcess["stop"]> | undefined;
  const stop = (signal: Deno.Signal = "SIGTERM") =>
    stopped ??= (async () => {
      try {
        child.kill(signal);
      } catch { /* already exited */ }
      const killer = setTimeout(kill, 10_000);
      const status = await child.status;
      clearTimeout(killer);
      let rest = buffered;
      for (;;) {
        const { value, done } = await lines.read();
        if (done) break;
        rest += value;
      }
      return { status, stdout: rest, stderr: await stderr };
    })();
  return { address, child, stop, [Symbol.asyncDispose]: async () => void await stop() };
}

async function runClient(
  args: string[],
): Promise<{ code: number; lines: string[]; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLIENT, ...args],
    cwd: ROOT,
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  return {
    code: output.code,
    lines: text.trimEnd().split("\n"),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

/** Asserts that the client passed every check and printed the summary. */
function assertAllPassed(
  result: { code: number; lines: string[]; stderr: string },
  atLeast: number,
) {
  const failures = result.lines.filter((line) => !line.startsWith("PASS "));
  const summary = result.lines.at(-1) ?? "";
  const match = /^(\d+) passed, (\d+) failed$/.exec(summary);
  ok(match, `no summary line; output:\n${result.lines.join("\n")}\n${result.stderr}`);
  deepStrictEqual(failures, [summary], result.stderr);
  strictEqual(Number(match[2]), 0);
  ok(Number(match[1]) >= atLeast, `only ${match[1]} checks ran`);
  strictEqual(Number(match[1]), result.lines.length - 1);
  strictEqual(result.code, 0);
}

/** Runs `check` for every codec at once and reports every failure, naming its codec. */
async function forEveryCodec(
  check: (codec: typeof CODECS[number]) => Promise<void>,
): Promise<void> {
  const results = await Promise.allSettled(CODECS.map(check));
  const failures = results.flatMap((result, i) =>
    result.status === "rejected" ? [`${CODECS[i]}: ${result.reason?.stack ?? result.reason}`] : []
  );
  if (failures.length > 0) throw new Error(failures.join("\n\n"));
}

Deno.test("interop client passes every check against the RPC server, with each codec", async () => {
  await forEveryCodec(async (codec) => {
    await using server = await startInteropServer(["--port", "0", "--codec", codec]);
    ok(/^127\.0\.0\.1:\d+$/.test(server.address), server.address);
    assertAllPassed(
      await runClient([server.address, "--codec", codec]),
      codec === "json" ? 23 : 25,
    );
  });
});

Deno.test("interop client passes every check against agents 0 and 1, with each codec", async () => {
  await forEveryCodec(async (codec) => {
    await using server = await startInteropServer(["--agents", "--codec", codec]);
    ok(/^tcp:\/\/127\.0\.0\.1:\d+$/.test(server.address), server.address);
    const result = await runClient([
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
  const result = await runClient([server.address, "--codec", "json", "--timeout", "2000"]);
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
