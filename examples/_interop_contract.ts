/**
 * The interop contract shared by `interop_server.ts` and `interop_client.ts`:
 * the services both sides offer, and the codecs by name. A Python aiomas
 * peer that serves the same names (snake_case, as Python spells them) can
 * stand in for either program.
 *
 * @module
 */

import { Agent } from "../agent/mod.ts";
import { type CodecClass, Json, MsgPack } from "../codecs/mod.ts";
import { MsgPackBlosc } from "../codecs/blosc/mod.ts";
import { expose } from "../rpc/mod.ts";

/** The codecs by the names the programs accept on the command line. */
export const CODECS: Readonly<Record<string, CodecClass>> = {
  json: Json,
  msgpack: MsgPack,
  msgpackblosc: MsgPackBlosc,
};

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

/** Sleeps `t` seconds on the real clock. */
function delay<T>(t: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), t * 1000));
}

/**
 * `a + b` with Python's integers: a `bigint` and an integral number add up
 * exactly, and a result in the safe range is a number again (as the codecs
 * would decode it).
 */
function addNumbers(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === "number" && typeof b === "number") return a + b;
  if (typeof a === "bigint" && typeof b === "bigint") return normalize(a + b);
  const [big, other] = typeof a === "bigint" ? [a, b as number] : [b as bigint, a as number];
  if (typeof other !== "number" || typeof big !== "bigint") {
    throw new TypeError(`add() takes numbers, got ${typeof a} and ${typeof b}`);
  }
  return Number.isInteger(other) ? normalize(big + BigInt(other)) : Number(big) + other;
}

function normalize(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(n)
    : n;
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

    /** Adds two numbers; integers of any size, as Python does. */
    @expose
    add(a: number | bigint, b: number | bigint): number | bigint {
      return addNumbers(a, b);
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
      return delay(t, value);
    }
  }
  return Contract;
}

/** The contract as a plain RPC service. */
export class InteropService extends withContract(class {}) {}

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
