/**
 * The interop contract shared by `interop_server.ts` and `interop_client.ts`:
 * the services both sides offer, and the codecs by name. A Python aiomas
 * peer that serves the same names (snake_case, as Python spells them) can
 * stand in for either program.
 *
 * @module
 */

import { Agent, ShutdownError } from "../agent/mod.ts";
import { RealtimeClock } from "../clocks/mod.ts";
import { type CodecClass, Json, MsgPack } from "../codecs/mod.ts";
import { MsgPackBlosc } from "../codecs/blosc/mod.ts";
import { expose } from "../rpc/mod.ts";

/** The codecs by the names the programs accept on the command line. */
export const CODECS: Readonly<Record<string, CodecClass>> = {
  json: Json,
  msgpack: MsgPack,
  msgpackblosc: MsgPackBlosc,
};

const REALTIME = new RealtimeClock();

/** The longest `sleep(t, v)` the contract allows, in seconds. */
export const MAX_SLEEP = 10;

/** Looks up a codec by name, or exits with a usage message. */
export function codecByName(name: string | undefined): CodecClass {
  const codec = name === undefined ? Json : CODECS[name];
  if (codec === undefined) {
    console.error(`Unknown codec ${JSON.stringify(name)}: use ${Object.keys(CODECS).join(", ")}`);
    Deno.exit(2);
  }
  return codec;
}

/** The error `fail()` throws; its name makes the reply text end in `ValueError: …`, as Python's does. */
export class ValueError extends Error {
  /** @param message What went wrong. */
  constructor(message: string) {
    super(message);
    this.name = "ValueError";
  }
}

/** What the contract's `callback` and `callback_sub` receive: the caller's service. */
export interface CallerRemote {
  ping(x: unknown): Promise<{ pong: unknown }>;
  twice(x: number): Promise<number>;
}

/** `sub/deep` of the contract. */
export class Deep {
  /** Negates `x`. */
  @expose
  neg(x: number): number {
    return -x;
  }
}

/** `sub` of the contract. */
export class Sub {
  /** `sub/deep`. */
  @expose
  readonly deep: Deep = new Deep();

  /** Multiplies. */
  @expose
  mul(a: number, b: number): number {
    return a * b;
  }
}

/** Python's type name of a decoded value, for `TypeError` messages. */
function pythonType(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "bigint") return "int";
  if (typeof value === "number") return Number.isSafeInteger(value) ? "int" : "float";
  if (typeof value === "string") return "str";
  if (Array.isArray(value)) return "list";
  if (value instanceof Uint8Array) return "bytes";
  if (value instanceof Map || Object.getPrototypeOf(value) === Object.prototype) return "dict";
  return (value as object).constructor?.name ?? "object";
}

/** A Python integer as a `bigint` (`bool` counts as 0 or 1), or `undefined` for other values. */
function asInt(value: unknown): bigint | undefined {
  if (typeof value === "bigint") return value;
  if (typeof value === "boolean") return value ? 1n : 0n;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  return undefined;
}

function isNumeric(value: unknown): value is number | bigint | boolean {
  return typeof value === "number" || typeof value === "bigint" || typeof value === "boolean";
}

/** A result in the safe range is a number again, as the codecs would decode it. */
function normalize(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(n)
    : n;
}

/**
 * `a + b` as Python computes it for decoded values: integers of any size add
 * exactly (a number outside the safe range came as a Python float, so it
 * adds as one), strings, lists and bytes concatenate, and anything else is
 * a `TypeError` worded like Python's.
 *
 * @throws {TypeError} for operands Python's `+` does not take together.
 */
export function pythonAdd(a: unknown, b: unknown): unknown {
  if (isNumeric(a) && isNumeric(b)) {
    const x = asInt(a);
    const y = asInt(b);
    if (x !== undefined && y !== undefined) return normalize(x + y);
    return Number(a) + Number(b);
  }
  if (typeof a === "string" && typeof b === "string") return a + b;
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    const joined = new Uint8Array(a.length + b.length);
    joined.set(a);
    joined.set(b, a.length);
    return joined;
  }
  if (typeof a === "string" || Array.isArray(a)) {
    const kind = pythonType(a);
    throw new TypeError(`can only concatenate ${kind} (not "${pythonType(b)}") to ${kind}`);
  }
  if (a instanceof Uint8Array) throw new TypeError(`can't concat ${pythonType(b)} to bytes`);
  throw new TypeError(
    `unsupported operand type(s) for +: '${pythonType(a)}' and '${pythonType(b)}'`,
  );
}

// deno-lint-ignore no-explicit-any
type Constructor = new (...args: any[]) => object;

/**
 * Adds the contract's methods to `Base`, so that the plain RPC service and
 * the agent class share one implementation.
 */
export function withContract<B extends Constructor>(Base: B) {
  class Contract extends Base {
    /** `sub/mul` and `sub/deep/neg`. */
    @expose
    readonly sub: Sub = new Sub();

    /**
     * `a + b` with Python's `+`: numbers (integers of any size), and
     * strings, lists or bytes concatenated; else a `TypeError`.
     */
    @expose
    add(a: unknown, b: unknown): unknown {
      return pythonAdd(a, b);
    }

    /** Returns `x` unchanged. */
    @expose
    echo(x: unknown): unknown {
      return x;
    }

    /** Always fails with a `ValueError`. */
    @expose
    fail(): never {
      throw new ValueError("fail() was called");
    }

    /** Waits `t` seconds (at most {@linkcode MAX_SLEEP}) and returns `v`. */
    @expose
    sleep(t: number, v: unknown): Promise<unknown> {
      if (typeof t !== "number" || !(t >= 0) || t > MAX_SLEEP) {
        throw new ValueError(`sleep() takes 0 to ${MAX_SLEEP} seconds, got ${String(t)}`);
      }
      return this.wait(t, v);
    }

    /** Calls `svc.ping(x)` on the caller's service and returns the answer. */
    @expose
    async callback(svc: CallerRemote, x: unknown): Promise<unknown> {
      return await svc.ping(x);
    }

    /** Calls `svc.twice(x)` on the caller's sub-service and returns the answer. */
    @expose
    async callback_sub(svc: CallerRemote, x: number): Promise<unknown> {
      return await svc.twice(x);
    }

    /** How `sleep` waits; agents override it to use their clock. */
    wait<T>(t: number, value: T): Promise<T> {
      return REALTIME.sleep(t, value);
    }
  }
  return Contract;
}

/** The contract as a plain RPC service. */
export class InteropService extends withContract(class {}) {
  readonly #stopping = new AbortController();

  /** Ends the sleeps still running, e.g. once the server shut down (not exposed). */
  stop(): void {
    this.#stopping.abort(new ShutdownError("The interop service stopped"));
  }

  override wait<T>(t: number, value: T): Promise<T> {
    return REALTIME.sleep(t, value, { signal: this.#stopping.signal });
  }
}

/** The contract as an agent; `now()` returns the container clock's date. */
export class InteropAgent extends withContract(Agent) {
  /** The container clock's `utcnow()`. */
  @expose
  now(): Temporal.ZonedDateTime {
    return this.clock.utcnow();
  }

  override wait<T>(t: number, value: T): Promise<T> {
    return this.clock.sleep(t, value);
  }
}

/** `inner` of the caller's service. */
export class Inner {
  /** Doubles `x`. */
  @expose
  twice(x: number): number {
    return 2 * x;
  }
}

/** The service the client offers for callbacks over a plain RPC connection. */
export class CallerService {
  /** `inner/twice`. */
  @expose
  readonly inner: Inner = new Inner();

  /** Answers `{"pong": x}`. */
  @expose
  ping(x: unknown): { pong: unknown } {
    return { pong: x };
  }
}

/** The agent the client offers for callbacks in agent mode. */
export class CallerAgent extends Agent {
  /** `inner/twice`. */
  @expose
  readonly inner: Inner = new Inner();

  /** Answers `{"pong": x}`. */
  @expose
  ping(x: unknown): { pong: unknown } {
    return { pong: x };
  }
}
