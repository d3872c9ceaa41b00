/**
 * The three message types of the wire protocol. Every payload is the encoded
 * array `[type, id, content]`.
 *
 * @module
 */

/** A request; `content` is whatever the caller sent. */
export const REQUEST = 0;
/** A success reply; `content` is the result. */
export const RESULT = 1;
/** A failure reply; `content` is the error as text. */
export const EXCEPTION = 2;

/** One of {@linkcode REQUEST}, {@linkcode RESULT} and {@linkcode EXCEPTION}. */
export type MessageType = typeof REQUEST | typeof RESULT | typeof EXCEPTION;
