/**
 * Containers in child Deno processes: the equivalent of aiomas `subproc`.
 *
 * @module
 */

import { DenomasError } from "../../errors.ts";
import { abortable, deadline } from "../../internal/async.ts";
import type { ChildContainer, ChildOptions } from "./child.ts";
import { childConfig, ChildHandle } from "./_parent.ts";
import type { Container } from "../container.ts";
import type { Manager } from "./manager.ts";
import { READY_MARKER } from "./_main.ts";

/** Options of {@linkcode startSubprocess}. */
export interface SubprocessOptions extends ChildOptions {
  /**
   * Flags for `deno run` in the child, before the module.
   *
   * @default {["--allow-all"]}
   */
  readonly denoArgs?: readonly string[];
}

/**
 * Starts a container in a child Deno process (`deno run` of a module of
 * ours, with the same Deno executable) and returns it once it listens. Its
 * {@linkcode Manager} agent spawns agents there by module and export name,
 * sets its external clock, and shuts it down. The child's standard output
 * and error are forwarded to the parent's; the child also ends when the
 * parent process goes away.
 *
 * @param container The parent container, through which the parent talks to the child.
 * @param options Address, clock, start and stop timeouts, `deno run` flags.
 * @returns The child, once it listens.
 * @throws {DenomasError} when the child fails to start in time; `cause` says why.
 *
 * @example A child process with an external clock
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { Container, startSubprocess } from "@denomas/denomas/agent";
 *
 * await using container = await Container.create(["127.0.0.1", 0]);
 * await using child = await startSubprocess(container, {
 *   clock: { utcStart: "2026-01-01T00:00:00Z" },
 * });
 * await child.setTime(3600);
 * assertEquals(await child.time(), 3600);
 * ```
 */
export async function startSubprocess(
  container: Container,
  options: SubprocessOptions = {},
): Promise<ChildContainer> {
  const config = childConfig(container, options);
  const main = new URL("./_main.ts", import.meta.url).href;
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", ...(options.denoArgs ?? ["--allow-all"]), main, JSON.stringify(config)],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = readLines(process.stdout);
  let forwarding: Promise<void> = Promise.resolve();
  const kill = async () => {
    try {
      process.kill("SIGKILL");
    } catch {
      // It has ended already.
    }
    await process.status;
  };
  try {
    const ready = await abortable(
      waitForReady(lines),
      deadline("the child process's ready report", options.startTimeout ?? 30_000),
    );
    forwarding = forward(lines);
    const manager = await container.connect<Manager>(ready.manager, { timeout: 5_000 });
    return new ChildHandle(container, ready.url, manager, {
      kind: "subprocess",
      async waitForEnd(ms) {
        await closeStdin(process);
        const ended = await abortable(process.status, AbortSignal.timeout(ms))
          .then(() => true, () => false);
        if (ended) await forwarding;
        return ended;
      },
      async kill() {
        await closeStdin(process);
        await kill();
        await forwarding;
      },
    }, options.stopTimeout ?? 5_000);
  } catch (error) {
    await closeStdin(process);
    await kill();
    await forwarding.catch(() => {});
    await lines.return(undefined).catch(() => {});
    throw new DenomasError(`Cannot start a child container process: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function closeStdin(process: Deno.ChildProcess): Promise<void> {
  try {
    await process.stdin.close();
  } catch {
    // Closed already.
  }
}

/** The child's stdout, line by line. */
async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let pending = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    pending += text;
    let newline;
    while ((newline = pending.indexOf("\n")) >= 0) {
      yield pending.slice(0, newline + 1);
      pending = pending.slice(newline + 1);
    }
  }
  if (pending !== "") yield pending;
}

async function waitForReady(
  lines: AsyncGenerator<string>,
): Promise<{ url: string; manager: string }> {
  for (;;) {
    const { value: line, done } = await lines.next();
    if (done) throw new Error("the child process ended before it was ready");
    let message: Record<string, unknown> | undefined;
    try {
      const parsed = JSON.parse(line);
      if (parsed !== null && typeof parsed === "object" && READY_MARKER in parsed) message = parsed;
    } catch {
      // Not our line: the child's own output.
    }
    if (message === undefined) {
      await Deno.stdout.write(new TextEncoder().encode(line));
      continue;
    }
    if (message[READY_MARKER] !== true) throw new Error(String(message.error));
    return { url: String(message.url), manager: String(message.manager) };
  }
}

async function forward(lines: AsyncGenerator<string>): Promise<void> {
  const encoder = new TextEncoder();
  for await (const line of lines) await Deno.stdout.write(encoder.encode(line));
}
