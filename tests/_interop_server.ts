/**
 * Runs `examples/interop_server.ts` and `examples/interop_client.ts` as
 * separate processes, for the interop tests over TCP and over NATS.
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { abortable, deadline } from "../internal/async.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SERVER = fileURLToPath(new URL("../examples/interop_server.ts", import.meta.url));
const CLIENT = fileURLToPath(new URL("../examples/interop_client.ts", import.meta.url));
/** How long a server may take to print READY (a cold start compiles the module graph first). */
const READY_TIMEOUT = 30_000;

/** The codecs both examples speak, by their `--codec` names. */
export const CODECS = ["json", "msgpack", "msgpackblosc"] as const;

/** One of {@linkcode CODECS}. */
export type CodecName = typeof CODECS[number];

/** A running `interop_server.ts`. */
export interface ServerProcess extends AsyncDisposable {
  /** What it printed after `READY `. */
  readonly address: string;
  readonly child: Deno.ChildProcess;
  /** Sends `signal` and resolves with the exit status and the rest of stdout/stderr. */
  stop(
    signal?: Deno.Signal,
  ): Promise<{ status: Deno.CommandStatus; stdout: string; stderr: string }>;
}

/** What `interop_client.ts` printed, and its exit code. */
export interface ClientResult {
  readonly code: number;
  readonly lines: string[];
  readonly stderr: string;
}

/** Starts `interop_server.ts` with `args` and resolves once it has printed `READY <address>`. */
export async function startInteropServer(args: string[]): Promise<ServerProcess> {
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
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
  };
  const readReady = async () => {
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
  };
  let address: string;
  try {
    address = await abortable(readReady(), deadline("interop_server READY", READY_TIMEOUT));
  } catch (error) {
    kill();
    await child.status;
    await lines.cancel();
    await stderr;
    throw error;
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

/** Runs `interop_client.ts` with `args` to its end. */
export async function runInteropClient(args: string[]): Promise<ClientResult> {
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

/** Asserts that the client passed every check, at least `atLeast` of them, and printed the summary. */
export function assertAllPassed(result: ClientResult, atLeast: number): void {
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
export async function forEveryCodec(check: (codec: CodecName) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(CODECS.map(check));
  const failures = results.flatMap((result, i) =>
    result.status === "rejected" ? [`${CODECS[i]}: ${result.reason?.stack ?? result.reason}`] : []
  );
  if (failures.length > 0) throw new Error(failures.join("\n\n"));
}
