/**
 * Internal: serving mosaik's requests to one simulator, one at a time, as
 * mosaik-api-v3 does.
 *
 * @module
 */

import { argumentError, bindKwargs, checkArity } from "../rpc/_params.ts";
import { errorMessage } from "../internal/inspect.ts";
import { parseParams } from "../internal/params.ts";
import { MosaikConnectionError, MosaikRequestError } from "./errors.ts";
import { type IncomingCall, isRecord, type MosaikConnection } from "./_connection.ts";
import { mosaikProxy } from "./proxy.ts";
import { Simulator } from "./simulator.ts";
import { type Logger, logs } from "./log.ts";

/** How a served simulation ended: mosaik sent `stop`, or closed the connection. */
export type SimulationEnd = "stop" | "closed";

/** An API method: its Python parameter names, how many are required, and whether `**kwargs` follows. */
interface Signature {
  readonly params: readonly string[];
  readonly required: number;
  readonly defaults?: Readonly<Record<string, unknown>>;
  readonly kwargs?: boolean;
}

const SIGNATURES: Readonly<Record<string, Signature>> = {
  init: {
    params: ["sid", "time_resolution"],
    required: 1,
    defaults: { time_resolution: 1 },
    kwargs: true,
  },
  create: { params: ["num", "model"], required: 2, kwargs: true },
  setup_done: { params: [], required: 0 },
  step: { params: ["time", "inputs", "max_advance"], required: 3 },
  get_data: { params: ["outputs"], required: 1 },
};

/** Names no extra method may take: the API and what every object has. */
const RESERVED = new Set([
  ...Object.keys(SIGNATURES),
  "stop",
  "setupDone",
  "getData",
  "configure",
  "finalize",
  "meta",
  "mosaik",
  "timeResolution",
  "constructor",
  "__proto__",
  "prototype",
]);

/** Binds mosaik's `args` and `kwargs` to an API method's parameters, like Python would. */
function bind(
  method: string,
  signature: Signature,
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>>,
): { values: unknown[]; rest: Record<string, unknown> } {
  const { params, required } = signature;
  if (args.length > params.length) {
    throw argumentError(
      `${method}() takes ${params.length} positional argument${params.length === 1 ? "" : "s"} ` +
        `but ${args.length} ${args.length === 1 ? "was" : "were"} given`,
    );
  }
  const values: unknown[] = args.slice();
  const given = params.map((_, i) => i < args.length);
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(kwargs)) {
    const index = params.indexOf(key);
    if (index < 0) {
      if (!signature.kwargs) {
        throw argumentError(`${method}() got an unexpected keyword argument '${key}'`);
      }
      rest[key] = value;
    } else if (given[index]) {
      throw argumentError(`${method}() got multiple values for argument '${key}'`);
    } else {
      values[index] = value;
      given[index] = true;
    }
  }
  const missing = params.filter((_, i) => i < required && !given[i]).map((name) => `'${name}'`);
  if (missing.length > 0) {
    throw argumentError(
      `${method}() missing ${missing.length} required argument${
        missing.length === 1 ? "" : "s"
      }: ` +
        missing.join(" and "),
    );
  }
  params.forEach((name, i) => {
    if (!given[i]) values[i] = signature.defaults?.[name];
  });
  return { values, rest };
}

function requireInteger(method: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw argumentError(`${method}(): ${name} must be an integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function requireRecord(method: string, name: string, value: unknown): Record<string, unknown> {
  if (!isRecord(value)) {
    throw argumentError(`${method}(): ${name} must be an object, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** `example_method` → `exampleMethod`. */
function camelCase(name: string): string {
  return name.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The function an extra method name denotes: listed in the meta, not an
 * API name, and a function found on the simulator's own class chain (never
 * on `Simulator.prototype`, `Object.prototype` or through `constructor`).
 */
function extraMethod(sim: Simulator, name: string): ((...args: unknown[]) => unknown) | undefined {
  const listed = sim.meta.extra_methods;
  if (!Array.isArray(listed) || !listed.includes(name) || RESERVED.has(name)) return undefined;
  for (const candidate of new Set([name, camelCase(name)])) {
    if (RESERVED.has(candidate)) continue;
    for (
      let holder: object | null = sim;
      holder !== null && holder !== Simulator.prototype && holder !== Object.prototype;
      holder = Object.getPrototypeOf(holder)
    ) {
      const descriptor = Object.getOwnPropertyDescriptor(holder, candidate);
      if (descriptor === undefined) continue;
      return typeof descriptor.value === "function" ? descriptor.value : undefined;
    }
  }
  return undefined;
}

/** Runs one request against the simulator and checks what it returns. */
async function dispatch(sim: Simulator, call: IncomingCall): Promise<unknown> {
  const { method, args, kwargs } = call;
  const signature = Object.hasOwn(SIGNATURES, method) ? SIGNATURES[method] : undefined;
  if (signature === undefined) {
    const fn = extraMethod(sim, method);
    if (fn === undefined) {
      throw new MosaikRequestError(`Simulator ${sim.constructor.name} has no method "${method}"`);
    }
    const spec = parseParams(fn);
    const bound = Object.keys(kwargs).length === 0
      ? (checkArity(method, spec, args.length), args)
      : bindKwargs(method, spec, args, kwargs);
    return await fn.apply(sim, bound as unknown[]);
  }
  const { values, rest } = bind(method, signature, args, kwargs);
  switch (method) {
    case "init": {
      const [sid, resolution] = values;
      if (typeof sid !== "string") {
        throw argumentError(`init(): sid must be a string, got ${JSON.stringify(sid)}`);
      }
      if (typeof resolution !== "number" || !(resolution > 0)) {
        throw argumentError(
          `init(): time_resolution must be a positive number, got ${JSON.stringify(resolution)}`,
        );
      }
      sim.timeResolution = resolution;
      const meta = await sim.init(sid, resolution, rest);
      requireRecord("init", "the returned meta", meta);
      return meta;
    }
    case "create": {
      const [num, model] = values;
      const count = requireInteger("create", "num", num);
      if (count < 0) throw argumentError(`create(): num must not be negative, got ${count}`);
      if (typeof model !== "string") {
        throw argumentError(`create(): model must be a string, got ${JSON.stringify(model)}`);
      }
      const entities = await sim.create(count, model, rest);
      if (!Array.isArray(entities)) {
        throw new MosaikRequestError(
          `create() must return a list of entities, got ${JSON.stringify(entities)}`,
        );
      }
      return entities;
    }
    case "setup_done":
      await sim.setupDone();
      return null;
    case "step": {
      const [time, inputs, maxAdvance] = values;
      requireInteger("step", "time", time);
      requireRecord("step", "inputs", inputs);
      if (maxAdvance !== null) requireInteger("step", "max_advance", maxAdvance);
      const next = await sim.step(time as number, inputs as never, maxAdvance as number);
      if (next === null || next === undefined) return null;
      if (typeof next !== "number" || !Number.isSafeInteger(next) || next <= (time as number)) {
        throw new MosaikRequestError(
          `step(${time}) must return an integer time after ${time} or null, got ${
            JSON.stringify(next)
          }`,
        );
      }
      return next;
    }
    default: {
      const [outputs] = values;
      requireRecord("get_data", "outputs", outputs);
      const data = await sim.getData(outputs as never);
      requireRecord("get_data", "the returned data", data);
      const time = (data as Record<string, unknown>).time;
      if (time !== undefined && (typeof time !== "number" || !Number.isSafeInteger(time))) {
        throw new MosaikRequestError(
          `get_data() must give an integer "time", got ${JSON.stringify(time)}`,
        );
      }
      return data;
    }
  }
}

/**
 * Serves mosaik's requests until `stop` or the end of the connection.
 *
 * A failing request gets a FAILURE reply and serving goes on, except for
 * `init`: like mosaik-api-v3, an error there ends the simulation (the
 * caller closes the connection, and mosaik reports that the simulator
 * closed it during `init()`).
 *
 * @throws the error of `init`, the reason of a broken connection, or a
 * {@linkcode MosaikConnectionError} when mosaik vanished during a request.
 */
export async function serve(
  sim: Simulator,
  connection: MosaikConnection,
  log: Logger,
): Promise<SimulationEnd> {
  const debug = logs(log, "debug");
  sim.mosaik = mosaikProxy((method, args) => connection.call(method, args), connection.signal);
  for (;;) {
    const call = await connection.nextRequest();
    if (call === undefined) {
      const reason = connection.endReason;
      if (reason !== undefined) throw reason;
      log("info", "mosaik closed its connection");
      return "closed";
    }
    if (debug) {
      log(
        "debug",
        `Calling ${call.method}(*${JSON.stringify(call.args)}, **${JSON.stringify(call.kwargs)})`,
      );
    }
    if (call.method === "stop") return "stop";
    let result: unknown;
    try {
      result = await dispatch(sim, call);
    } catch (error) {
      if (call.method === "init") throw error;
      if (connection.isClosed) throw vanished(call, error);
      if (debug) {
        log("debug", `${call.method} failed: ${errorMessage(error)}`);
      }
      connection.fail(call.id, error);
      continue;
    }
    if (connection.isClosed) throw vanished(call, undefined);
    connection.reply(call.id, result);
  }
}

function vanished(call: IncomingCall, cause: unknown): MosaikConnectionError {
  const detail = cause instanceof MosaikConnectionError ? `: ${cause.message}` : "";
  return new MosaikConnectionError(
    `mosaik closed the connection during ${call.method}(); its reply was not sent${detail}`,
    { cause },
  );
}
