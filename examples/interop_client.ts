/**
 * Runs the interop contract (see `_interop_contract.ts`) against a peer:
 * `interop_server.ts`, or a Python aiomas program that serves the same
 * names.
 *
 * ```sh
 * deno run -A examples/interop_client.ts 127.0.0.1:5555 --codec msgpack
 * deno run -A examples/interop_client.ts tcp://127.0.0.1:5555/0 --codec json
 * deno run -A examples/interop_client.ts tcp://127.0.0.1:5555 --codec json
 * deno run -A examples/interop_client.ts nats://interop --nats 127.0.0.1:4222
 * ```
 *
 * ADDRESS is a `host:port` RPC server, an agent URL (`tcp://host:port/id`),
 * or a container URL without an id, which stands for its agents `0` and
 * `1`; several addresses may be given. For agents, the client starts its
 * own container on `127.0.0.1` (a free port) with a `CallerAgent` the peer
 * calls back. Prints one `PASS`/`FAIL` line per check, then
 * `N passed, N failed`; the exit status is 1 when a check failed.
 *
 * Options: `--codec json|msgpack|msgpackblosc` (default `json`, must match
 * the server), `--timeout MS` per check (default 20000), `--nats URL[,URL]`
 * for `nats://NAME[/id]` agent URLs (the client's container then joins those
 * NATS servers).
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { parseArgs } from "node:util";
import { AgentNotFoundError, AgentUrlError, Container, parseAgentUrl } from "../agent/mod.ts";
import { RemoteException } from "../channel/mod.ts";
import type { CodecClass } from "../codecs/mod.ts";
import { callRemote, openConnection } from "../rpc/mod.ts";
import { CallerAgent, CallerService, codecByName } from "./_interop_contract.ts";
import { abortable, deadline } from "../internal/async.ts";

/** What a check needs to know about the peer it runs against. */
interface Peer {
  /** Calls the peer's method at `path` (`"sub/deep/neg"`). */
  call(path: string, args: unknown[], kwargs?: Record<string, unknown>): Promise<unknown>;
  /** The caller's service to pass to `callback` (it offers `ping`). */
  readonly service: object;
  /** The caller's sub-service to pass to `callback_sub` (it offers `twice`). */
  readonly subService: object;
  /** Whether the peer is an agent (dates and `now()` are part of the contract then). */
  readonly agent: boolean;
  /** The codec's wire name. */
  readonly codec: string;
  /** Connects to another agent of the same container (agent mode only). */
  connectSibling?(aid: string): Promise<unknown>;
}

interface Check {
  readonly name: string;
  readonly run: (peer: Peer) => Promise<void>;
  readonly when?: (peer: Peer) => boolean;
}

/** The long sleeps of the concurrency check, in seconds. */
const SLOW = 0.8;

const ONE_MB_STRING = "0123456789abcdéf".repeat(65536).slice(0, 1 << 20);

/** Expects `promise` to reject with an EXCEPTION reply whose text contains every one of `parts`. */
async function expectRemoteError(promise: Promise<unknown>, ...parts: string[]): Promise<void> {
  let error: unknown;
  try {
    const value = await promise;
    throw new Error(`expected an EXCEPTION reply, got ${Deno.inspect(value)}`);
  } catch (caught) {
    error = caught;
  }
  if (!(error instanceof RemoteException)) throw error;
  for (const part of parts) {
    ok(
      error.remoteTraceback.includes(part),
      `reply text lacks ${JSON.stringify(part)}:\n${error.remoteTraceback}`,
    );
  }
}

const CHECKS: Check[] = [
  {
    name: "add(2, 3) is 5",
    run: async (peer) => strictEqual(await peer.call("add", [2, 3]), 5),
  },
  {
    name: "add(a=2, b=3) with keyword arguments is 5",
    run: async (peer) => strictEqual(await peer.call("add", [], { a: 2, b: 3 }), 5),
  },
  {
    name: "echo(x) returns nested maps, lists, strings, floats, booleans and null unchanged",
    run: async (peer) => {
      const value = {
        text: 'ünïcödé 😀 \u0000 "quoted"',
        int: -7,
        float: 1.5,
        tiny: 1e-300,
        yes: true,
        no: false,
        nothing: null,
        list: [1, [2, [3, []]], {}],
        map: { nested: { key: "value" } },
      };
      deepStrictEqual(await peer.call("echo", [value]), value);
    },
  },
  {
    name: "echo(2**53 + 1) and echo(-2**63) come back as exact big integers",
    run: async (peer) => {
      strictEqual(await peer.call("echo", [2n ** 53n + 1n]), 2n ** 53n + 1n);
      strictEqual(await peer.call("echo", [-(2n ** 63n)]), -(2n ** 63n));
      strictEqual(await peer.call("echo", [2 ** 53]), 2 ** 53);
    },
  },
  {
    name: "add(2**53, 1) computes with big integers",
    run: async (peer) => strictEqual(await peer.call("add", [2n ** 53n, 1n]), 2n ** 53n + 1n),
  },
  {
    name: "add() follows Python's +: 'ab' + 'cd' is 'abcd', [1] + [2, 3] is [1, 2, 3]",
    run: async (peer) => {
      strictEqual(await peer.call("add", ["ab", "cd"]), "abcd");
      deepStrictEqual(await peer.call("add", [[1], [2, 3]]), [1, 2, 3]);
      strictEqual(await peer.call("add", [2 ** 52, 2 ** 52]), 2n ** 53n);
      strictEqual(await peer.call("add", [1, 0.5]), 1.5);
    },
  },
  {
    name: "add(1, 'a') gives an EXCEPTION reply naming TypeError, as Python's + does",
    run: (peer) => expectRemoteError(peer.call("add", [1, "a"]), "TypeError", "'int' and 'str'"),
  },
  {
    name: "fail() gives an EXCEPTION reply naming ValueError and 'fail() was called'",
    run: (peer) => expectRemoteError(peer.call("fail", []), "ValueError", "fail() was called"),
  },
  {
    name: "sleep(t, v) replies are not serialised: a short sleep and add() overtake long sleeps",
    run: async (peer) => {
      const order: string[] = [];
      const start = performance.now();
      const track = (label: string, promise: Promise<unknown>) =>
        promise.then((value) => {
          order.push(label);
          return value;
        });
      const results = await Promise.all([
        track("slow1", peer.call("sleep", [SLOW, "slow1"])),
        track("slow2", peer.call("sleep", [SLOW, "slow2"])),
        track("slow3", peer.call("sleep", [SLOW, "slow3"])),
        track("fast", peer.call("sleep", [0.05, "fast"])),
        track("add", peer.call("add", [1, 1])),
      ]);
      const elapsed = (performance.now() - start) / 1000;
      deepStrictEqual(results, ["slow1", "slow2", "slow3", "fast", 2]);
      deepStrictEqual(order.slice(0, 2).sort(), ["add", "fast"]);
      // One after another, they would take at least 3 * SLOW seconds.
      ok(
        elapsed < 3 * SLOW,
        `took ${elapsed.toFixed(2)} s, as if the sleeps ran one after another`,
      );
    },
  },
  {
    name: "sleep(11, v) is refused (at most 10 seconds)",
    run: (peer) => expectRemoteError(peer.call("sleep", [11, "late"]), "ValueError"),
  },
  {
    name: "sub/mul(6, 7) is 42",
    run: async (peer) => strictEqual(await peer.call("sub/mul", [6, 7]), 42),
  },
  {
    name: "sub/deep/neg(5) is -5",
    run: async (peer) => strictEqual(await peer.call("sub/deep/neg", [5]), -5),
  },
  {
    name: "callback(svc, 21) calls our ping(21) and returns {pong: 21}",
    run: async (peer) =>
      deepStrictEqual(await peer.call("callback", [peer.service, 21]), { pong: 21 }),
  },
  {
    name: "callback_sub(svc.inner, 21) calls our inner/twice(21) and returns 42",
    run: async (peer) => strictEqual(await peer.call("callback_sub", [peer.subService, 21]), 42),
  },
  {
    name: "an unknown name gives an EXCEPTION reply",
    run: (peer) => expectRemoteError(peer.call("nope", []), "nope"),
  },
  {
    name: "an unknown name in a sub-service gives an EXCEPTION reply",
    run: (peer) => expectRemoteError(peer.call("sub/nope", [1]), "nope"),
  },
  {
    name: "calling a sub-service itself gives an EXCEPTION reply",
    run: (peer) => expectRemoteError(peer.call("sub", [])),
  },
  {
    name: "add(1) with too few arguments gives an EXCEPTION reply",
    run: (peer) => expectRemoteError(peer.call("add", [1])),
  },
  {
    name: "add(1, 2, 3) with too many arguments gives an EXCEPTION reply",
    run: (peer) => expectRemoteError(peer.call("add", [1, 2, 3])),
  },
  {
    name: "add(a=1, c=2) with an unknown keyword gives an EXCEPTION reply",
    run: (peer) => expectRemoteError(peer.call("add", [], { a: 1, c: 2 })),
  },
  {
    name: "the connection stays usable after EXCEPTION replies",
    run: async (peer) => {
      const [a, b] = await Promise.all([
        peer.call("add", [1, 2]),
        expectRemoteError(peer.call("fail", []), "ValueError"),
      ]);
      strictEqual(a, 3);
      strictEqual(b, undefined);
      strictEqual(await peer.call("sub/mul", [3, 3]), 9);
    },
  },
  {
    name: "echo of a list of 100000 numbers",
    run: async (peer) => {
      const list = Array.from({ length: 100_000 }, (_, i) => (i % 3 === 0 ? i + 0.5 : i));
      deepStrictEqual(await peer.call("echo", [list]), list);
    },
  },
  {
    name: "echo of a 1 MB string",
    run: async (peer) => strictEqual(await peer.call("echo", [ONE_MB_STRING]), ONE_MB_STRING),
  },
  {
    name: "echo of bytes comes back as a Uint8Array (MsgPack)",
    when: (peer) => peer.codec !== "json",
    run: async (peer) => {
      const small = Uint8Array.from({ length: 256 }, (_, i) => i);
      const large = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31) & 0xff);
      const back = await peer.call("echo", [[small, large]]) as Uint8Array[];
      ok(back[0] instanceof Uint8Array && back[1] instanceof Uint8Array, "not Uint8Arrays");
      deepStrictEqual([...back[0]], [...small]);
      ok(
        back[1].length === large.length && back[1].every((b, i) => b === large[i]),
        "large bytes differ",
      );
    },
  },
  {
    name: "echo of a map with int keys comes back as a Map with int keys (MsgPack)",
    when: (peer) => peer.codec !== "json",
    run: async (peer) => {
      const map = new Map<unknown, unknown>([[1, "one"], [-2, "minus two"], [2n ** 60n, "big"]]);
      deepStrictEqual(await peer.call("echo", [map]), map);
    },
  },
  {
    name: "now() returns the container clock's date",
    when: (peer) => peer.agent,
    run: async (peer) => {
      const now = await peer.call("now", []);
      ok(now instanceof Temporal.ZonedDateTime, `expected a date, got ${Deno.inspect(now)}`);
      const skew = Math.abs(Temporal.Now.instant().since(now.toInstant()).total("seconds"));
      ok(skew < 60, `the peer's clock is ${skew} s off`);
    },
  },
  {
    name: "echo of dates keeps microseconds and the offset",
    when: (peer) => peer.agent,
    run: async (peer) => {
      const utc = Temporal.ZonedDateTime.from("2026-11-24T15:46:09.954819+00:00[UTC]");
      const plus = Temporal.ZonedDateTime.from("2026-11-24T16:46:09+01:00[+01:00]");
      const back = await peer.call("echo", [[utc, plus, new Date(Date.UTC(2026, 0, 2, 3, 4, 5))]]);
      ok(
        Array.isArray(back) && back.every((d) => d instanceof Temporal.ZonedDateTime),
        "not dates",
      );
      const [a, b, c] = back as Temporal.ZonedDateTime[];
      ok(a.equals(utc), `${a} != ${utc}`);
      ok(b.equals(plus), `${b} != ${plus}`);
      strictEqual(c.toInstant().toString(), "2026-01-02T03:04:05Z");
    },
  },
  {
    name: "connecting to a missing agent fails with AgentNotFoundError",
    when: (peer) => peer.connectSibling !== undefined,
    run: async (peer) => {
      try {
        await peer.connectSibling!("99");
      } catch (error) {
        ok(error instanceof AgentNotFoundError, `got ${error}`);
        return;
      }
      throw new Error("connected to agent 99");
    },
  },
];

/** Walks `root` (a proxy) along `path` and calls the method there. */
function caller(root: unknown, timeout: number): Peer["call"] {
  return (path, args, kwargs) => {
    // deno-lint-ignore no-explicit-any
    const method = path.split("/").reduce((node: any, name) => node[name], root);
    return callRemote(method, args, kwargs, { timeout });
  };
}

async function runChecks(peer: Peer, label: string, timeout: number): Promise<[number, number]> {
  let passed = 0;
  let failed = 0;
  for (const check of CHECKS) {
    if (check.when !== undefined && !check.when(peer)) continue;
    const name = label === "" ? check.name : `${label} ${check.name}`;
    try {
      await abortable(check.run(peer), deadline(name, timeout));
      console.log(`PASS ${name}`);
      passed++;
    } catch (error) {
      const text = error instanceof RemoteException
        ? `EXCEPTION reply: ${error.remoteTraceback.trimEnd().split("\n").at(-1)}`
        : error instanceof Error
        ? error.message
        : String(error);
      console.log(`FAIL ${name}: ${text.replaceAll("\n", " | ").slice(0, 500)}`);
      failed++;
    }
  }
  return [passed, failed];
}

/** Expands a container URL without an agent id to its agents 0 and 1. */
function expand(address: string): string[] {
  if (/^nats:\/\//i.test(address)) {
    const base = address.replace(/\/$/, "");
    return /^nats:\/\/[^/]+$/i.test(base) ? [`${base}/0`, `${base}/1`] : [address];
  }
  if (!/^(tcp|ipc|local):\/\//i.test(address)) return [address];
  try {
    parseAgentUrl(address);
    return [address];
  } catch (error) {
    if (error instanceof AgentUrlError && error.message.endsWith("missing agent id")) {
      const base = address.replace(/\/$/, "");
      return [`${base}/0`, `${base}/1`];
    }
    throw error;
  }
}

async function runRpc(address: string, codec: CodecClass, name: string, timeout: number) {
  const service = new CallerService();
  const client = await openConnection(address, { codec, service, timeout });
  try {
    const peer: Peer = {
      call: caller(client.remote, timeout),
      service,
      subService: service.inner,
      agent: false,
      codec: name,
    };
    return await runChecks(peer, "", timeout);
  } finally {
    await client.close();
  }
}

async function runAgents(
  urls: string[],
  codec: CodecClass,
  name: string,
  timeout: number,
  nats?: string[],
) {
  await using container = nats === undefined
    ? await Container.create(["127.0.0.1", 0], { codec })
    : await natsContainer(nats, codec);
  const me = new CallerAgent(container);
  let passed = 0;
  let failed = 0;
  for (const url of urls) {
    const proxy = await container.connect(url, { timeout });
    const base = url.slice(0, url.lastIndexOf("/"));
    const peer: Peer = {
      call: caller(proxy, timeout),
      service: me,
      subService: me.inner,
      agent: true,
      codec: name,
      connectSibling: (aid) => container.connect(`${base}/${aid}`, { timeout }),
    };
    const [p, f] = await runChecks(peer, urls.length > 1 ? `[${url}]` : "", timeout);
    passed += p;
    failed += f;
  }
  return [passed, failed];
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      codec: { type: "string", default: "json" },
      timeout: { type: "string", default: "20000" },
      nats: { type: "string" },
    },
  });
  if (positionals.length === 0) {
    console.error("usage: interop_client.ts ADDRESS... [--codec json|msgpack|msgpackblosc]");
    Deno.exit(2);
  }
  const codec = codecByName(values.codec);
  const timeout = Number(values.timeout);
  const addresses = positionals.flatMap(expand);
  const urls = addresses.filter((a) => /^(tcp|ipc|local|nats):\/\//i.test(a));
  const plain = addresses.filter((a) => !urls.includes(a));
  let passed = 0;
  let failed = 0;
  const run = async (label: string, fn: () => Promise<number[]>) => {
    try {
      const [p, f] = await fn();
      passed += p;
      failed += f;
    } catch (error) {
      console.log(`FAIL ${label}: ${error instanceof Error ? error.message : error}`);
      failed++;
    }
  };
  for (const address of plain) {
    await run(`connect to ${address}`, () => runRpc(address, codec, values.codec!, timeout));
  }
  if (urls.length > 0) {
    await run(
      `agents at ${urls.join(", ")}`,
      () => runAgents(urls, codec, values.codec!, timeout, values.nats?.split(",")),
    );
  }
  console.log(`${passed} passed, ${failed} failed`);
  Deno.exit(failed > 0 ? 1 : 0);
}

/** The client's container on NATS, under a name of its own. */
async function natsContainer(servers: string[], codec: CodecClass): Promise<Container> {
  const { natsNetwork } = await import("../nats/mod.ts");
  const name = `interop-client-${crypto.randomUUID().slice(0, 8)}`;
  return await Container.create(`nats://${name}`, { codec, network: natsNetwork({ servers }) });
}
