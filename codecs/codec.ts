/**
 * The contract every codec fulfils: values to bytes and back.
 *
 * @module
 */

import { DenomasError } from "../errors.ts";
import type { Serializer, SerializerRegistry } from "./serializers.ts";

/**
 * Turns values into bytes and bytes into values.
 *
 * A codec instance belongs to one connection: its {@linkcode Codec.serializers}
 * registry decides which type ids tagged values get, and the RPC layer adds a
 * proxy serializer that is bound to that connection.
 */
export interface Codec {
  /** The wire name of the codec: `"json"`, `"msgpack"` or `"msgpackblosc"`. */
  readonly name: string;
  /** The extra serializers of this instance, in type id order. */
  readonly serializers: SerializerRegistry;
  /**
   * Encodes a value. The returned bytes stay valid: later calls never
   * overwrite them.
   *
   * @throws {CodecError} when the value (or a part of it) cannot be written.
   */
  encode(value: unknown): Uint8Array;
  /**
   * Decodes one complete value. Binary values in the result may be views
   * into `data`, so callers must not reuse `data` afterwards.
   *
   * @throws {CodecError} for malformed, truncated or trailing input and for
   * unknown type ids.
   */
  decode(data: Uint8Array): unknown;
}

/**
 * Internal: the key of a codec's transient encode, `(value) => Uint8Array`,
 * whose result is only valid until the next transient encode (of any codec
 * instance): it reuses one scratch buffer instead of taking fresh memory. The
 * channel uses it, through {@linkcode transientEncoder}, for payloads that it
 * copies into its write batch at once.
 */
export const TRANSIENT_ENCODE: unique symbol = Symbol("denomas.transientEncode");

/**
 * Internal: the key of a codec's detached decode, `(data) => unknown`, which
 * decodes like `decode` but never returns views into `data` (binary values
 * are copies), so the caller may reuse `data` afterwards. The channel uses it,
 * through {@linkcode detachedDecoder}, to reuse its read buffer.
 */
export const DETACHED_DECODE: unique symbol = Symbol("denomas.detachedDecode");

/**
 * Internal: the transient encode of `codec`, bound to it, or `undefined`. It
 * is only used when the class that defines `encode` also defines it, so a
 * subclass that changes `encode` (e.g. compresses) never gets its parent's.
 */
export function transientEncoder(codec: Codec): ((value: unknown) => Uint8Array) | undefined {
  return internalMethod(codec, "encode", TRANSIENT_ENCODE) as
    | ((value: unknown) => Uint8Array)
    | undefined;
}

/**
 * Internal: the detached decode of `codec`, bound to it, or `undefined`;
 * only used when the class that defines `decode` also defines it.
 */
export function detachedDecoder(codec: Codec): ((data: Uint8Array) => unknown) | undefined {
  return internalMethod(codec, "decode", DETACHED_DECODE) as
    | ((data: Uint8Array) => unknown)
    | undefined;
}

/** `codec[key]`, bound, when the class that defines `codec[method]` defines it too. */
function internalMethod(
  codec: Codec,
  method: "encode" | "decode",
  key: symbol,
): ((arg: never) => unknown) | undefined {
  if (Object.hasOwn(codec, method)) return undefined;
  for (
    let proto = Object.getPrototypeOf(codec);
    proto !== null;
    proto = Object.getPrototypeOf(proto)
  ) {
    if (Object.hasOwn(proto, method)) {
      const fn = Object.hasOwn(proto, key) ? proto[key] : undefined;
      return typeof fn === "function" ? fn.bind(codec) : undefined;
    }
  }
  return undefined;
}

/** A codec class, as passed to the `codec` option of channels, RPC and containers. */
export interface CodecClass {
  /** Creates a codec that writes tagged values with `serializers`. */
  new (serializers?: SerializerRegistry | readonly Serializer[]): Codec;
}

/** A value could not be encoded or decoded. */
export class CodecError extends DenomasError {
  /**
   * Creates the error.
   *
   * @param message What was expected and what arrived.
   * @param options The underlying cause, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CodecError";
  }
}
