/**
 * denomas: remote procedure calls and multi-agent systems for Deno, on the
 * wire of Python's aiomas.
 *
 * @module
 */
export * from "./codecs/mod.ts";
