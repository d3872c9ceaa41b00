/**
 * Internal: the parent's side of a child container.
 *
 * @module
 */

import type { ClockTime } from "../../clocks/clock.ts";
import { parseAddress } from "../../channel/address.ts";
import type { ChildContainer, ChildOptions } from "./child.ts";
import type { AgentProxy, Container } from "../container.ts";
import type { Manager } from "./manager.ts";
import type { ChildConfig } from "./_main.ts";
import { containerHooks } from "../_hooks.ts";

/** Internal: how a child ends, for {@linkcode ChildContainer}. */
export interface ChildBackend {
  /** `"subprocess"` or `"worker"`. */
  readonly kind: "subprocess" | "worker";
  /** Resolves `true` once the child ended, `false` after `ms` milliseconds. */
  waitForEnd(ms: number): Promise<boolean>;
  /** Ends the child at once. */
  kill(): Promise<void>;
}

/** Internal: the JSON configuration for a child. */
export function childConfig(
  container: Container,
  options: ChildOptions,
): ChildConfig {
  const codec = new container.codec().name;
  const clock = options.clock;
  const addr = options.addr ?? ["127.0.0.1", 0];
  if (parseAddress(addr).transport === "local") {
    throw new TypeError(
      "A child container needs a tcp or ipc address: local:// queues do not cross processes or workers",
    );
  }
  return {
    addr,
    codec,
    clock: clock ? { utcStart: toIso(clock.utcStart), initTime: clock.initTime ?? 0 } : undefined,
    extraSerializers: options.extraSerializers
      ? {
        module: resolveSpecifier(options.extraSerializers.module),
        export: options.extraSerializers.export,
      }
      : undefined,
  };
}

function toIso(date: string | Date | Temporal.Instant | Temporal.ZonedDateTime): string {
  if (typeof date === "string") return date;
  if (date instanceof Date) return date.toISOString();
  return date instanceof Temporal.ZonedDateTime ? date.toInstant().toString() : date.toString();
}

/**
 * Makes a module specifier absolute: relative paths are resolved against the
 * current directory, URLs and bare specifiers (`npm:…`, `jsr:…`) stay as
 * they are.
 */
export function resolveSpecifier(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^(\.{1,2}\/|\/)/.test(module)) {
    return new URL(module, `file://${Deno.cwd().replace(/\/?$/, "/")}`).href;
  }
  return module;
}

/** Internal: the {@linkcode ChildContainer} of both kinds. */
export class ChildHandle implements ChildContainer {
  /** The child container's URL, e.g. `"tcp://127.0.0.1:40123"`. */
  readonly url: string;
  /** The proxy of the child's manager agent (id `"0"`). */
  readonly manager: AgentProxy<Manager>;
  /** `"subprocess"` or `"worker"`. */
  readonly kind: "subprocess" | "worker";
  readonly #parent: Container;
  readonly #backend: ChildBackend;
  readonly #stopTimeout: number;
  readonly #removeCleanup: () => void;
  #stopping: Promise<void> | undefined;

  constructor(
    parent: Container,
    url: string,
    manager: AgentProxy<Manager>,
    backend: ChildBackend,
    stopTimeout: number,
  ) {
    this.#parent = parent;
    this.url = url;
    this.manager = manager;
    this.kind = backend.kind;
    this.#backend = backend;
    this.#stopTimeout = stopTimeout;
    this.#removeCleanup = containerHooks.get(parent)?.addCleanup(() => this.stop()) ?? (() => {});
  }

  /**
   * Creates an agent in the child: `new (await import(module))[exportName](container, ...args)`.
   *
   * @param module The module of the agent class: a URL, an absolute
   *   specifier, or a path relative to the current directory.
   * @param exportName The class's export name.
   * @param args More constructor arguments (they travel through the codec).
   * @returns A proxy of the new agent, through the parent container.
   */
  async spawn<T = unknown>(
    module: string | URL,
    exportName: string,
    ...args: unknown[]
  ): Promise<AgentProxy<T>> {
    const url = await this.manager.spawn(resolveSpecifier(module), exportName, args);
    return await this.#parent.connect<T>(url);
  }

  /**
   * Moves the child's external clock to `t` (clock seconds or a date).
   *
   * @throws {RemoteException} when the child runs a real-time clock or `t`
   *   is not after its time.
   */
  async setTime(t: ClockTime): Promise<void> {
    await this.manager.setTime(t);
  }

  /** The child's clock time in seconds. */
  time(): Promise<number> {
    return this.manager.time();
  }

  /**
   * Shuts the child container down and waits for the child to end; kills it
   * when it takes longer than `stopTimeout`. Calling it again is harmless.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#removeCleanup();
      try {
        await this.manager.shutdown();
      } catch {
        // Already gone (or going): the wait below settles it either way.
      }
      if (!await this.#backend.waitForEnd(this.#stopTimeout)) await this.#backend.kill();
    })();
    return this.#stopping;
  }

  /** Stops the child, see {@linkcode ChildContainer.stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** E.g. `ChildContainer('tcp://127.0.0.1:40123', subprocess)`. */
  toString(): string {
    return `ChildContainer('${this.url}', ${this.kind})`;
  }
}
