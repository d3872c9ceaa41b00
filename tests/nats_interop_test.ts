/**
 * Runs `examples/interop_client.ts` against `examples/interop_server.ts`
 * over a real nats-server, in separate processes, for every codec.
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { NatsCluster, natsTest } from "./_nats_servers.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SERVER = fileURLToPath(new URL("../examples/interop_server.ts", import.meta.url));
const CLIENT = fileURLToPath(new URL("../examples/interop_client.ts", import.meta.url));
const CODECS = ["json", "msgpack", "msgpackblosc"] as const;

/** Starts the server and resolves to what it printed after `READY `, and a way to stop it. */
async function startServer(args: string[]): Promise<{ address: string; stop(): Promise<void> }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SERVER, ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* exited already */ }
    await child.status;
    while (!(await reader.read()).done) { /* drain */ }
    await stderr;
  };
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      await stop();
      throw new Error(`interop_server exited before READY: ${await stderr}`);
    }
    text += value;
    const ready = /^READY (\S+)$/m.exec(text);
    if (ready) return { address: ready[1], stop };
  }
}

async function runClient(args: string[]): Promise<{ code: number; lines: string[] }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLIENT, ...args],
    cwd: ROOT,
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const lines = new TextDecoder().decode(output.stdout).trimEnd().split("\n");
  return { code: output.code, lines };
}

natsTest({
  name: "nats interop: the client passes every check against NATS agents, with each codec",
  async fn() {
    // Two nodes: the server joins one, the client the other, so calls cross a route.
    await using cluster = await NatsCluster.start(2);
    const [first, second] = cluster.urls;
    const results = await Promise.allSettled(CODECS.map(async (codec) => {
      const server = await startServer([
        "--agents",
        "--nats",
        `${first},${second}`,
        "--name",
        `interop.${codec}`,
        "--codec",
        codec,
      ]);
      try {
        strictEqual(server.address, `nats://interop.${codec}`);
        const result = await runClient([server.address, "--codec", codec, "--nats", second]);
        const summary = result.lines.at(-1) ?? "";
        const match = /^(\d+) passed, (\d+) failed$/.exec(summary);
        ok(match, `no summary line:\n${result.lines.join("\n")}`);
        deepStrictEqual(result.lines.filter((line) => !line.startsWith("PASS ")), [summary]);
        ok(Number(match[1]) >= 40, `only ${match[1]} checks ran`);
        strictEqual(result.code, 0);
      } finally {
        await server.stop();
      }
    }));
    const failures = results.flatMap((result, i) =>
      result.status === "rejected" ? [`${CODECS[i]}: ${result.reason?.stack ?? result.reason}`] : []
    );
    if (failures.length > 0) throw new Error(failures.join("\n\n"));
  },
});
