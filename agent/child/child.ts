/**
 * A container in another process or worker, seen from its parent.
 *
 * @module
 */

import type { ClockTime } from "../../clocks/clock.ts";
import type { Address } from "../../channel/address.ts";
import type { AgentProxy } from "../container.ts";
import type { Manager } from "./manager.ts";
import type { ModuleExport } from "./_main.ts";

export type { ModuleExport };

/** Options shared by {@linkcode startSubprocess} and {@linkcode startWorker}. */
export interface ChildOptions {
  /**
   * Where the child container listens.
   *
   * @default {["127.0.0.1", 0]}
   */
  readonly addr?: Address;
  /**
   * Gives the child an `ExternalClock` starting at `utcStart` (and
   * `initTime` seconds), which {@linkcode ChildContainer.setTime} moves.
   * Without it the child runs a real-time clock.
   */
  readonly clock?: {
    readonly utcStart: string | Date | Temporal.Instant | Temporal.ZonedDateTime;
    readonly initTime?: number;
  };
  /**
   * A module export holding the child's extra serializers (an array, in the
   * same order as the parent's `extraSerializers`).
   */
  readonly extraSerializers?: ModuleExport;
  /**
   * How long to wait for the child to listen, in milliseconds.
   *
   * @default {30_000}
   */
  readonly startTimeout?: number;
  /**
   * How long {@linkcode ChildContainer.stop} waits for the child to end
   * before killing it, in milliseconds.
   *
   * @default {5_000}
   */
  readonly stopTimeout?: number;
}

/**
 * A container running in a child process ({@linkcode startSubprocess}) or a
 * Web Worker ({@linkcode startWorker}), managed through its
 * {@linkcode Manager} agent. Shutting the parent container down stops it too.
 */
export interface ChildContainer extends AsyncDisposable {
  /** The child container's URL, e.g. `"tcp://127.0.0.1:40123"`. */
  readonly url: string;
  /** The proxy of the child's manager agent (id `"0"`). */
  readonly manager: AgentProxy<Manager>;
  /** `"subprocess"` or `"worker"`. */
  readonly kind: "subprocess" | "worker";
  /**
   * Creates an agent in the child: `new (await import(module))[exportName](container, ...args)`.
   *
   * @param module The module of the agent class: a URL, an absolute
   *   specifier, or a path relative to the current directory.
   * @param exportName The class's export name.
   * @param args More constructor arguments (they travel through the codec).
   * @returns A proxy of the new agent, through the parent container.
   */
  spawn<T = unknown>(
    module: string | URL,
    exportName: string,
    ...args: unknown[]
  ): Promise<AgentProxy<T>>;
  /**
   * Moves the child's external clock to `t` (clock seconds or a date).
   *
   * @throws {RemoteException} when the child runs a real-time clock or `t`
   *   is not after its time.
   */
  setTime(t: ClockTime): Promise<void>;
  /** The child's clock time in seconds. */
  time(): Promise<number>;
  /**
   * Shuts the child container down and waits for the child to end; kills it
   * when it takes longer than `stopTimeout`. Calling it again is harmless.
   */
  stop(): Promise<void>;
}
