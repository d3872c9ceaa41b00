/**
 * UTF-8 encoding for the JSON codec, tuned for small messages.
 *
 * Allocating an `ArrayBuffer` is the most expensive step of encoding a small
 * message, so encoded text goes into a shared chunk and each result is a
 * `subarray` of it (the scheme of the MsgPack encoder): results are never
 * overwritten, and a chunk lives as long as a result points into it. ASCII
 * text is copied by a JS loop; other text by one shared `TextEncoder`.
 *
 * @module
 */

const textEncoder = new TextEncoder();

/** The size of a fresh chunk. */
const CHUNK_SIZE = 0x4000;
/** Texts longer than this get their own buffer. */
const SHARE_LIMIT = 0x800;

let chunk = new Uint8Array(CHUNK_SIZE);
let chunkPos = 0;

/** UTF-8 bytes of `text`; later calls never overwrite them. */
export function encodeText(text: string): Uint8Array {
  const length = text.length;
  if (length > SHARE_LIMIT) return textEncoder.encode(text);
  // UTF-8 needs at most 3 bytes per UTF-16 unit.
  if (chunkPos + length * 3 > CHUNK_SIZE) {
    chunk = new Uint8Array(CHUNK_SIZE);
    chunkPos = 0;
  }
  const buf = chunk;
  const start = chunkPos;
  let i = 0;
  for (; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) break;
    buf[start + i] = c;
  }
  let end = start + i;
  if (i < length) {
    end += textEncoder.encodeInto(text.slice(i), buf.subarray(end)).written;
  }
  chunkPos = (end + 7) & ~7;
  return buf.subarray(start, end);
}
