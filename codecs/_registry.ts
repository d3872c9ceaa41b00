import { type Serializer, SerializerRegistry } from "./serializers.ts";

/** The registry a codec constructor was given, or a new one holding `serializers` in order. */
export function toRegistry(
  serializers: SerializerRegistry | readonly Serializer[] | undefined,
): SerializerRegistry {
  return serializers instanceof SerializerRegistry
    ? serializers
    : new SerializerRegistry(serializers);
}
