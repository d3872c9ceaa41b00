/**
 * NATS figures, against real `nats-server` processes on loopback:
 * - calls per second between two containers through one nats-server, one
 *   call at a time and 100 in flight, next to the NATS client's own raw
 *   request/reply on the same server (a responder that echoes the bytes)
 *   and next to the same containers over direct TCP;
 * - 10,000 agents in 3 containers attached to the 3 nodes of a cluster,
 *   each calling an agent in another container: all complete; time and
 *   memory.
 *
 * `deno task bench:nats [--rounds N] [--calls N]` prints the figures as
 * Markdown. Rounds interleave the modes, so a busy machine slows them alike.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { connect } from "@nats-io/transport-node";
import { Agent, type AgentProxy, Container } from "../agent/mod.ts";
import { natsNetwork } from "../nats/mod.ts";
import { expose } from "../rpc/mod.ts";
import { NatsCluster, NatsServer } from "../tests/_nats_servers.ts";
import { median } from "./_common.ts";

/** The agent that is called. */
class Adder extends Agent {
  /** Adds. */
  @expose
  add(a: number, b: number): number {
    return a + b;
  }
}

/** An agent that calls its partner in another container once. */
class Pair extends Agent {
  /** Adds. */
  @expose
  add(a: number, b: number): number {
    return a + b;
  }
}

const IN_FLIGHT = 100;

const { values } = parseArgs({
  args: import.meta.main ? Deno.args : [],
  options: {
    rounds: { type: "string", default: "3" },
    calls: { type: "string", default: "5000" },
    agents: { type: "string", default: "10000" },
  },
});
const ROUNDS = Number(values.rounds);
const CALLS = Number(values.calls);
const AGENTS = Number(values.agents);

/** Calls per second of `call`, `count` times one at a time. */
async function sequential(count: number, call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await call();
  const start = performance.now();
  for (let i = 0; i < count; i++) await call();
  return count / ((performance.now() - start) / 1000);
}

/** Calls per second of `call`, `count` times with `IN_FLIGHT` outstanding. */
async function pipelined(count: number, call: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next++ < count) await call();
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, () => call()));
  const start = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return count / ((performance.now() - start) / 1000);
}

interface Mode {
  readonly name: string;
  readonly call: () => Promise<unknown>;
  close(): Promise<void>;
}

/** The NATS client alone: a responder echoing the bytes of a denomas request. */
async function rawNats(server: NatsServer): Promise<Mode> {
  const responder = await connect({ servers: server.url });
  const requester = await connect({ servers: server.url });
  responder.subscribe("raw.add", {
    callback: (_error, msg) => {
      msg.respond(msg.data);
    },
  });
  await responder.flush();
  const payload = new TextEncoder().encode('["agents/0/add",[1,2],{}]');
  return {
    name: "raw NATS request/reply (the client library alone)",
    call: () => requester.request("raw.add", payload, { timeout: 10_000 }),
    close: async () => {
      await requester.close();
      await responder.close();
    },
  };
}

async function containers(name: string, a: Container, b: Container): Promise<Mode> {
  const adder = new Adder(b);
  const proxy: AgentProxy<Adder> = await a.connect<Adder>(adder.addr, { timeout: 5000 });
  return {
    name,
    call: () => proxy.add(1, 2),
    close: async () => {
      await a.shutdown();
      await b.shutdown();
    },
  };
}

async function natsContainers(server: NatsServer): Promise<Mode> {
  const network = natsNetwork({ servers: server.url });
  return await containers(
    "denomas containers over NATS (JSON)",
    await Container.create("nats://bench.a", { network }),
    await Container.create("nats://bench.b", { network }),
  );
}

async function tcpContainers(): Promise<Mode> {
  return await containers(
    "denomas containers over direct TCP (JSON)",
    await Container.create(["127.0.0.1", 0]),
    await Container.create(["127.0.0.1", 0]),
  );
}

async function callRates(): Promise<void> {
  await using server = await NatsServer.start();
  const modes = [await rawNats(server), await natsContainers(server), await tcpContainers()];
  const rates = modes.map(() => ({ seq: [] as number[], pipe: [] as number[] }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, mode] of modes.entries()) {
      rates[i].seq.push(await sequential(CALLS, mode.call));
      rates[i].pipe.push(await pipelined(CALLS * 4, mode.call));
    }
  }
  for (const mode of modes) await mode.close();
  const raw = { seq: median(rates[0].seq), pipe: median(rates[0].pipe) };
  console.log(`| mode | calls/s, one at a time | calls/s, ${IN_FLIGHT} in flight |`);
  console.log("| --- | ---: | ---: |");
  for (const [i, mode] of modes.entries()) {
    const seq = median(rates[i].seq);
    const pipe = median(rates[i].pipe);
    const ratio = i === 0 ? "" : ` (${(seq / raw.seq).toFixed(2)} of raw)`;
    const ratioPipe = i === 0 ? "" : ` (${(pipe / raw.pipe).toFixed(2)} of raw)`;
    console.log(
      `| ${mode.name} | ${Math.round(seq).toLocaleString("en")}${ratio} | ${
        Math.round(pipe).toLocaleString("en")
      }${ratioPipe} |`,
    );
  }
  console.log(
    `\n(${ROUNDS} rounds interleaved, medians; ${CALLS} sequential and ${
      CALLS * 4
    } pipelined calls per round)`,
  );
}

function memory(): { rss: number; heap: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const usage = Deno.memoryUsage();
  return { rss: usage.rss, heap: usage.heapUsed };
}

async function agentsOnACluster(): Promise<void> {
  await using cluster = await NatsCluster.start(3);
  const before = memory();
  const urls = cluster.urls;
  const containersOnNodes = await Promise.all(
    [0, 1, 2].map((i) =>
      Container.create(`nats://swarm.c${i}`, {
        network: natsNetwork({
          servers: [urls[i], ...urls.filter((_, j) => j !== i)],
          connection: { noRandomize: true },
        }),
      })
    ),
  );
  const start = performance.now();
  const agents: Pair[] = [];
  for (let i = 0; i < AGENTS; i++) agents.push(new Pair(containersOnNodes[i % 3]));
  const created = performance.now() - start;
  // Agent i calls the agent with its id in the next container (another node).
  let next = 0;
  let completed = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < agents.length) {
      const index = next++;
      const agent = agents[index];
      const c = index % 3;
      const other = (c + 1) % 3;
      const partner = `nats://swarm.c${other}/${
        Number(agent.aid) % containersOnNodes[other].agents.size
      }`;
      const proxy = await agent.container.connect<Pair>(partner, { timeout: 10_000 });
      if (await proxy.add(1, 2) === 3) completed++;
    }
  }));
  const total = performance.now() - start;
  const after = memory();
  for (const container of containersOnNodes) await container.shutdown();
  console.log(`\n| ${AGENTS.toLocaleString("en")} agents, 3 containers on 3 nodes | figure |`);
  console.log("| --- | ---: |");
  console.log(
    `| calls completed | ${completed.toLocaleString("en")} of ${AGENTS.toLocaleString("en")} |`,
  );
  console.log(`| create the agents | ${created.toFixed(0)} ms |`);
  console.log(
    `| create, connect (validate_aid) and call each once, ${IN_FLIGHT} at a time | ${
      (total / 1000).toFixed(2)
    } s |`,
  );
  console.log(
    `| heap after, more than before | ${((after.heap - before.heap) / 2 ** 20).toFixed(1)} MiB |`,
  );
  console.log(
    `| RSS after, more than before | ${((after.rss - before.rss) / 2 ** 20).toFixed(1)} MiB |`,
  );
  if (completed !== AGENTS) throw new Error(`only ${completed} of ${AGENTS} calls completed`);
}

// Only as a program: `deno task bench` loads every file here and needs no nats-server.
if (import.meta.main) {
  await callRates();
  await agentsOnACluster();
}
