/**
 * The messages of the wire protocol: every payload is the encoded array
 * `[type, id, content]`. Holds the three types, and reads the type and id of
 * a message that did not decode, so that a bad request gets an EXCEPTION
 * reply instead of costing the whole connection.
 *
 * @module
 */

import type { CodecClass } from "../codecs/codec.ts";
import { SerializerRegistry } from "../codecs/serializers.ts";

/** A request; `content` is whatever the caller sent. */
export const REQUEST = 0;
/** A success reply; `content` is the result. */
export const RESULT = 1;
/** A failure reply; `content` is the error as text. */
export const EXCEPTION = 2;

/** One of {@linkcode REQUEST}, {@linkcode RESULT} and {@linkcode EXCEPTION}. */
export type MessageType = typeof REQUEST | typeof RESULT | typeof EXCEPTION;

/** The head of a message: its type and id. */
export interface MessageHead {
  readonly type: number;
  readonly id: unknown;
}

/** A registry that reads every tag as `null`, whatever its type id. */
class LenientRegistry extends SerializerRegistry {
  override deserialize(_tag: unknown): unknown {
    return null;
  }
}

/**
 * Finds the type and id of a payload that failed to decode: first by
 * decoding it again with every tag read as `null` (this covers unknown type
 * ids and failing serializers), then from the first bytes (JSON and MsgPack).
 *
 * @returns The head, or `undefined` when it cannot be read.
 */
export function recoverHead(
  codecClass: CodecClass,
  codecName: string,
  payload: Uint8Array,
): MessageHead | undefined {
  let message: unknown;
  try {
    message = new codecClass(new LenientRegistry()).decode(payload);
  } catch {
    // Not just a bad tag: the bytes themselves are broken. Try their start.
    return sniffHead(codecName, payload);
  }
  if (Array.isArray(message) && message.length >= 2 && typeof message[0] === "number") {
    return { type: message[0], id: message[1] };
  }
  return undefined;
}

const JSON_HEAD = /^\s*\[\s*(\d)\s*,\s*(\d{1,15})\s*,/;

function sniffHead(codecName: string, payload: Uint8Array): MessageHead | undefined {
  if (codecName === "json") {
    const text = String.fromCharCode(...payload.subarray(0, 48));
    const match = JSON_HEAD.exec(text);
    return match ? { type: Number(match[1]), id: Number(match[2]) } : undefined;
  }
  if (codecName === "msgpack") {
    // fixarray of 3, a positive fixint type, then an unsigned int id.
    if (payload.length < 3 || payload[0] !== 0x93 || payload[1] > 0x7f) return undefined;
    const type = payload[1];
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    const tag = payload[2];
    if (tag <= 0x7f) return { type, id: tag };
    if (tag === 0xcc && payload.length >= 4) return { type, id: view.getUint8(3) };
    if (tag === 0xcd && payload.length >= 5) return { type, id: view.getUint16(3) };
    if (tag === 0xce && payload.length >= 7) return { type, id: view.getUint32(3) };
    return undefined;
  }
  return undefined;
}
