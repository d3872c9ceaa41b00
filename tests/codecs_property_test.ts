/**
 * Property-style tests with a seeded PRNG: random values of every type
 * round-trip through both codecs; random, mutated and truncated bytes only
 * ever give a value or a CodecError.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { type Codec, CodecError, Json, MsgPack } from "../codecs/mod.ts";
import { bytesToHex } from "./_vectors.ts";

/** A small, fast, seeded PRNG (mulberry32). */
class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  uint32(): number {
    return (this.next() * 4294967296) >>> 0;
  }
}

type Mode = "json" | "msgpack";

const INT_EDGES = [
  0,
  1,
  -1,
  31,
  -32,
  -33,
  127,
  128,
  -128,
  -129,
  255,
  256,
  32767,
  -32768,
  -32769,
  65535,
  65536,
  2 ** 31 - 1,
  -(2 ** 31),
  -(2 ** 31) - 1,
  2 ** 32 - 1,
  2 ** 32,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
];
const FLOAT_EDGES = [
  -0,
  NaN,
  Infinity,
  -Infinity,
  5e-324,
  1.7976931348623157e308,
  2 ** 53,
  1e16,
  0.1,
];
const KEY_EDGES = ["__proto__", "constructor", "toString", "", "0", "é", "😀", "a b"];

function randomFloat(rng: Random): number {
  if (rng.int(4) === 0) return rng.pick(FLOAT_EDGES);
  const bytes = new Uint8Array(8);
  for (let i = 0; i < 8; i++) bytes[i] = rng.int(256);
  return new DataView(bytes.buffer).getFloat64(0);
}

function randomInt(rng: Random): number {
  switch (rng.int(3)) {
    case 0:
      return rng.pick(INT_EDGES);
    case 1:
      return rng.int(256) - 128;
    default: {
      const magnitude = 2 ** rng.int(54);
      const n = Math.floor(rng.next() * magnitude);
      return rng.int(2) ? n : -n;
    }
  }
}

function randomBigInt(rng: Random, mode: Mode): bigint {
  const safe = 2n ** 53n;
  const above = BigInt(rng.uint32()) * 2n ** 21n + BigInt(rng.uint32() & 0x1fffff);
  if (mode === "msgpack") {
    // Outside the safe range, inside int64/uint64.
    if (rng.int(2)) return safe + (above % (2n ** 64n - safe));
    return -safe - (above % (2n ** 63n - safe + 1n));
  }
  const huge = above * 10n ** BigInt(rng.int(40));
  const value = safe + huge;
  return rng.int(2) ? value : -value;
}

function randomString(rng: Random, mode: Mode): string {
  const length = rng.int(8) === 0 ? 40 + rng.int(400) : rng.int(20);
  let s = "";
  for (let i = 0; i < length; i++) {
    switch (rng.int(6)) {
      case 0:
        s += String.fromCharCode(0x80 + rng.int(0x780)); // 2-byte UTF-8
        break;
      case 1:
        s += String.fromCharCode(0x800 + rng.int(0xd000 - 0x800)); // 3-byte UTF-8
        break;
      case 2:
        s += String.fromCodePoint(0x10000 + rng.int(0x100000)); // surrogate pair
        break;
      case 3:
        // Lone surrogates survive JSON (as escapes) but not UTF-8.
        s += mode === "json" && rng.int(4) === 0 ? "\ud800" : String.fromCharCode(rng.int(32));
        break;
      default:
        s += String.fromCharCode(32 + rng.int(95));
    }
  }
  return s;
}

function randomKey(rng: Random, mode: Mode): string {
  const key = rng.int(5) === 0
    ? rng.pick(KEY_EDGES)
    : [...randomString(rng, mode)].slice(0, 12).join("");
  return key === "__type__" ? "__type" : key;
}

function randomValue(rng: Random, mode: Mode, depth = 0): unknown {
  const leaf = depth >= 4 || rng.int(3) > 0;
  if (leaf) {
    switch (rng.int(mode === "msgpack" ? 8 : 7)) {
      case 0:
        return rng.pick([null, true, false]);
      case 1:
      case 2:
        return randomInt(rng);
      case 3:
        return randomFloat(rng);
      case 4:
        return randomBigInt(rng, mode);
      case 5:
      case 6:
        return randomString(rng, mode);
      default: {
        const bytes = new Uint8Array(rng.int(8) === 0 ? 256 + rng.int(70000) : rng.int(40));
        for (let i = 0; i < bytes.length; i += 7) bytes[i] = rng.int(256);
        return bytes;
      }
    }
  }
  switch (rng.int(mode === "msgpack" ? 3 : 2)) {
    case 0:
      return Array.from(
        { length: rng.int(rng.int(10) === 0 ? 40 : 8) },
        () => randomValue(rng, mode, depth + 1),
      );
    case 1: {
      const object: Record<string, unknown> = {};
      for (let i = rng.int(8); i > 0; i--) {
        Object.defineProperty(object, randomKey(rng, mode), {
          value: randomValue(rng, mode, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return object;
    }
    default: {
      // A Map with at least one non-string key (else it decodes as an object).
      const map = new Map<unknown, unknown>([[randomInt(rng), randomValue(rng, mode, depth + 1)]]);
      for (let i = rng.int(6); i > 0; i--) {
        const key = rng.pick([
          () => randomInt(rng),
          () => randomKey(rng, mode),
          () => randomBigInt(rng, mode),
          () => rng.pick([true, false, null]),
        ])();
        map.set(key, randomValue(rng, mode, depth + 1));
      }
      return map;
    }
  }
}

const CASES = 3000;

for (
  const [mode, make] of [["json", () => new Json()], ["msgpack", () => new MsgPack()]] as const
) {
  Deno.test(`${mode}: ${CASES} random values of every type round-trip`, () => {
    const rng = new Random(mode === "json" ? 0x5eed1 : 0x5eed2);
    const codec: Codec = make();
    for (let i = 0; i < CASES; i++) {
      const value = randomValue(rng, mode);
      const bytes = codec.encode(value);
      assertEquals(codec.decode(bytes), value, `case ${i}`);
    }
  });

  Deno.test(`${mode}: random and mutated bytes give a value or a CodecError, nothing else`, () => {
    const rng = new Random(mode === "json" ? 0xbad1 : 0xbad2);
    const codec: Codec = make();
    const alphabet = new TextEncoder().encode('[]{}",:0123456789.eE+-NaInfityrulsf \\u');
    let errors = 0;
    for (let i = 0; i < CASES; i++) {
      let bytes: Uint8Array;
      if (i % 2 === 0) {
        bytes = new Uint8Array(rng.int(48));
        for (let j = 0; j < bytes.length; j++) {
          bytes[j] = mode === "json" && rng.int(4) > 0 ? rng.pick([...alphabet]) : rng.int(256);
        }
      } else {
        bytes = codec.encode(randomValue(rng, mode)).slice();
        for (let flips = 1 + rng.int(3); flips > 0 && bytes.length > 0; flips--) {
          bytes[rng.int(bytes.length)] = rng.int(256);
        }
      }
      try {
        codec.decode(bytes);
      } catch (error) {
        errors++;
        assert(error instanceof CodecError, `${bytesToHex(bytes)}: ${error}`);
      }
    }
    assert(errors > 0);
  });

  Deno.test(`${mode}: truncated encodings give a CodecError or a shorter value, never a crash`, () => {
    const rng = new Random(mode === "json" ? 0x7ac1 : 0x7ac2);
    const codec: Codec = make();
    for (let i = 0; i < 300; i++) {
      const bytes = codec.encode(randomValue(rng, mode));
      const cuts = bytes.length < 64
        ? Array.from({ length: bytes.length }, (_, k) => k)
        : Array.from({ length: 40 }, () => rng.int(bytes.length));
      for (const cut of cuts) {
        try {
          codec.decode(bytes.subarray(0, cut));
          // MsgPack is prefix-free: a strict prefix is never a whole value.
          assert(mode === "json", `msgpack prefix ${cut} of ${bytesToHex(bytes)} decoded`);
        } catch (error) {
          assert(error instanceof CodecError, String(error));
        }
      }
    }
  });
}
