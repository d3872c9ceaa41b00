/**
 * UTF-8 encoding for the JSON codec, tuned for small messages.
 *
 * Allocating an `ArrayBuffer` is the most expensive step of encoding a small
 * message, so encoded text goes into a shared chunk and each result is a
 * `subarray` of it (the scheme of the MsgPack encoder): results are never
 * overwritten, and a chunk lives as long as a result points into it. ASCII
 * text is copied by a JS loop; other text by one shared `TextEncoder`. The
 * transient variant writes into one reused scratch buffer instead.
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

/** The scratch buffer of {@linkcode encodeTextTransient}. */
let scratch = new Uint8Array(CHUNK_SIZE);
/** The scratch buffer is kept between calls up to this size. */
const SCRATCH_KEEP = 0x100000;

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
  const end = writeText(text, buf, start);
  chunkPos = (end + 7) & ~7;
  return buf.subarray(start, end);
}

/**
 * UTF-8 bytes of `text` in a reused scratch buffer: valid only until the
 * next call.
 */
export function encodeTextTransient(text: string): Uint8Array {
  const room = text.length * 3;
  if (room > scratch.length) {
    const buf = new Uint8Array(Math.max(room, 2 * scratch.length));
    if (buf.length <= SCRATCH_KEEP) scratch = buf;
    return buf.subarray(0, writeText(text, buf, 0));
  }
  return scratch.subarray(0, writeText(text, scratch, 0));
}

/** Writes `text` as UTF-8 at `start` of `buf` (room for 3 bytes a unit); returns the end. */
function writeText(text: string, buf: Uint8Array, start: number): number {
  const length = text.length;
  if (length > SHARE_LIMIT) {
    return start + textEncoder.encodeInto(text, buf.subarray(start)).written;
  }
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
  return end;
}
