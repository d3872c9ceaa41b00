/**
 * Internal: the fast paths the channel takes through a codec. A codec class
 * offers them as symbol-keyed methods next to `encode` and `decode`.
 *
 * @module
 */

import type { Codec } from "./codec.ts";

/**
 * The key of a codec's transient encode, `(value) => Uint8Array`, whose
 * result is only valid until the next transient encode (of any codec
 * instance): it reuses one scratch buffer instead of taking fresh memory. The
 * channel uses it, through {@linkcode transientEncoder}, for payloads that it
 * copies into its write batch at once.
 */
export const TRANSIENT_ENCODE: unique symbol = Symbol("denomas.transientEncode");

/**
 * The key of a codec's detached decode, `(data) => unknown`, which decodes
 * like `decode` but never returns views into `data` (binary values are
 * copies), so the caller may reuse `data` afterwards. The channel uses it,
 * through {@linkcode detachedDecoder}, to reuse its read buffer. An instance
 * whose own property under this key is `undefined` opts out (a codec that
 * hands out views into the frame must get a fresh frame each time).
 */
export const DETACHED_DECODE: unique symbol = Symbol("denomas.detachedDecode");

/** The fast paths a codec class offers; each is called with the codec as `this`. */
export interface FastPaths<C extends Codec> {
  /** Like `encode`, into a reused buffer: valid until the next transient encode. */
  transientEncode?(this: C, value: unknown): Uint8Array;
  /** Like `decode`, with no views into `data` in the result. */
  detachedDecode?(this: C, data: Uint8Array): unknown;
}

/** Gives the instances of `cls` the fast paths `paths`, outside its public type. */
export function addFastPaths<C extends Codec>(
  cls: abstract new (...args: never[]) => C,
  paths: FastPaths<C>,
): void {
  const define = (key: symbol, value: unknown) =>
    Object.defineProperty(cls.prototype, key, { value, writable: true, configurable: true });
  if (paths.transientEncode !== undefined) define(TRANSIENT_ENCODE, paths.transientEncode);
  if (paths.detachedDecode !== undefined) define(DETACHED_DECODE, paths.detachedDecode);
}

/** Makes `codec` take the plain `decode` in the channel, which then never reuses a frame's buffer. */
export function withoutDetachedDecode(codec: Codec): void {
  Object.defineProperty(codec, DETACHED_DECODE, { value: undefined });
}

/**
 * The transient encode of `codec`, bound to it, or `undefined`. It is only
 * used when the class that defines `encode` also defines it, so a subclass
 * that changes `encode` (e.g. compresses) never gets its parent's.
 */
export function transientEncoder(codec: Codec): ((value: unknown) => Uint8Array) | undefined {
  return fastPath(codec, "encode", TRANSIENT_ENCODE) as
    | ((value: unknown) => Uint8Array)
    | undefined;
}

/**
 * The detached decode of `codec`, bound to it, or `undefined`; only used when
 * the class that defines `decode` also defines it.
 */
export function detachedDecoder(codec: Codec): ((data: Uint8Array) => unknown) | undefined {
  return fastPath(codec, "decode", DETACHED_DECODE) as
    | ((data: Uint8Array) => unknown)
    | undefined;
}

/** `codec[key]`, bound, when the class that defines `codec[method]` defines it too. */
function fastPath(
  codec: Codec,
  method: "encode" | "decode",
  key: symbol,
): ((arg: never) => unknown) | undefined {
  if (Object.hasOwn(codec, method)) return undefined;
  if (Object.hasOwn(codec, key)) {
    return bound(codec, (codec as unknown as Record<symbol, unknown>)[key]);
  }
  for (
    let proto = Object.getPrototypeOf(codec);
    proto !== null;
    proto = Object.getPrototypeOf(proto)
  ) {
    if (Object.hasOwn(proto, method)) {
      return Object.hasOwn(proto, key) ? bound(codec, proto[key]) : undefined;
    }
  }
  return undefined;
}

function bound(codec: Codec, fn: unknown): ((arg: never) => unknown) | undefined {
  return typeof fn === "function" ? fn.bind(codec) : undefined;
}
