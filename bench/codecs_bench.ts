/**
 * Codec benchmarks: our MsgPack against msgpackr (the baseline of each group)
 * and @msgpack/msgpack, our JSON against plain `JSON.stringify`/`JSON.parse`
 * with the same UTF-8 step. Run: `deno bench --allow-all bench/codecs_bench.ts`.
 *
 * Targets (issue 3): MsgPack within 1.25x of msgpackr on every group and at
 * least 3x faster than @msgpack/msgpack on the small-message encode; JSON
 * within 1.5x of plain JSON on the small message.
 *
 * @module
 */

import { pack, unpack } from "msgpackr";
import { decode as mpDecode, encode as mpEncode } from "@msgpack/msgpack";
import { Json, MsgPack } from "../codecs/mod.ts";

const msgpack = new MsgPack();
const json = new Json();
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** The small RPC request of the targets. */
const SMALL = [0, 17, ["agents/3/method", [1, 2.5, "x"], {}]];
/** 10,000 non-integral floats (all float64 on the wire). */
const FLOATS = Array.from({ length: 10_000 }, (_, i) => i * 1.1 + 0.1);
/** 1 MiB of pseudo-random bytes. */
const BINARY = (() => {
  const bytes = new Uint8Array(1 << 20);
  let state = 0x12345678;
  for (let i = 0; i < bytes.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state;
  }
  return bytes;
})();

let sink: unknown;

function msgpackGroup(label: string, value: unknown): void {
  const ours = msgpack.encode(value);
  const theirs = pack(value);
  Deno.bench({
    name: `msgpackr pack (${label})`,
    group: `msgpack encode ${label}`,
    baseline: true,
    fn: () => {
      sink = pack(value);
    },
  });
  Deno.bench({
    name: `denomas MsgPack.encode (${label})`,
    group: `msgpack encode ${label}`,
    fn: () => {
      sink = msgpack.encode(value);
    },
  });
  Deno.bench({
    name: `@msgpack/msgpack encode (${label})`,
    group: `msgpack encode ${label}`,
    fn: () => {
      sink = mpEncode(value);
    },
  });
  Deno.bench({
    name: `msgpackr unpack (${label})`,
    group: `msgpack decode ${label}`,
    baseline: true,
    fn: () => {
      sink = unpack(theirs);
    },
  });
  Deno.bench({
    name: `denomas MsgPack.decode (${label})`,
    group: `msgpack decode ${label}`,
    fn: () => {
      sink = msgpack.decode(ours);
    },
  });
  Deno.bench({
    name: `@msgpack/msgpack decode (${label})`,
    group: `msgpack decode ${label}`,
    fn: () => {
      sink = mpDecode(ours);
    },
  });
  Deno.bench({
    name: `msgpackr pack+unpack (${label})`,
    group: `msgpack round trip ${label}`,
    baseline: true,
    fn: () => {
      sink = unpack(pack(value));
    },
  });
  Deno.bench({
    name: `denomas MsgPack encode+decode (${label})`,
    group: `msgpack round trip ${label}`,
    fn: () => {
      sink = msgpack.decode(msgpack.encode(value));
    },
  });
}

msgpackGroup("small message", SMALL);
msgpackGroup("10,000 floats", FLOATS);
msgpackGroup("1 MiB binary", BINARY);

const smallJson = json.encode(SMALL);
Deno.bench({
  name: "plain JSON.stringify + TextEncoder (small message)",
  group: "json encode small message",
  baseline: true,
  fn: () => {
    sink = textEncoder.encode(JSON.stringify(SMALL));
  },
});
Deno.bench({
  name: "denomas Json.encode (small message)",
  group: "json encode small message",
  fn: () => {
    sink = json.encode(SMALL);
  },
});
Deno.bench({
  name: "plain TextDecoder + JSON.parse (small message)",
  group: "json decode small message",
  baseline: true,
  fn: () => {
    sink = JSON.parse(textDecoder.decode(smallJson));
  },
});
Deno.bench({
  name: "denomas Json.decode (small message)",
  group: "json decode small message",
  fn: () => {
    sink = json.decode(smallJson);
  },
});
Deno.bench({
  name: "plain JSON round trip (small message)",
  group: "json round trip small message",
  baseline: true,
  fn: () => {
    sink = JSON.parse(textDecoder.decode(textEncoder.encode(JSON.stringify(SMALL))));
  },
});
Deno.bench({
  name: "denomas Json encode+decode (small message)",
  group: "json round trip small message",
  fn: () => {
    sink = json.decode(json.encode(SMALL));
  },
});
Deno.bench({
  name: "bare JSON.stringify + JSON.parse on strings (small message)",
  group: "json round trip small message",
  fn: () => {
    sink = JSON.parse(JSON.stringify(SMALL));
  },
});

globalThis.addEventListener("unload", () => {
  if (sink === Symbol.for("never")) console.log(sink);
});
