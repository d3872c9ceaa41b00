/**
 * Framing micro-benchmarks: encoding frames, and reassembling them from
 * chunks split at random boundaries. Each group has a naive baseline.
 *
 * ```sh
 * deno bench -A bench/framing_bench.ts
 * ```
 *
 * @module
 */

import { encodeFrame, FrameReader } from "../channel/frame.ts";

const SMALL = new Uint8Array(20).fill(7);
const LARGE = new Uint8Array(64 * 1024).fill(9);

/** The frames of a pipelined burst: 1000 payloads of 10 to 200 bytes. */
const BURST = (() => {
  let state = 0x1234_5678;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
  const frames = Array.from(
    { length: 1000 },
    () => encodeFrame(new Uint8Array(10 + Math.floor(next() * 190))),
  );
  const stream = new Uint8Array(frames.reduce((sum, frame) => sum + frame.length, 0));
  let offset = 0;
  for (const frame of frames) {
    stream.set(frame, offset);
    offset += frame.length;
  }
  // Cut it into chunks of 1 to 3000 bytes, as reads return them.
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < stream.length;) {
    const size = Math.min(stream.length - at, 1 + Math.floor(next() * 3000));
    chunks.push(stream.subarray(at, at + size));
    at += size;
  }
  return { stream, chunks };
})();

function naiveFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(4 + payload.length);
  new DataView(frame.buffer).setUint32(0, payload.length);
  frame.set(payload, 4);
  return frame;
}

for (const [name, payload] of [["20 B", SMALL], ["64 KiB", LARGE]] as const) {
  Deno.bench(`naive frame ${name}`, { group: `encode ${name}`, baseline: true }, () => {
    naiveFrame(payload);
  });
  Deno.bench(`encodeFrame ${name}`, { group: `encode ${name}` }, () => {
    encodeFrame(payload);
  });
}

/** Appends each chunk to one growing buffer (a copy per chunk), then cuts frames by slicing. */
function naiveReassemble(chunks: readonly Uint8Array[]): number {
  let pending = new Uint8Array(0);
  let frames = 0;
  for (const chunk of chunks) {
    const joined = new Uint8Array(pending.length + chunk.length);
    joined.set(pending);
    joined.set(chunk, pending.length);
    pending = joined;
    while (pending.length >= 4) {
      const length = new DataView(pending.buffer, pending.byteOffset).getUint32(0);
      if (pending.length < 4 + length) break;
      pending.slice(4, 4 + length);
      pending = pending.slice(4 + length);
      frames++;
    }
  }
  return frames;
}

function readerReassemble(chunks: readonly Uint8Array[]): number {
  const reader = new FrameReader();
  let frames = 0;
  for (const chunk of chunks) {
    reader.push(chunk);
    while (reader.next() !== undefined) frames++;
  }
  return frames;
}

Deno.bench("naive concat + slice", {
  group: "reassemble 1000 frames, random chunks",
  baseline: true,
}, () => {
  if (naiveReassemble(BURST.chunks) !== 1000) throw new Error("lost frames");
});
Deno.bench("FrameReader.push", { group: "reassemble 1000 frames, random chunks" }, () => {
  if (readerReassemble(BURST.chunks) !== 1000) throw new Error("lost frames");
});

Deno.bench(
  "naive concat + slice",
  { group: "reassemble 1000 frames, one read", baseline: true },
  () => {
    if (naiveReassemble([BURST.stream]) !== 1000) throw new Error("lost frames");
  },
);
Deno.bench("FrameReader readable/commit", { group: "reassemble 1000 frames, one read" }, () => {
  // What the channel's read loop does: reads land in the reader's own buffer,
  // as much as it offers each time (its buffer grows with full reads).
  const reader = new FrameReader({ reuseBuffer: true });
  const stream = BURST.stream;
  let frames = 0;
  for (let offset = 0; offset < stream.length;) {
    const target = reader.readable();
    const count = Math.min(target.length, stream.length - offset);
    target.set(stream.subarray(offset, offset + count));
    reader.commit(count);
    offset += count;
    while (reader.next() !== undefined) frames++;
  }
  if (frames !== 1000) throw new Error("lost frames");
});
