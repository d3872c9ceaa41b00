/**
 * Codecs: how denomas turns messages into bytes. {@linkcode Json} (the
 * default) and {@linkcode MsgPack} speak Python aiomas' wire formats byte for
 * byte; values no codec knows travel as tagged maps through the
 * {@linkcode SerializerRegistry} ({@linkcode dateSerializer},
 * {@linkcode serializable} classes, your own {@linkcode Serializer}s).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { dateSerializer, Json, MsgPack } from "@denomas/denomas/codecs";
 *
 * const message = [0, 17, ["agents/3/method", [1, 2.5, "x"], {}]];
 * for (const codec of [new Json(), new MsgPack()]) {
 *   assertEquals(codec.decode(codec.encode(message)), message);
 * }
 * const codec = new MsgPack([dateSerializer]);
 * const at = Temporal.Instant.from("2026-11-24T15:46:09.954819Z");
 * const back = codec.decode(codec.encode(at)) as Temporal.ZonedDateTime;
 * assertEquals(back.toInstant().equals(at), true);
 * ```
 *
 * @module
 */
export type { Codec, CodecClass } from "./codec.ts";
export { CodecError } from "./errors.ts";
export {
  type Constructor,
  type FallbackSerializer,
  type Serializer,
  SerializerRegistry,
  TYPE_KEY,
} from "./serializers.ts";
export { Json } from "./json.ts";
export { MsgPack, type MsgPackOptions } from "./msgpack.ts";
export { type DateLike, type DateSerializer, dateSerializer } from "./date.ts";
export {
  makeSerializable,
  serializable,
  type SerializableClass,
  type SerializableOptions,
  serializerOf,
} from "./serializable.ts";
