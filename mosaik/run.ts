/**
 * Running a simulator against mosaik over TCP, in either start mode.
 *
 * @module
 */

import { tcpTransport } from "../channel/tcp.ts";
import type { Conn, Endpoint } from "../channel/transport.ts";
import { type ErrorHandler, logError } from "../errors.ts";
import { abortable, deadline } from "../internal/async.ts";
import { errorMessage } from "../internal/inspect.ts";
import { DEFAULT_REMOTE_TIMEOUT } from "./args.ts";
import { MosaikConnection } from "./_connection.ts";
import { MosaikConnectionError } from "./errors.ts";
import { type Logger, silentLogger } from "./log.ts";
import { serve, type SimulationEnd } from "./_serve.ts";
import type { Simulator } from "./simulator.ts";

export type { SimulationEnd };

/** Options of {@linkcode runSimulator}. */
export interface RunSimulatorOptions {
  /** mosaik's address (or, with `remote`, the address to listen at; port 0 picks a free one). */
  readonly hostname: string;
  /** The port of {@linkcode RunSimulatorOptions.hostname}. */
  readonly port: number;
  /**
   * Listen at the address and wait for mosaik to connect (a `connect`
   * entry in mosaik's sim config), instead of connecting to mosaik (a `cmd`
   * entry with `%(addr)s`).
   *
   * @default {false}
   */
  readonly remote?: boolean;
  /**
   * In remote mode, how long to wait for mosaik, in milliseconds.
   *
   * @default {60000}
   */
  readonly timeout?: number;
  /** In remote mode, called with the bound address once listening. */
  readonly onListen?: (address: { hostname: string; port: number }) => void;
  /**
   * The largest message accepted from mosaik, in bytes; a larger one ends
   * the simulation with a clear error before it is read.
   *
   * @default {67108864} (64 MiB)
   */
  readonly maxFrameSize?: number;
  /** Ends the simulation: the connection closes and the promise rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
  /**
   * Receives log lines.
   *
   * @default {silentLogger}
   */
  readonly log?: Logger;
  /**
   * Receives what cannot be thrown to a caller, e.g. a reply from mosaik
   * for a request nobody made.
   *
   * @default {logError}
   */
  readonly onError?: ErrorHandler;
}

/**
 * Connects `sim` to mosaik (or waits for mosaik with `remote`) and serves
 * mosaik's requests, one at a time, until mosaik sends `stop` or closes the
 * connection. Then closes the connection and calls `sim.finalize()` (also
 * after an error).
 *
 * @param sim The simulator.
 * @param options Where mosaik is, and how to start.
 * @returns How the simulation ended.
 * @throws {MosaikConnectionError} when mosaik cannot be reached, or closes
 *   the connection while a request is being served.
 * @throws {TimeoutError} (from the root module) when mosaik does not connect in time (remote mode).
 * @throws the error of the simulator's `init`, which ends the simulation
 *   (mosaik then reports that the simulator closed its connection).
 *
 * @example Serving one scripted mosaik
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { type OutputRequest, runSimulator, Simulator } from "@denomas/denomas/mosaik";
 *
 * class Idle extends Simulator {
 *   constructor() {
 *     super({ models: {} });
 *   }
 *   create() {
 *     return [];
 *   }
 *   step(time: number) {
 *     return time + 1;
 *   }
 *   getData(_outputs: OutputRequest) {
 *     return {};
 *   }
 * }
 *
 * // A stand-in for mosaik: it sends init and stop.
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const mosaik = (async () => {
 *   using conn = await listener.accept();
 *   const send = (message: unknown) => {
 *     const payload = new TextEncoder().encode(JSON.stringify(message));
 *     const frame = new Uint8Array(4 + payload.length);
 *     new DataView(frame.buffer).setUint32(0, payload.length);
 *     frame.set(payload, 4);
 *     return conn.write(frame);
 *   };
 *   await send([0, 0, ["init", ["Idle-0"], { time_resolution: 1 }]]);
 *   const reply = new Uint8Array(1024);
 *   const n = (await conn.read(reply))!;
 *   await send([0, 1, ["stop", [], {}]]);
 *   return JSON.parse(new TextDecoder().decode(reply.subarray(4, n)));
 * })();
 * const end = await runSimulator(new Idle(), { hostname: "127.0.0.1", port: listener.addr.port });
 * const [type, id, meta] = await mosaik;
 * listener.close();
 * assertEquals(end, "stop");
 * assertEquals(type, 1);
 * assertEquals(id, 0);
 * assertEquals(meta.type, "time-based");
 * ```
 */
export async function runSimulator(
  sim: Simulator,
  options: RunSimulatorOptions,
): Promise<SimulationEnd> {
  const log = options.log ?? silentLogger;
  let connection: MosaikConnection | undefined;
  try {
    const conn = options.remote ? await waitForMosaik(options, log) : await dial(options);
    connection = new MosaikConnection(conn, options.onError ?? logError, options.maxFrameSize);
    const open = connection;
    const onAbort = () => void open.close();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const end = await abortable(serve(sim, open, log), options.signal);
      return end;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  } finally {
    await connection?.close();
    await sim.finalize();
  }
}

function endpointOf(options: RunSimulatorOptions): Endpoint {
  return { transport: "tcp", hostname: options.hostname, port: options.port };
}

async function dial(options: RunSimulatorOptions): Promise<Conn> {
  const where = `${options.hostname}:${options.port}`;
  try {
    return await tcpTransport.connect(endpointOf(options), options.signal);
  } catch (error) {
    if (options.signal?.aborted && error === options.signal.reason) throw error;
    throw new MosaikConnectionError(
      `Could not connect to mosaik at ${where}: ${errorMessage(error)}`,
      { cause: error },
    );
  }
}

async function waitForMosaik(options: RunSimulatorOptions, log: Logger): Promise<Conn> {
  let listener;
  try {
    listener = await tcpTransport.listen(endpointOf(options));
  } catch (error) {
    throw new MosaikConnectionError(
      `Cannot listen for mosaik at ${options.hostname}:${options.port}: ${errorMessage(error)}`,
      { cause: error },
    );
  }
  const timeout = options.timeout ?? DEFAULT_REMOTE_TIMEOUT * 1000;
  const bound = listener.endpoint as { hostname: string; port: number };
  const where = `${bound.hostname}:${bound.port}`;
  const signal = deadline(`waiting for mosaik to connect to ${where}`, timeout, options.signal);
  try {
    log("info", `Waiting for connection from mosaik on ${where}`);
    options.onListen?.({ hostname: bound.hostname, port: bound.port });
    const accepted = listener.accept();
    try {
      return await abortable(accepted, signal);
    } catch (error) {
      accepted.then((conn) => conn.close(), () => {});
      throw error;
    }
  } finally {
    listener.close();
  }
}
