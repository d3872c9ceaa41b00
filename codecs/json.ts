/**
 * The JSON codec, compatible with Python aiomas' `JSON` (the default codec).
 *
 * @module
 */

import { toRegistry } from "./_registry.ts";
import type { Codec } from "./codec.ts";
import { CodecError } from "./errors.ts";
import { addFastPaths } from "./_fast_paths.ts";
import type { Serializer, SerializerRegistry } from "./serializers.ts";
import { parseJsonBytes } from "./_json_read.ts";
import { isPlainJson, writeJson } from "./_json_write.ts";
import { encodeText, encodeTextTransient } from "./_json_bytes.ts";

/**
 * JSON as Python's `json.dumps`/`json.loads` speak it, in UTF-8.
 *
 * Reading accepts everything Python writes: `NaN`, `Infinity` and
 * `-Infinity` as bare tokens, `\uXXXX` escapes and surrogate pairs, and
 * integers of any size (a `bigint` when outside the safe range, else a
 * number). Every object with a `__type__` key is replaced by
 * `serializers.deserialize(...)`.
 *
 * Writing produces compact JSON (no spaces, UTF-8 rather than `\u` escapes)
 * that Python reads back as the same value:
 * - `bigint` as its digits; `NaN` and `±Infinity` as Python's bare tokens;
 *   `-0` as `-0.0` and integral numbers beyond 2^53 with a `.0`, so Python
 *   reads them as floats, as they were;
 * - `Map`s as objects; keys must be strings, or numbers, bigints, booleans or
 *   null, which become their text (as in Python);
 * - `undefined` as in `JSON.stringify`: members left out, array items `null`;
 *   a top-level `undefined` is `null`;
 * - any other object through the serializer registry as
 *   `{"__type__": [typeid, data]}`; without a serializer, a `CodecError`.
 *   JSON has no bytes: a `Uint8Array` is a `CodecError` (use
 *   {@linkcode MsgPack} or register a serializer).
 *
 * Encoded results of up to 2 KiB are views into a shared chunk of memory
 * that later calls never overwrite (a result keeps its 16 KiB chunk alive
 * while it lives); allocating a buffer per message would cost more than the
 * rest of the encoding. Copy a result (`bytes.slice()`) to keep it long, and
 * never transfer its `buffer`.
 *
 * @example Round trip of what plain JSON cannot carry
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { Json } from "@denomas/denomas/codecs";
 *
 * const codec = new Json();
 * const value = [2n ** 70n, NaN, -Infinity, "ü😀"];
 * assertEquals(codec.decode(codec.encode(value)), value);
 * assertEquals(
 *   codec.decode(new TextEncoder().encode('[1, 0, "\\u00fc\\ud83d\\ude00", NaN]')),
 *   [1, 0, "ü😀", NaN],
 * );
 * ```
 */
export class Json implements Codec {
  /** The wire name, `"json"`. */
  readonly name: string = "json";
  /** The extra serializers of this instance. */
  readonly serializers: SerializerRegistry;

  static {
    addFastPaths(Json, {
      transientEncode(value) {
        return encodeTextTransient(this.#text(value));
      },
      // JSON has no bytes: `decode` never returns views into its input.
      detachedDecode(data) {
        return this.decode(data);
      },
    });
  }

  /**
   * Creates a JSON codec.
   *
   * @param serializers A registry, or serializers to register in type id
   * order. Default: none.
   */
  constructor(serializers?: SerializerRegistry | readonly Serializer[]) {
    this.serializers = toRegistry(serializers);
  }

  /**
   * Encodes `value` as UTF-8 JSON text.
   *
   * @throws {CodecError} when a part of `value` cannot be written.
   */
  encode(value: unknown): Uint8Array {
    return encodeText(this.#text(value));
  }

  #text(value: unknown): string {
    try {
      return value !== undefined && isPlainJson(value)
        ? JSON.stringify(value)
        : writeJson(value, this.serializers);
    } catch (error) {
      throw wrapError(error);
    }
  }

  /**
   * Decodes UTF-8 JSON text.
   *
   * @throws {CodecError} for invalid UTF-8 or JSON and for unknown type ids.
   */
  decode(data: Uint8Array): unknown {
    try {
      return parseJsonBytes(data, this.serializers);
    } catch (error) {
      throw wrapError(error);
    }
  }
}

function wrapError(error: unknown): CodecError {
  if (error instanceof CodecError) return error;
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return new CodecError("JSON value is cyclic or nested too deeply", { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CodecError(`JSON codec failed: ${message}`, { cause: error });
}
