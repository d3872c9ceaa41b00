/**
 * The Python wire vectors (tests/fixtures/wire_vectors.json) as JS values.
 *
 * The fixture writes every value in a typed form (see
 * ../shared/wire-vectors/README.md); {@linkcode fromTyped} turns it into the
 * value our codecs decode: ints are numbers when safe and bigints otherwise,
 * floats are numbers, bytes are `Uint8Array`s, lists are arrays, and maps are
 * plain objects when every key is a string and `Map`s otherwise. Tagged maps
 * (`{"__type__": [typeid, data]}`) stay plain maps unless a `reviveTag`
 * function is given.
 *
 * @module
 */

/** A value in the fixture's typed form. */
export type Typed =
  | null
  | boolean
  | { t: "int"; v: string }
  | { t: "float"; v: number | string }
  | { t: "str"; v?: string; repeat?: string; count?: number }
  | { t: "bytes"; hex?: string; repeat_hex?: string; count?: number }
  | { t: "list"; v?: Typed[]; repeat?: Typed; count?: number; range?: number; float_step?: number }
  | { t: "map"; v: [Typed, Typed][] };

/** The codecs the fixture covers. */
export type VectorCodec = "json" | "msgpack" | "msgpackblosc";

/** What a vector stands for. */
export type VectorKind =
  | "request"
  | "reply"
  | "exception"
  | "value"
  | "proxy"
  | "date"
  | "serializable"
  | "extra";

/** The parsed 16-byte Blosc-1 header of a `msgpackblosc` vector. */
export interface BloscHeader {
  version: number;
  versionlz: number;
  flags: number;
  typesize: number;
  nbytes: number;
  blocksize: number;
  ctbytes: number;
}

/** One frame of the fixture, with its bytes and its value ready to use. */
export interface WireVector {
  name: string;
  codec: VectorCodec;
  kind: VectorKind;
  /** `encode+decode`: our encoder must write exactly `payload`; `decode`: only decoding is checked. */
  direction: "encode+decode" | "decode";
  /** The message in the fixture's typed form. */
  typed: Typed;
  /** The message as a JS value (tagged maps left as plain maps). */
  message: unknown;
  /** The whole frame, 4-byte big-endian length header included. */
  frame: Uint8Array;
  /** The frame without its header: what the codec reads and writes. */
  payload: Uint8Array;
  frameHex: string;
  notes?: string;
  /** `msgpackblosc` only: the MsgPack bytes inside the Blosc frame (when ≤ 16 KiB). */
  innerMsgpack?: Uint8Array;
  innerMsgpackLen?: number;
  innerMsgpackSha256?: string;
  bloscHeader?: BloscHeader;
}

/** One step of a recorded conversation. */
export interface ConversationStep {
  from: "client" | "server";
  typed: Typed;
  message: unknown;
  frame: Uint8Array;
  payload: Uint8Array;
  frameHex: string;
}

/** A recorded message sequence between two Python peers. */
export interface Conversation {
  name: string;
  codec: VectorCodec;
  notes?: string;
  steps: ConversationStep[];
}

/** Options of {@linkcode fromTyped}. */
export interface FromTypedOptions {
  /**
   * Called for every map with a `__type__` key, with the already converted
   * map; its result replaces the map. Default: keep the map.
   */
  reviveTag?: (map: Record<string, unknown>) => unknown;
}

const HEX = "0123456789abcdef";

/** Turns hex text (any case, no separators) into bytes. */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new Error(`Odd hex length ${hex.length}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const byte = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    if (Number.isNaN(byte)) throw new Error(`Bad hex at ${2 * i}: ${hex.slice(2 * i, 2 * i + 2)}`);
    out[i] = byte;
  }
  return out;
}

/** Turns bytes into lower-case hex text. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  return s;
}

/** Converts a typed-form value into the JS value our codecs decode it to. */
export function fromTyped(typed: Typed, options: FromTypedOptions = {}): unknown {
  if (typed === null || typeof typed === "boolean") return typed;
  switch (typed.t) {
    case "int": {
      const big = BigInt(typed.v);
      const n = Number(big);
      return Number.isSafeInteger(n) ? n : big;
    }
    case "float": {
      const v = typed.v;
      if (typeof v === "number") return v;
      if (v === "NaN") return NaN;
      if (v === "Infinity") return Infinity;
      if (v === "-Infinity") return -Infinity;
      if (v === "-0") return -0;
      throw new Error(`Unknown float form ${JSON.stringify(v)}`);
    }
    case "str":
      return typed.v ?? typed.repeat!.repeat(typed.count!);
    case "bytes": {
      if (typed.hex !== undefined) return hexToBytes(typed.hex);
      const unit = hexToBytes(typed.repeat_hex!);
      const out = new Uint8Array(unit.length * typed.count!);
      for (let i = 0; i < out.length; i++) out[i] = unit[i % unit.length];
      return out;
    }
    case "list": {
      if (typed.v !== undefined) return typed.v.map((x) => fromTyped(x, options));
      if (typed.range !== undefined) return Array.from({ length: typed.range }, (_, i) => i);
      if (typed.float_step !== undefined) {
        const step = typed.float_step;
        return Array.from({ length: typed.count! }, (_, i) => i * step);
      }
      return Array.from({ length: typed.count! }, () => fromTyped(typed.repeat!, options));
    }
    case "map": {
      const pairs = typed.v.map(([k, v]): [unknown, unknown] => [
        fromTyped(k, options),
        fromTyped(v, options),
      ]);
      if (!pairs.every(([k]) => typeof k === "string")) return new Map(pairs);
      const obj: Record<string, unknown> = {};
      for (const [k, v] of pairs) {
        // Like our decoders: `__proto__` is an own property, never the prototype.
        Object.defineProperty(obj, k as string, {
          value: v,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
      if ("__type__" in obj && Object.hasOwn(obj, "__type__") && options.reviveTag) {
        return options.reviveTag(obj);
      }
      return obj;
    }
  }
}

function frameParts(frameHex: string): { frame: Uint8Array; payload: Uint8Array } {
  const frame = hexToBytes(frameHex);
  const length = new DataView(frame.buffer).getUint32(0);
  if (length !== frame.length - 4) {
    throw new Error(`Frame header says ${length} bytes, frame has ${frame.length - 4}`);
  }
  return { frame, payload: frame.subarray(4) };
}

interface RawVector {
  name: string;
  codec: VectorCodec;
  kind: VectorKind;
  direction: "encode+decode" | "decode";
  message: Typed;
  frame_hex: string;
  notes?: string;
  inner_msgpack_hex?: string;
  inner_msgpack_len?: number;
  inner_msgpack_sha256?: string;
  blosc_header?: BloscHeader;
}

interface RawConversation {
  name: string;
  codec: VectorCodec;
  notes?: string;
  steps: { from: "client" | "server"; message: Typed; frame_hex: string }[];
}

const raw: { about: string; vectors: RawVector[]; conversations: RawConversation[] } = JSON.parse(
  Deno.readTextFileSync(new URL("./fixtures/wire_vectors.json", import.meta.url)),
);

/** Every vector of the fixture, in file order. */
export const vectors: readonly WireVector[] = raw.vectors.map((v) => ({
  name: v.name,
  codec: v.codec,
  kind: v.kind,
  direction: v.direction,
  typed: v.message,
  message: fromTyped(v.message),
  ...frameParts(v.frame_hex),
  frameHex: v.frame_hex,
  notes: v.notes,
  innerMsgpack: v.inner_msgpack_hex === undefined ? undefined : hexToBytes(v.inner_msgpack_hex),
  innerMsgpackLen: v.inner_msgpack_len,
  innerMsgpackSha256: v.inner_msgpack_sha256,
  bloscHeader: v.blosc_header,
}));

/** Every recorded conversation of the fixture. */
export const conversations: readonly Conversation[] = raw.conversations.map((c) => ({
  name: c.name,
  codec: c.codec,
  notes: c.notes,
  steps: c.steps.map((s) => ({
    from: s.from,
    typed: s.message,
    message: fromTyped(s.message),
    ...frameParts(s.frame_hex),
    frameHex: s.frame_hex,
  })),
}));

/** Filter for {@linkcode vectorsFor}. */
export interface VectorFilter {
  kind?: VectorKind | readonly VectorKind[];
  direction?: "encode+decode" | "decode";
}

/** The vectors of one codec, optionally only some kinds or one direction. */
export function vectorsFor(codec: VectorCodec, filter: VectorFilter = {}): WireVector[] {
  const kinds = filter.kind === undefined
    ? undefined
    : typeof filter.kind === "string"
    ? [filter.kind]
    : filter.kind;
  return vectors.filter((v) =>
    v.codec === codec &&
    (kinds === undefined || kinds.includes(v.kind)) &&
    (filter.direction === undefined || v.direction === filter.direction)
  );
}

/** The one vector with this codec and name; throws when there is none. */
export function vector(codec: VectorCodec, name: string): WireVector {
  const found = vectors.find((v) => v.codec === codec && v.name === name);
  if (!found) throw new Error(`No ${codec} vector named ${JSON.stringify(name)}`);
  return found;
}

/**
 * The message of `v` with every tagged map replaced by `reviveTag` (for
 * comparing against a decoder that has serializers registered).
 */
export function messageWithTags(
  v: { typed: Typed },
  reviveTag: (map: Record<string, unknown>) => unknown,
): unknown {
  return fromTyped(v.typed, { reviveTag });
}
