/**
 * Containers in Web Workers: more cores for agents, in one process.
 *
 * @module
 */

import { DenomasError } from "../../errors.ts";
import { abortable, deadline } from "../../internal/async.ts";
import type { ChildContainer, ChildOptions } from "./child.ts";
import { childConfig, ChildHandle } from "./_parent.ts";
import type { Container } from "../container.ts";
import type { Manager } from "./manager.ts";

/** Options of {@linkcode startWorker}. */
export type WorkerOptions = ChildOptions;

/**
 * Starts a container in a Web Worker (a module worker with the parent's
 * permissions) and returns it once it listens. It talks to the parent over
 * TCP (or the address given), so it behaves exactly like a container in a
 * child process: its {@linkcode Manager} agent spawns agents by module and
 * export name, sets its external clock, and shuts it down.
 *
 * @param container The parent container.
 * @param options Address, clock, start and stop timeouts.
 * @returns The child, once it listens.
 * @throws {DenomasError} when the worker fails to start in time; `cause` says why.
 *
 * @example A worker container with an external clock
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { Container, startWorker } from "@denomas/denomas/agent";
 *
 * await using container = await Container.create(["127.0.0.1", 0]);
 * await using child = await startWorker(container, {
 *   clock: { utcStart: "2026-01-01T00:00:00Z" },
 * });
 * await child.setTime(3600);
 * assertEquals(await child.time(), 3600);
 * ```
 */
export async function startWorker(
  container: Container,
  options: WorkerOptions = {},
): Promise<ChildContainer> {
  const config = childConfig(container, options);
  const worker = new Worker(new URL("./_main.ts", import.meta.url).href, {
    type: "module",
    name: "denomas child container",
  });
  const { promise: stopped, resolve: onStopped } = Promise.withResolvers<void>();
  const { promise: ready, resolve: onReady, reject: onFailed } = Promise.withResolvers<
    { url: string; manager: string }
  >();
  worker.onmessage = (event: MessageEvent) => {
    const data = event.data as {
      ready?: { url: string; manager: string };
      error?: string;
      stopped?: boolean;
    };
    if (data.ready) onReady(data.ready);
    else if (data.error !== undefined) onFailed(new Error(data.error));
    else if (data.stopped) onStopped();
  };
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    onFailed(new Error(event.message));
    onStopped();
  };
  worker.postMessage(config);
  try {
    const started = await abortable(
      ready,
      deadline("the worker's ready report", options.startTimeout ?? 30_000),
    );
    const manager = await container.connect<Manager>(started.manager, { timeout: 5_000 });
    return new ChildHandle(container, started.url, manager, {
      kind: "worker",
      async waitForEnd(ms) {
        const ended = await abortable(stopped, AbortSignal.timeout(ms))
          .then(() => true, () => false);
        worker.terminate();
        return ended;
      },
      kill() {
        worker.terminate();
        return Promise.resolve();
      },
    }, options.stopTimeout ?? 5_000);
  } catch (error) {
    worker.terminate();
    throw new DenomasError(`Cannot start a child container worker: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
