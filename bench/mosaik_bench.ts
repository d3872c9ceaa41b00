/**
 * mosaik protocol figures: step round trips per second between a stand-in
 * for mosaik (this process) and a simulator in a child process started as
 * mosaik starts one (`deno run … HOST:PORT`), for 1 and 1,000 entities:
 *
 * - `step`: one `step` request carrying an input for every entity, and its
 *   reply (the next time);
 * - `step + get_data`: that, then `get_data` of every entity's output, as
 *   mosaik does each step when the outputs are connected;
 * - `raw`: the same `step` frames answered by a child that only decodes
 *   them (framing and JSON, no simulator API): the floor.
 *
 * Requests go one at a time, as mosaik sends them.
 *
 * `deno task bench:mosaik [--seconds S] [--repeat N]`
 *
 * @module
 */

import { encodeFrame, FrameReader } from "../channel/frame.ts";

const args = Deno.args;
const option = (name: string, fallback: number) => {
  const index = args.indexOf(name);
  return index < 0 ? fallback : Number(args[index + 1]);
};
const SECONDS = option("--seconds", 2);
const REPEAT = option("--repeat", 3);
const SIM = new URL("./_mosaik_sim.ts", import.meta.url).pathname;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** mosaik's end of the connection: sequential requests. */
class Mosaik {
  readonly #conn: Deno.Conn;
  readonly #reader = new FrameReader();
  #id = 0;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  async call(
    method: string,
    callArgs: unknown[],
    kwargs: Record<string, unknown> = {},
  ): Promise<unknown> {
    const id = this.#id++;
    await this.#conn.write(
      encodeFrame(encoder.encode(JSON.stringify([0, id, [method, callArgs, kwargs]]))),
    );
    for (;;) {
      const frame = this.#reader.next();
      if (frame !== undefined) {
        const [type, replyId, content] = JSON.parse(decoder.decode(frame));
        if (replyId !== id) throw new Error(`reply ${replyId} for request ${id}`);
        if (type !== 1) throw new Error(`failure: ${JSON.stringify(content)}`);
        return content;
      }
      const count = await this.#conn.read(this.#reader.readable());
      if (count === null) throw new Error("the simulator closed the connection");
      this.#reader.commit(count);
    }
  }

  async stop(): Promise<void> {
    await this.#conn.write(
      encodeFrame(encoder.encode(JSON.stringify([0, this.#id++, ["stop", [], {}]]))),
    );
  }
}

async function withSimulator<T>(raw: boolean, run: (mosaik: Mosaik) => Promise<T>): Promise<T> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SIM, `127.0.0.1:${listener.addr.port}`, ...(raw ? ["--raw"] : [])],
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const conn = await listener.accept();
  conn.setNoDelay(true);
  const mosaik = new Mosaik(conn);
  try {
    const result = await run(mosaik);
    await mosaik.stop();
    return result;
  } finally {
    await child.status;
    conn.close();
  }
}

/** Round trips per second of `cycle` over `SECONDS`, after a short warm-up. */
async function rate(cycle: (time: number) => Promise<void>): Promise<number> {
  let time = 0;
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) await cycle(time++);
  const start = performance.now();
  const end = start + SECONDS * 1000;
  let count = 0;
  while (performance.now() < end) {
    await cycle(time++);
    count++;
  }
  return count / ((performance.now() - start) / 1000);
}

function inputsFor(entities: number, time: number): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (let i = 0; i < entities; i++) inputs[String(i)] = { val_in: { "Src-0.0": time + i } };
  return inputs;
}

async function measure(entities: number): Promise<{ step: number; stepData: number; raw: number }> {
  const outputs: Record<string, string[]> = {};
  for (let i = 0; i < entities; i++) outputs[String(i)] = ["val_out"];
  // Inputs are built outside the timed part, as mosaik has them ready.
  const inputs = Array.from({ length: 64 }, (_, t) => inputsFor(entities, t));
  let step = 0;
  let stepData = 0;
  let raw = 0;
  for (let round = 0; round < REPEAT; round++) {
    raw = Math.max(
      raw,
      await withSimulator(true, (mosaik) =>
        rate(async (time) => {
          await mosaik.call("step", [time, inputs[time % 64], time + 1]);
        })),
    );
    const [s, sd] = await withSimulator(false, async (mosaik) => {
      await mosaik.call("init", ["Sum-0"], { time_resolution: 1 });
      await mosaik.call("create", [entities, "Sum"]);
      await mosaik.call("setup_done", []);
      const s = await rate(async (time) => {
        await mosaik.call("step", [time, inputs[time % 64], time + 1]);
      });
      const sd = await rate(async (time) => {
        await mosaik.call("step", [time + 1_000_000, inputs[time % 64], time + 1_000_001]);
        await mosaik.call("get_data", [outputs]);
      });
      return [s, sd];
    });
    step = Math.max(step, s);
    stepData = Math.max(stepData, sd);
  }
  return { step, stepData, raw };
}

if (import.meta.main) {
  console.log(
    `mosaik protocol, Deno ${Deno.version.deno}, simulator in a child process, best of ${REPEAT} × ${SECONDS} s`,
  );
  for (const entities of [1, 1000]) {
    const { step, stepData, raw } = await measure(entities);
    const name = entities === 1 ? "1 entity" : `${entities.toLocaleString("en")} entities`;
    console.log(
      `${name}: step ${Math.round(step)} round trips/s (raw ${Math.round(raw)}/s, ${
        Math.round((100 * step) / raw)
      }%); step + get_data ${Math.round(stepData)} cycles/s`,
    );
  }
}
