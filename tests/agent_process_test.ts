import {
  deepStrictEqual as assertEquals,
  notStrictEqual,
  ok as assert,
  rejects as assertRejects,
  strictEqual,
} from "node:assert/strict";
import { type ChildContainer, Container, startSubprocess, startWorker } from "../agent/mod.ts";
import { RemoteException } from "../channel/errors.ts";
import { DenomasError } from "../errors.ts";
import { MsgPack } from "../codecs/msgpack.ts";
import { Greeter, type Ticker } from "./agent_child_agents.ts";

const AGENTS = new URL("./agent_child_agents.ts", import.meta.url);
const START = "2026-01-01T00:00:00Z";

const starters = [
  ["subprocess", startSubprocess],
  ["worker", startWorker],
] as const;

for (const [kind, start] of starters) {
  Deno.test(`a ${kind} container runs spawned agents on its external clock`, async () => {
    await using parent = await Container.create(["127.0.0.1", 0]);
    await using child: ChildContainer = await start(parent, { clock: { utcStart: START } });
    strictEqual(child.kind, kind);
    assert(child.url.startsWith("tcp://127.0.0.1:"));
    strictEqual(String(child.manager), `ManagerProxy('${child.url}/0')`);
    const ticker = await child.spawn<Ticker>(AGENTS, "Ticker", 60);
    strictEqual(String(ticker), `TickerProxy('${child.url}/1')`);
    for (let t = 30; t <= 300; t += 30) await child.setTime(t);
    await child.setTime(new Date("2026-01-01T00:06:00Z"));
    strictEqual(await child.time(), 360);
    // The child's ticker resumes after each setTime; give it a moment to record.
    let ticks: number[] = [];
    while (ticks.length < 6) ticks = await ticker.ticks();
    assertEquals(ticks, [60, 120, 180, 240, 300, 360]);
    const pid = await ticker.pid();
    if (kind === "subprocess") notStrictEqual(pid, Deno.pid);
    else strictEqual(pid, Deno.pid);
  });

  Deno.test(`a ${kind} agent calls a parent agent back through a passed proxy`, async () => {
    await using parent = await Container.create(["127.0.0.1", 0], { codec: MsgPack });
    await using child = await start(parent);
    const greeter = new Greeter(parent);
    const ticker = await child.spawn<Ticker>(AGENTS, "Ticker", 3600);
    strictEqual(
      await ticker.greet(greeter, "denomas"),
      `hello denomas from ${greeter.addr} (via 1)`,
    );
  });

  Deno.test(`a ${kind} manager reports bad spawns and clock misuse clearly`, async () => {
    await using parent = await Container.create(["127.0.0.1", 0]);
    await using child = await start(parent);
    await assertRejects(
      child.spawn(AGENTS, "NotAnAgent"),
      (error: unknown) =>
        error instanceof RemoteException &&
        error.remoteTraceback.endsWith(
          `TypeError: "NotAnAgent" of ${AGENTS.href} is not an Agent subclass\n`,
        ),
    );
    await assertRejects(
      child.spawn(AGENTS, "Missing"),
      /"Missing" of .* is not an Agent subclass/,
    );
    await assertRejects(child.setTime(10), /runs a RealtimeClock, not an ExternalClock/);
  });

  Deno.test(`a ${kind} child that cannot start is a DenomasError saying why`, async () => {
    await using parent = await Container.create(["127.0.0.1", 0]);
    using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    await assertRejects(start(parent, { addr: ["127.0.0.1", taken.addr.port] }), (error) => {
      assert(error instanceof DenomasError, String(error));
      assert(error.message.startsWith("Cannot start a child container "), error.message);
      assert(/AddrInUse|in use/i.test(error.message), error.message);
      return true;
    });
  });

  Deno.test(`stopping a ${kind} container ends it, and stopping twice is harmless`, async () => {
    await using parent = await Container.create(["127.0.0.1", 0]);
    const child = await start(parent, { clock: { utcStart: START, initTime: 5 } });
    strictEqual(await child.time(), 5);
    await child.stop();
    await child.stop();
    await assertRejects(parent.connect(`${child.url}/0`), /Cannot connect to/);
  });

  Deno.test(`shutting the parent container down stops its ${kind} children`, async () => {
    const parent = await Container.create(["127.0.0.1", 0]);
    const child = await start(parent);
    const url = child.url;
    await parent.shutdown();
    await using probe = await Container.create(["127.0.0.1", 0]);
    await assertRejects(probe.connect(`${url}/0`), /Cannot connect to/);
    await child.stop();
  });
}

Deno.test("a subprocess child resolves module paths relative to the current directory", async () => {
  await using parent = await Container.create(["127.0.0.1", 0]);
  await using child = await startSubprocess(parent, { addr: "tcp://127.0.0.1:0" });
  const relative = "./" + new URL(AGENTS).pathname.slice(Deno.cwd().length + 1);
  const ticker = await child.spawn<Ticker>(relative, "Ticker", 1);
  assertEquals(await ticker.ticks(), []);
});

Deno.test("a child container refuses a local:// address, which cannot cross isolates", async () => {
  await using parent = await Container.create(["127.0.0.1", 0]);
  await assertRejects(startWorker(parent, { addr: "local://child" }), /needs a tcp or ipc address/);
  await assertRejects(
    startSubprocess(parent, { addr: "local://child" }),
    /needs a tcp or ipc address/,
  );
});

Deno.test("a subprocess child can listen on a Unix socket", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using parent = await Container.create(["127.0.0.1", 0]);
    await using child = await startSubprocess(parent, { addr: `ipc://[${dir}/child.sock]` });
    strictEqual(child.url, `ipc://[${dir}/child.sock]`);
    const ticker = await child.spawn<Ticker>(AGENTS, "Ticker", 10);
    assertEquals(await ticker.ticks(), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a child container speaks the parent's codec, MsgPackBlosc included", async () => {
  const { MsgPackBlosc } = await import("../codecs/blosc/mod.ts");
  await using parent = await Container.create(["127.0.0.1", 0], { codec: MsgPackBlosc });
  await using child = await startWorker(parent);
  const ticker = await child.spawn<Ticker>(AGENTS, "Ticker", 5);
  const greeter = new Greeter(parent);
  strictEqual(await ticker.greet(greeter, "blosc"), `hello blosc from ${greeter.addr} (via 1)`);
});
