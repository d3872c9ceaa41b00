/**
 * The contract every codec fulfils: values to bytes and back.
 *
 * @module
 */

import type { Serializer, SerializerRegistry } from "./serializers.ts";

// The error of every codec, also importable from here.
export { CodecError } from "./errors.ts";

/**
 * Turns values into bytes and bytes into values.
 *
 * A codec instance belongs to one connection: its {@linkcode Codec.serializers}
 * registry decides which type ids tagged values get, and the RPC layer adds a
 * proxy serializer that is bound to that connection, so a codec of your own
 * writes values it does not know through that registry (see
 * `docs/codecs.md`, "Custom codecs").
 *
 * @example A codec of strings only
 * ```ts
 * import { strictEqual as assertEquals, throws } from "node:assert/strict";
 * import { type Codec, CodecError, SerializerRegistry } from "@denomas/denomas/codecs";
 *
 * class Text implements Codec {
 *   readonly name = "text";
 *   readonly serializers = new SerializerRegistry();
 *   encode(value: unknown): Uint8Array {
 *     if (typeof value !== "string") throw new CodecError("Text writes only strings");
 *     return new TextEncoder().encode(value);
 *   }
 *   decode(data: Uint8Array): unknown {
 *     return new TextDecoder().decode(data);
 *   }
 * }
 * const codec: Codec = new Text();
 * assertEquals(codec.decode(codec.encode("ünï")), "ünï");
 * throws(() => codec.encode(1), CodecError);
 * ```
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

/** A codec class, as passed to the `codec` option of channels, RPC and containers. */
export interface CodecClass {
  /** Creates a codec that writes tagged values with `serializers`. */
  new (serializers?: SerializerRegistry | readonly Serializer[]): Codec;
}
