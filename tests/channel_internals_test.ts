import { deepStrictEqual as assertEquals, ok as assert, strictEqual } from "node:assert/strict";
import { CallTable } from "../channel/_call_table.ts";
import { Deadlines, type Expiring } from "../channel/_deadlines.ts";
import { MAX_BATCH_SIZE } from "../channel/_buffers.ts";
import { WriteQueue } from "../channel/_write_queue.ts";
import { encodeFrame, FrameReader } from "../channel/frame.ts";
import type { Conn } from "../channel/transport.ts";

/** A connection that records writes, accepts at most `maxWrite` bytes per call, and can be held. */
class RecordingConn implements Conn {
  readonly peer = { address: "recorder" };
  readonly localAddress = "here";
  readonly writes: Uint8Array[] = [];
  maxWrite = Infinity;
  failWith: Error | undefined;
  #gate: Promise<void> = Promise.resolve();
  #open: (() => void) | undefined;

  hold(): void {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#gate = promise;
    this.#open = resolve;
  }

  release(): void {
    this.#open?.();
    this.#gate = Promise.resolve();
  }

  read(): Promise<number | null> {
    return Promise.resolve(null);
  }

  async write(data: Uint8Array): Promise<number> {
    await this.#gate;
    if (this.failWith) throw this.failWith;
    const count = Math.min(data.length, this.maxWrite);
    this.writes.push(data.slice(0, count));
    return count;
  }

  close(): void {}

  /** Everything written, as frames. */
  frames(): Uint8Array[] {
    const reader = new FrameReader();
    for (const chunk of this.writes) reader.push(chunk);
    const frames: Uint8Array[] = [];
    for (let frame = reader.next(); frame !== undefined; frame = reader.next()) frames.push(frame);
    return frames;
  }
}

function payload(size: number, fill: number): Uint8Array {
  return new Uint8Array(size).fill(fill);
}

Deno.test("WriteQueue coalesces frames queued in one tick into one write", async () => {
  const conn = new RecordingConn();
  const queue = new WriteQueue(conn, () => {});
  for (let i = 0; i < 10; i++) queue.enqueue(payload(20, i));
  strictEqual(queue.bufferedAmount, 240);
  await queue.idle();
  strictEqual(conn.writes.length, 1);
  strictEqual(conn.writes[0].length, 240);
  assertEquals(conn.frames(), Array.from({ length: 10 }, (_, i) => payload(20, i)));
  strictEqual(queue.bufferedAmount, 0);
});

Deno.test("WriteQueue keeps order across full batches, large frames and partial writes", async () => {
  const conn = new RecordingConn();
  conn.maxWrite = 5000;
  const queue = new WriteQueue(conn, () => {});
  const sent = [
    payload(10, 1),
    payload(MAX_BATCH_SIZE * 2, 2), // larger than a batch: written on its own
    payload(30_000, 3),
    payload(30_000, 4),
    payload(30_000, 5), // overflows the batch
    payload(1, 6),
  ];
  for (const p of sent) queue.enqueue(p);
  await queue.idle();
  assertEquals(conn.frames(), sent);
  assert(conn.writes.every((chunk) => chunk.length <= 5000));
});

Deno.test("WriteQueue gathers frames queued while a write is in flight", async () => {
  const conn = new RecordingConn();
  const queue = new WriteQueue(conn, () => {});
  conn.hold();
  queue.enqueue(payload(8, 1));
  await Promise.resolve(); // the first write starts and waits
  for (let i = 2; i <= 6; i++) queue.enqueue(payload(8, i));
  conn.release();
  await queue.idle();
  strictEqual(conn.writes.length, 2);
  strictEqual(conn.writes[1].length, 5 * 12);
  assertEquals(conn.frames().map((frame) => frame[0]), [1, 2, 3, 4, 5, 6]);
});

Deno.test("WriteQueue.drained waits until the queue is below the level", async () => {
  const conn = new RecordingConn();
  const queue = new WriteQueue(conn, () => {});
  conn.hold();
  queue.enqueue(payload(1000, 1));
  let drained = false;
  const waiting = queue.drained(500).then(() => drained = true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  strictEqual(drained, false);
  conn.release();
  await waiting;
  strictEqual(queue.bufferedAmount, 0);
  strictEqual(await queue.drained(1).then(() => "at once"), "at once");
});

Deno.test("WriteQueue reports a failed write once and drops later frames", async () => {
  const conn = new RecordingConn();
  const errors: unknown[] = [];
  const queue = new WriteQueue(conn, (error) => errors.push(error));
  conn.failWith = new Error("broken pipe");
  queue.enqueue(payload(5, 1));
  queue.enqueue(payload(5, 2));
  await queue.idle();
  strictEqual(errors.length, 1);
  strictEqual(queue.closed, true);
  strictEqual(queue.bufferedAmount, 0);
  queue.enqueue(payload(5, 3));
  strictEqual(queue.bufferedAmount, 0);
  await queue.drained(1);
});

Deno.test("WriteQueue reuses a batch buffer only after its write finished", async () => {
  const conn = new RecordingConn();
  const queue = new WriteQueue(conn, () => {});
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 50; i++) queue.enqueue(payload(1000, (round * 50 + i) & 0xff));
    await queue.idle();
  }
  const frames = conn.frames();
  strictEqual(frames.length, 1000);
  frames.forEach((frame, i) => strictEqual(frame[999], i & 0xff));
});

Deno.test("WriteQueue holds buffers only while frames wait to be written", async () => {
  const conn = new RecordingConn();
  const queue = new WriteQueue(conn, () => {});
  strictEqual(queue.capacity, 0);
  conn.hold();
  queue.enqueue(payload(100, 1));
  assert(queue.capacity >= 104);
  await Promise.resolve(); // the write starts and waits
  queue.enqueue(payload(MAX_BATCH_SIZE * 2, 2)); // a frame of its own
  for (let i = 0; i < 100; i++) queue.enqueue(payload(1000, 3)); // batches that grow
  assert(queue.capacity >= MAX_BATCH_SIZE * 2 + 100 * 1004);
  conn.release();
  await queue.idle();
  strictEqual(queue.capacity, 0);
  strictEqual(queue.bufferedAmount, 0);
  strictEqual(conn.frames().length, 102);
});

Deno.test("WriteQueue batches grow with bursts and stay few", async () => {
  const conn = new RecordingConn();
  const queue = new WriteQueue(conn, () => {});
  // Bursts of 200 frames of 500 bytes: once the batches have grown, a burst
  // leaves in about 100 KB / 64 KiB writes.
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 200; i++) queue.enqueue(payload(500, i & 0xff));
    await queue.idle();
  }
  const writesOfLastBurst = conn.writes.length;
  for (let i = 0; i < 200; i++) queue.enqueue(payload(500, i & 0xff));
  await queue.idle();
  assert(conn.writes.length - writesOfLastBurst <= 3, `${conn.writes.length - writesOfLastBurst}`);
  strictEqual(conn.frames().length, 1200);
  strictEqual(queue.capacity, 0);
});

Deno.test("encodeFrame and the write queue produce the same bytes", async () => {
  const conn = new RecordingConn();
  const queue = new WriteQueue(conn, () => {});
  queue.enqueue(payload(3, 9));
  await queue.idle();
  assertEquals(conn.writes[0], encodeFrame(payload(3, 9)));
});

interface Call {
  readonly id: number;
}

Deno.test("CallTable finds calls by id in any order", () => {
  const table = new CallTable<Call>();
  const calls = Array.from({ length: 1000 }, (_, id) => ({ id }));
  for (const call of calls) table.add(call);
  strictEqual(table.size, 1000);
  for (let id = 999; id >= 0; id -= 2) strictEqual(table.take(id), calls[id]);
  for (let id = 0; id < 1000; id += 2) strictEqual(table.take(id), calls[id]);
  strictEqual(table.size, 0);
  strictEqual(table.take(5), undefined);
});

Deno.test("CallTable keeps a long-waiting call while ids wrap around its slot", () => {
  const table = new CallTable<Call>();
  const old = { id: 0 };
  table.add(old);
  // Many short calls: one of them lands on the old call's slot again and again.
  for (let id = 1; id < 100_000; id++) {
    const call = { id };
    table.add(call);
    strictEqual(table.take(id), call);
  }
  strictEqual(table.size, 1);
  strictEqual(table.take(0), old);
  strictEqual(table.size, 0);
});

Deno.test("CallTable ignores ids that are not its calls", () => {
  const table = new CallTable<Call>();
  table.add({ id: 3 });
  for (const id of [3.5, -3, "3", 3n, null, undefined, 259, NaN]) {
    strictEqual(table.take(id), undefined, String(id));
  }
  strictEqual(table.size, 1);
});

Deno.test("CallTable.remove removes only that very call", () => {
  const table = new CallTable<Call>();
  const call = { id: 7 };
  table.add(call);
  strictEqual(table.remove({ id: 7 }), false);
  strictEqual(table.remove(call), true);
  strictEqual(table.remove(call), false);
  strictEqual(table.size, 0);
});

Deno.test("CallTable.drain returns every call, oldest first, and empties the table", () => {
  const table = new CallTable<Call>();
  const kept = [{ id: 0 }, { id: 256 }, { id: 512 }, { id: 3 }];
  for (const call of kept) table.add(call);
  assertEquals(table.drain().map((call) => call.id), [0, 3, 256, 512]);
  strictEqual(table.size, 0);
  strictEqual(table.take(0), undefined);
});

class Entry implements Expiring {
  deadline: number;
  heapIndex = -1;
  constructor(readonly name: string, delay: number, readonly expired: string[]) {
    this.deadline = performance.now() + delay;
  }
  expire(): void {
    this.expired.push(this.name);
  }
}

Deno.test("Deadlines expires entries in deadline order on one timer", async () => {
  const expired: string[] = [];
  const deadlines = new Deadlines<Entry>();
  try {
    const late = new Entry("late", 40, expired);
    const early = new Entry("early", 5, expired);
    const middle = new Entry("middle", 20, expired);
    deadlines.add(late);
    deadlines.add(early); // earlier than the armed deadline: the timer moves
    deadlines.add(middle);
    strictEqual(deadlines.size, 3);
    while (expired.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    assertEquals(expired, ["early", "middle", "late"]);
    strictEqual(deadlines.size, 0);
    strictEqual(late.heapIndex, -1);
  } finally {
    deadlines.clear();
  }
});

Deno.test("Deadlines never expires a removed entry", async () => {
  const expired: string[] = [];
  const deadlines = new Deadlines<Entry>();
  try {
    const entries = Array.from({ length: 50 }, (_, i) => new Entry(`e${i}`, (i * 7) % 30, expired));
    for (const entry of entries) deadlines.add(entry);
    for (const entry of entries.filter((_, i) => i % 2 === 0)) deadlines.remove(entry);
    deadlines.remove(entries[0]); // twice: nothing happens
    strictEqual(deadlines.size, 25);
    while (expired.length < 25) await new Promise((resolve) => setTimeout(resolve, 5));
    assertEquals(
      expired.toSorted(),
      entries.filter((_, i) => i % 2 === 1).map((entry) => entry.name).toSorted(),
    );
  } finally {
    deadlines.clear();
  }
});

Deno.test("Deadlines.clear forgets every entry and stops the timer", () => {
  const deadlines = new Deadlines<Entry>();
  const entry = new Entry("x", 60_000, []);
  deadlines.add(entry);
  deadlines.clear();
  strictEqual(deadlines.size, 0);
  strictEqual(entry.heapIndex, -1);
  // The test's timer sanitizer fails if the 60 s timer were still armed.
});
