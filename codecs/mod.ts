/**
 * Codecs: how denomas turns messages into bytes.
 *
 * @module
 */
export * from "./codec.ts";
export * from "./serializers.ts";
