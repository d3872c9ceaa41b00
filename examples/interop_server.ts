/**
 * Serves the interop contract (see `_interop_contract.ts`), for
 * `interop_client.ts` or a Python aiomas client to run against.
 *
 * ```sh
 * deno run -A examples/interop_server.ts --port 5555 --codec msgpack
 * deno run -A examples/interop_server.ts --port 5555 --agents --seconds 60
 * ```
 *
 * Options: `--host H` (default `127.0.0.1`), `--port P` (default `0`, a free
 * port), `--codec json|msgpack|msgpackblosc` (default `json`), `--agents`
 * (a container whose agents `0` and `1` both serve the contract, instead of
 * a plain RPC server), `--seconds S` (stop by itself after `S` seconds),
 * `--grace MS` (the grace period of the shutdown, default 500 ms), `--nats URL[,URL]` with
 * `--agents` (the container joins those NATS servers under `--name NAME`, default `interop`,
 * instead of listening on TCP).
 *
 * Prints `READY <address>` once it listens: `host:port` for the RPC server,
 * the container URL `tcp://host:port` (or `nats://NAME`) for agents (agent
 * URLs add `/0` and `/1`). Exits with status 0 on SIGINT, SIGTERM or when
 * the time is up: it stops accepting, lets pending calls finish within the
 * grace period, and answers the rest (e.g. a `sleep(10, x)`) with a
 * `ShutdownError`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Container } from "../agent/mod.ts";
import { startServer } from "../rpc/mod.ts";
import { codecByName, InteropAgent, InteropService } from "./_interop_contract.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    codec: { type: "string", default: "json" },
    agents: { type: "boolean", default: false },
    seconds: { type: "string" },
    grace: { type: "string", default: "500" },
    nats: { type: "string" },
    name: { type: "string", default: "interop" },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be an integer in 0..65535, got ${values.port}`);
  Deno.exit(2);
}
const grace = Number(values.grace);
if (!(grace >= 0)) {
  console.error(`--grace must be a non-negative number of milliseconds, got ${values.grace}`);
  Deno.exit(2);
}
const codec = codecByName(values.codec);

let address: string;
let close: () => Promise<void>;
if (values.nats !== undefined) {
  if (!values.agents) {
    console.error("--nats serves agents: add --agents");
    Deno.exit(2);
  }
  const { natsNetwork } = await import("../nats/mod.ts");
  const network = natsNetwork({ servers: values.nats.split(",") });
  const container = await Container.create(`nats://${values.name}`, { codec, network });
  new InteropAgent(container);
  new InteropAgent(container);
  address = container.url;
  close = () => container.shutdown({ timeout: grace });
} else if (values.agents) {
  const container = await Container.create([values.host, port], { codec });
  new InteropAgent(container);
  new InteropAgent(container);
  address = container.url;
  close = () => container.shutdown({ timeout: grace });
} else {
  const service = new InteropService();
  const server = await startServer([values.host, port], service, { codec });
  address = server.address;
  close = async () => {
    await server.close({ timeout: grace });
    service.stop();
  };
}

const stopped = Promise.withResolvers<string>();
const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
const onSignal = {} as Record<Deno.Signal, () => void>;
for (const signal of signals) {
  onSignal[signal] = () => stopped.resolve(signal);
  Deno.addSignalListener(signal, onSignal[signal]);
}
let timer: ReturnType<typeof setTimeout> | undefined;
if (values.seconds !== undefined) {
  const seconds = Number(values.seconds);
  if (!(seconds >= 0)) {
    console.error(`--seconds must be a non-negative number, got ${values.seconds}`);
    Deno.exit(2);
  }
  timer = setTimeout(() => stopped.resolve("time is up"), seconds * 1000);
}

console.log(`READY ${address}`);
const reason = await stopped.promise;
clearTimeout(timer);
for (const signal of signals) Deno.removeSignalListener(signal, onSignal[signal]);
await close();
console.error(`interop_server: stopped (${reason})`);
