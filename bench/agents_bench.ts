/**
 * Agent-layer figures:
 * - the time to create 10,000 agents in one container and call each once
 *   (connect with `validate_aid`, then one call, from an agent of the same
 *   container, over TCP loopback);
 * - agent-to-agent calls per second across two processes (a parent
 *   container and a child container from `startSubprocess`), one call at a
 *   time and 100 in flight.
 *
 * `deno run -A bench/agents_bench.ts [--calls N] [--codec json|msgpack]`
 * prints the figures; under `deno bench` the same cases run as benchmarks.
 *
 * @module
 */

import { Agent, type AgentProxy, Container, startSubprocess } from "../agent/mod.ts";
import type { CodecClass } from "../codecs/codec.ts";
import { Json } from "../codecs/json.ts";
import { MsgPack } from "../codecs/msgpack.ts";
import { expose } from "../rpc/mod.ts";

/** The agent that is called. */
export class EchoAgent extends Agent {
  /** Returns its argument. */
  @expose
  echo(x: unknown): unknown {
    return x;
  }
}

const AGENTS = 10_000;
const IN_FLIGHT = 100;

/** Creates `count` agents in one container and calls each once; returns milliseconds. */
async function createAndCallEach(count: number, codec: CodecClass): Promise<
  { createMs: number; totalMs: number }
> {
  await using container = await Container.create(["127.0.0.1", 0], { codec });
  const caller = new EchoAgent(container);
  const start = performance.now();
  const agents: EchoAgent[] = [];
  for (let i = 0; i < count; i++) agents.push(new EchoAgent(container));
  const createMs = performance.now() - start;
  // Up to IN_FLIGHT connects and calls at once.
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < agents.length) {
      const agent = agents[next++];
      const proxy = await caller.container.connect<EchoAgent>(agent.addr);
      await proxy.echo(agent.aid);
    }
  }));
  return { createMs, totalMs: performance.now() - start };
}

/** A parent container, a child process container and a proxy of an agent in it. */
async function twoProcesses(codec: CodecClass): Promise<
  { proxy: AgentProxy<EchoAgent>; close(): Promise<void> }
> {
  const parent = await Container.create(["127.0.0.1", 0], { codec });
  try {
    const child = await startSubprocess(parent);
    const proxy = await child.spawn<EchoAgent>(import.meta.url, "EchoAgent");
    return {
      proxy,
      close: async () => {
        await child.stop();
        await parent.shutdown();
      },
    };
  } catch (error) {
    await parent.shutdown();
    throw error;
  }
}

async function sequential(proxy: AgentProxy<EchoAgent>, calls: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < calls; i++) await proxy.echo(i);
  return performance.now() - start;
}

async function concurrent(proxy: AgentProxy<EchoAgent>, calls: number): Promise<number> {
  const start = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < calls) {
      next++;
      await proxy.echo(next);
    }
  }));
  return performance.now() - start;
}

Deno.bench({
  name: `create ${AGENTS} agents and call each once (one container)`,
  n: 3,
  warmup: 1,
  async fn(b) {
    b.start();
    await createAndCallEach(AGENTS, Json);
    b.end();
  },
});

for (
  const [name, run] of [["sequential", sequential], [`${IN_FLIGHT} in flight`, concurrent]] as const
) {
  Deno.bench({
    name: `2,000 agent-to-agent calls across two processes, ${name}`,
    n: 3,
    warmup: 1,
    async fn(b) {
      const { proxy, close } = await twoProcesses(Json);
      try {
        await sequential(proxy, 200);
        b.start();
        await run(proxy, 2_000);
        b.end();
      } finally {
        await close();
      }
    },
  });
}

if (import.meta.main) {
  const args = Deno.args;
  const calls = Number(args[args.indexOf("--calls") + 1] ?? 20_000) || 20_000;
  const codecName = args.includes("--codec") ? args[args.indexOf("--codec") + 1] : "json";
  const codec = codecName === "msgpack" ? MsgPack : Json;
  console.log(`agent layer, ${codecName} codec, Deno ${Deno.version.deno}`);
  const { createMs, totalMs } = await createAndCallEach(AGENTS, codec);
  console.log(
    `  ${AGENTS} agents in one container: created in ${createMs.toFixed(0)} ms; ` +
      `created, connected and called once each in ${totalMs.toFixed(0)} ms`,
  );
  const { proxy, close } = await twoProcesses(codec);
  try {
    await sequential(proxy, 1_000); // warm-up
    const seqMs = await sequential(proxy, calls);
    console.log(
      `  across two processes, sequential: ${(calls / seqMs * 1000).toFixed(0)} calls/s ` +
        `(${calls} calls in ${seqMs.toFixed(0)} ms)`,
    );
    await concurrent(proxy, 1_000); // warm-up
    const conMs = await concurrent(proxy, calls);
    console.log(
      `  across two processes, ${IN_FLIGHT} in flight: ${
        (calls / conMs * 1000).toFixed(0)
      } calls/s ` +
        `(${calls} calls in ${conMs.toFixed(0)} ms)`,
    );
  } finally {
    await close();
  }
}
