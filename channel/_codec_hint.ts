/**
 * Naming codecs in errors: when the first frame of a connection cannot be
 * decoded, the peer most likely speaks another codec, and the bytes often
 * show which one.
 *
 * @module
 */

/** How errors spell the codecs, by `Codec.name`. */
const LABELS: Readonly<Record<string, string>> = {
  json: "JSON",
  msgpack: "MsgPack",
  msgpackblosc: "MsgPackBlosc",
};

/** The codec's name as errors spell it: `"JSON"`, `"MsgPack"`, `"MsgPackBlosc"`. */
function codecLabel(name: string): string {
  return LABELS[name] ?? name;
}

/**
 * Which codec a payload of `[type, id, content]` looks like it was written
 * with, judged from its first bytes, or `undefined`.
 */
function guessCodec(payload: Uint8Array): string | undefined {
  let i = 0;
  while (i < payload.length && (payload[i] === 0x20 || payload[i] === 0x0a)) i++;
  if (payload[i] === 0x5b) return "JSON"; // "[" opens the JSON array.
  if (payload[0] === 0x93) return "MsgPack"; // A fixarray of 3.
  // A Blosc-1 header: version 2, a format version, then the sizes of a 16-byte header.
  if (payload.length >= 16 && payload[0] === 0x02 && payload[1] >= 1 && payload[1] <= 4) {
    return "MsgPackBlosc";
  }
  return undefined;
}

/**
 * Says why the first frame from `peer` did not decode: the peer probably
 * uses another codec than ours (`codecName`).
 */
export function mismatchText(codecName: string, payload: Uint8Array, problem: string): string {
  const ours = codecLabel(codecName);
  const theirs = guessCodec(payload);
  const hint = theirs !== undefined && theirs !== ours ? ` (the bytes look like ${theirs})` : "";
  return `its first message could not be decoded as ${ours}: the peer probably uses another ` +
    `codec${hint}; ${problem}`;
}
