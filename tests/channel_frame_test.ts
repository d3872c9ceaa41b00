import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import { MAX_FRAME_SIZE, ProtocolError } from "../channel/mod.ts";
import {
  encodeFrame,
  FrameReader,
  HEADER_SIZE,
  WIRE_MAX_PAYLOAD,
  writeHeader,
} from "../channel/frame.ts";
import { MAX_READ_SIZE, MIN_READ_SIZE, takeBuffer } from "../channel/_buffers.ts";
import { concat } from "./_bytes.ts";

/** A small deterministic PRNG (xorshift32), so failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

function payloadOf(size: number, fill: number): Uint8Array {
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = (fill + i * 7) & 0xff;
  return payload;
}

Deno.test("encodeFrame writes a 4-byte big-endian length before the payload", () => {
  const frame = encodeFrame(payloadOf(0x0102_03, 1));
  assertEquals([...frame.subarray(0, 4)], [0x00, 0x01, 0x02, 0x03]);
  assertEquals(frame.length, HEADER_SIZE + 0x0102_03);
  assertEquals(frame.subarray(4), payloadOf(0x0102_03, 1));
  assertEquals(encodeFrame(new Uint8Array(0)), new Uint8Array([0, 0, 0, 0]));
});

Deno.test("writeHeader writes lengths up to 2^32-1", () => {
  const target = new Uint8Array(6);
  writeHeader(target, 1, WIRE_MAX_PAYLOAD);
  assertEquals([...target], [0, 0xff, 0xff, 0xff, 0xff, 0]);
});

Deno.test("FrameReader reassembles frames from random chunk boundaries", () => {
  const next = random(42);
  for (let round = 0; round < 50; round++) {
    const payloads = Array.from(
      { length: 1 + Math.floor(next() * 40) },
      (_, i) => payloadOf(Math.floor(next() ** 3 * 5000), round + i),
    );
    const stream = concat(payloads.map(encodeFrame));
    const reader = new FrameReader();
    const seen: Uint8Array[] = [];
    let offset = 0;
    while (offset < stream.length) {
      const size = Math.min(stream.length - offset, 1 + Math.floor(next() * 700));
      reader.push(stream.subarray(offset, offset + size));
      offset += size;
      for (let frame = reader.next(); frame !== undefined; frame = reader.next()) seen.push(frame);
    }
    assertEquals(seen, payloads);
    assertEquals(reader.buffered, 0);
  }
});

Deno.test("FrameReader reads straight into its buffer with readable() and commit()", () => {
  const stream = concat([encodeFrame(payloadOf(10, 1)), encodeFrame(payloadOf(3, 2))]);
  const reader = new FrameReader();
  const target = reader.readable();
  assert(target.length >= stream.length);
  target.set(stream.subarray(0, 7));
  reader.commit(7);
  assertEquals(reader.next(), undefined);
  assertEquals(reader.pendingFrameSize, 10);
  const rest = reader.readable();
  rest.set(stream.subarray(7));
  reader.commit(stream.length - 7);
  assertEquals(reader.next(), payloadOf(10, 1));
  assertEquals(reader.next(), payloadOf(3, 2));
  assertEquals(reader.next(), undefined);
});

Deno.test("FrameReader never overwrites bytes of a frame it handed out", () => {
  const reader = new FrameReader();
  const held: { view: Uint8Array; copy: Uint8Array }[] = [];
  const next = random(7);
  for (let i = 0; i < 500; i++) {
    const payload = payloadOf(Math.floor(next() * 300), i);
    reader.push(encodeFrame(payload));
    for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
      held.push({ view: frame, copy: frame.slice() });
    }
  }
  assertEquals(held.length, 500);
  for (const { view, copy } of held) assertEquals(view, copy);
});

Deno.test("FrameReader gives a frame larger than its buffer a buffer of its own", () => {
  const reader = new FrameReader();
  const big = payloadOf(100_000, 3);
  const stream = concat([
    encodeFrame(payloadOf(5, 1)),
    encodeFrame(big),
    encodeFrame(payloadOf(2, 9)),
  ]);
  for (let offset = 0; offset < stream.length; offset += 4093) {
    reader.push(stream.subarray(offset, offset + 4093));
  }
  assertEquals(reader.next(), payloadOf(5, 1));
  assertEquals(reader.next(), big);
  assertEquals(reader.next(), payloadOf(2, 9));
});

Deno.test("FrameReader rejects a frame above maxFrameSize from its header alone", () => {
  const reader = new FrameReader({ maxFrameSize: 100 });
  reader.push(encodeFrame(payloadOf(100, 1)));
  assertEquals(reader.next()?.length, 100);
  // Only the header of a 2 GiB frame: it must be refused before any allocation.
  reader.push(new Uint8Array([0x80, 0, 0, 0]));
  throws(() => reader.next(), (error) => {
    assert(error instanceof ProtocolError);
    assert(error.message.includes("2147483648 bytes"));
    assert(error.message.includes("limit of 100 bytes"));
    return true;
  });
  throws(() => reader.readable(), ProtocolError);
});

Deno.test("FrameReader accepts frames up to exactly maxFrameSize", () => {
  const reader = new FrameReader({ maxFrameSize: 10 });
  reader.push(encodeFrame(payloadOf(10, 4)));
  assertEquals(reader.next(), payloadOf(10, 4));
});

Deno.test("FrameReader has a 64 MiB default limit and checks its options", () => {
  assertEquals(new FrameReader().maxFrameSize, MAX_FRAME_SIZE);
  assertEquals(MAX_FRAME_SIZE, 64 * 1024 * 1024);
  throws(() => new FrameReader({ maxFrameSize: -1 }), RangeError);
  throws(() => new FrameReader({ maxFrameSize: 2 ** 32 }), RangeError);
});

Deno.test("FrameReader reports the bytes of an incomplete frame", () => {
  const reader = new FrameReader();
  reader.push(new Uint8Array([0, 0]));
  assertEquals(reader.buffered, 2);
  assertEquals(reader.pendingFrameSize, undefined);
  reader.push(new Uint8Array([0, 9, 1, 2]));
  assertEquals(reader.buffered, 6);
  assertEquals(reader.pendingFrameSize, 9);
});

Deno.test("FrameReader with reuseBuffer reassembles random chunks", () => {
  const next = random(43);
  for (let round = 0; round < 50; round++) {
    const payloads = Array.from(
      { length: 1 + Math.floor(next() * 40) },
      (_, i) => payloadOf(Math.floor(next() ** 3 * 5000), round + i),
    );
    const stream = concat(payloads.map(encodeFrame));
    const reader = new FrameReader({ reuseBuffer: true });
    const seen: Uint8Array[] = [];
    let offset = 0;
    while (offset < stream.length) {
      // Half the rounds read straight in, the others push; frames are copied at once.
      if (round % 2 === 0) {
        const target = reader.readable();
        const size = Math.min(stream.length - offset, target.length, 1 + Math.floor(next() * 700));
        target.set(stream.subarray(offset, offset + size));
        reader.commit(size);
        offset += size;
      } else {
        const size = Math.min(stream.length - offset, 1 + Math.floor(next() * 700));
        reader.push(stream.subarray(offset, offset + size));
        offset += size;
      }
      for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
        seen.push(frame.slice());
      }
    }
    assertEquals(seen, payloads);
    assertEquals(reader.buffered, 0);
  }
});

Deno.test("FrameReader with reuseBuffer writes over handed-out frames and keeps one buffer", () => {
  const reader = new FrameReader({ reuseBuffer: true });
  const buffers = new Set<ArrayBufferLike>();
  let first: Uint8Array | undefined;
  for (let i = 0; i < 200; i++) {
    reader.push(encodeFrame(payloadOf(50, i)));
    for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
      assertEquals(frame, payloadOf(50, i));
      first ??= frame;
      buffers.add(frame.buffer);
    }
  }
  assertEquals(buffers.size, 1);
  assertEquals(reader.capacity, MIN_READ_SIZE);
  assert(first !== undefined && !payloadOf(50, 0).every((b, i) => first![i] === b), "overwritten");
});

Deno.test("FrameReader reserves nothing for a header announcing a huge frame", () => {
  for (const reuseBuffer of [false, true]) {
    const reader = new FrameReader({ reuseBuffer });
    reader.push(new Uint8Array([4, 0, 0, 0])); // 64 MiB announced, nothing more
    assertEquals(reader.pendingFrameSize, MAX_FRAME_SIZE);
    assertEquals(reader.capacity, MIN_READ_SIZE);
    assert(reader.readable().length < MIN_READ_SIZE);
    assertEquals(reader.capacity, MIN_READ_SIZE);
  }
});

Deno.test("FrameReader grows a large frame's buffer with the bytes received", () => {
  const next = random(11);
  for (const reuseBuffer of [false, true]) {
    const reader = new FrameReader({ reuseBuffer });
    const big = payloadOf(3 * 1024 * 1024 + 17, 5);
    const stream = concat([encodeFrame(big), encodeFrame(payloadOf(3, 1))]);
    const frames: Uint8Array[] = [];
    let offset = 0;
    let largest = 0;
    while (offset < stream.length) {
      // Straight reads of any size up to what is offered, like a socket's.
      const target = reader.readable();
      // Never more than twice the bytes of the frame received, or a standard buffer.
      assert(
        reader.capacity <= Math.max(MAX_READ_SIZE, 2 * reader.buffered),
        `${reader.capacity} bytes held for ${reader.buffered} received`,
      );
      largest = Math.max(largest, reader.capacity);
      const size = Math.min(stream.length - offset, target.length, 1 + Math.floor(next() * 9000));
      target.set(stream.subarray(offset, offset + size));
      reader.commit(size);
      offset += size;
      for (let frame; (frame = reader.next()) !== undefined;) frames.push(frame.slice());
    }
    assertEquals(frames, [big, payloadOf(3, 1)]);
    assert(largest >= big.length, "the frame ends up in one buffer");
  }
});

Deno.test("FrameReader returns to a small buffer after a large frame", () => {
  for (const reuseBuffer of [false, true]) {
    const reader = new FrameReader({ reuseBuffer });
    const big = payloadOf(500_000, 2);
    reader.push(encodeFrame(big));
    assertEquals(reader.next(), big);
    for (let i = 0; i < 20; i++) {
      reader.push(encodeFrame(payloadOf(20, i)));
      assertEquals(reader.next(), payloadOf(20, i));
    }
    assert(reader.capacity <= MAX_READ_SIZE, `${reader.capacity}`);
    if (reuseBuffer) assertEquals(reader.capacity, MIN_READ_SIZE);
  }
});

Deno.test("FrameReader refuses an oversize header before taking more memory", () => {
  const reader = new FrameReader({ maxFrameSize: 1 << 20 });
  reader.push(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
  throws(() => reader.readable(), ProtocolError);
  throws(() => reader.next(), ProtocolError);
  assertEquals(reader.capacity, MIN_READ_SIZE);
});

Deno.test("FrameReader.release lets go of the buffer, back to the pool with reuseBuffer", () => {
  const reader = new FrameReader({ reuseBuffer: true });
  reader.push(encodeFrame(payloadOf(10, 1)));
  const buffer = reader.next()!.buffer;
  reader.release();
  assertEquals(reader.capacity, 0);
  assertEquals(reader.buffered, 0);
  const taken = takeBuffer(MIN_READ_SIZE);
  assert(taken.buffer === buffer, "the released buffer is the next one handed out");
  // Still usable.
  reader.push(encodeFrame(payloadOf(4, 2)));
  assertEquals(reader.next(), payloadOf(4, 2));
});
