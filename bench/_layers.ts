/**
 * One server and one client per measured layer, all behind the same two
 * shapes so the harness can treat them alike: the raw framed echo, the
 * denomas channel, RPC and agent layers, and other RPC libraries.
 *
 * @module
 */
import {
  type CodecName,
  ECHO_PAYLOAD,
  type LayerName,
  type Pki,
  type TransportName,
} from "./_common.ts";
import { startRawServer } from "./_raw_echo.ts";
import { connectFramed, listenFramed } from "./_framed.ts";
import {
  type BenchCalls,
  birpcClient,
  capnwebClient,
  serveBirpc,
  serveCapnweb,
} from "./_others.ts";
import { type CodecClass, Json, MsgPack } from "../codecs/mod.ts";
import * as channel from "../channel/mod.ts";
import * as rpc from "../rpc/mod.ts";

export type { BenchCalls } from "./_others.ts";

/** A running server of some layer. */
export interface LayerServer {
  /** What clients connect to: `"127.0.0.1:port"`, a socket path or an agent URL. */
  address: string;
  /** Stops the server. */
  close(): void | Promise<void>;
}

/** Where to put a Unix socket and which certificates to use. */
export interface ServerOptions {
  /** The mutual TLS material, for `tls`. */
  pki?: Pki;
  /** The socket path, for `unix`. */
  socketPath?: string;
}

// deno-lint-ignore no-explicit-any
type Module = any;

const modules = new Map<string, Promise<Module>>();
/** Imports a denomas module by path from the repository root, once. */
function load(path: string): Promise<Module> {
  let mod = modules.get(path);
  if (!mod) {
    mod = import(new URL(`../${path}`, import.meta.url).href);
    modules.set(path, mod);
  }
  return mod;
}

/** The denomas codec class for `codec` (MsgPackBlosc is an optional entry point, loaded on demand). */
export async function codecClass(codec: CodecName): Promise<CodecClass> {
  if (codec === "msgpackblosc") return (await load("codecs/blosc/mod.ts")).MsgPackBlosc;
  return codec === "json" ? Json : MsgPack;
}

/** The `codec` and (for TLS) `tls` options of the denomas layers for one side. */
export async function layerOptions(
  codec: CodecName,
  pki: Pki | undefined,
  side: "server" | "client",
): Promise<Record<string, unknown>> {
  const options: Record<string, unknown> = { codec: await codecClass(codec) };
  if (pki) {
    options.tls = side === "server"
      ? { ca: pki.ca, cert: pki.serverCert, key: pki.serverKey }
      : { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey };
  }
  return options;
}

/** The listen address of the denomas layers for one transport. */
function listenAddress(transport: TransportName, options: ServerOptions): string {
  return transport === "unix" ? options.socketPath! : "127.0.0.1:0";
}

/** The channel layer's request handler: `[a, b]` → `a + b`, anything else echoed. */
function channelHandler(req: channel.Request): void {
  const c = req.content;
  if (Array.isArray(c)) req.reply(c[0] + c[1]);
  else req.reply(c);
}

/** Starts a server of `layer` in this process. */
export async function startLayerServer(
  layer: LayerName,
  transport: TransportName,
  codec: CodecName,
  options: ServerOptions,
): Promise<LayerServer> {
  const tlsPki = transport === "tls" ? options.pki : undefined;
  switch (layer) {
    case "raw":
      return await startRawServer(transport, options);
    case "birpc":
      return await listenFramed(transport, options, (port) => serveBirpc(port, codec));
    case "capnweb":
      return await listenFramed(transport, options, (port) => serveCapnweb(port));
    case "channel": {
      const server = await channel.startServer(
        listenAddress(transport, options),
        (ch) => ch.serve(channelHandler),
        await layerOptions(codec, tlsPki, "server"),
      );
      return { address: server.address, close: () => server.close() };
    }
    case "rpc": {
      const server = await rpc.startServer(
        listenAddress(transport, options),
        new Calculator(),
        await layerOptions(codec, tlsPki, "server"),
      );
      return { address: server.address, close: () => server.close() };
    }
    case "agent": {
      const { startAgentServer } = await load("bench/_agent_layer.ts");
      return await startAgentServer(
        listenAddress(transport, options),
        await layerOptions(codec, tlsPki, "server"),
      );
    }
  }
}

/** The RPC service: `add` and `echo`. */
class Calculator {
  @rpc.expose
  add(a: number, b: number): number {
    return a + b;
  }
  @rpc.expose
  echo(x: string): string {
    return x;
  }
}

/** Connects a client of `layer` (not `raw`: the harness drives that one itself). */
export async function connectLayer(
  layer: LayerName,
  transport: TransportName,
  codec: CodecName,
  address: string,
  pki?: Pki,
): Promise<BenchCalls> {
  const tlsPki = transport === "tls" ? pki : undefined;
  switch (layer) {
    case "birpc":
      return birpcClient(await connectFramed(transport, address, pki), codec, ECHO_PAYLOAD);
    case "capnweb":
      return capnwebClient(await connectFramed(transport, address, pki), ECHO_PAYLOAD);
    case "channel": {
      const ch = await channel.openConnection(address, await layerOptions(codec, tlsPki, "client"));
      const args = [1, 2];
      return {
        add: () => ch.send(args),
        echo: () => ch.send(ECHO_PAYLOAD),
        close: () => ch.close(),
      };
    }
    case "rpc": {
      const client = await rpc.openConnection<Calculator>(
        address,
        await layerOptions(codec, tlsPki, "client"),
      );
      const remote = client.remote;
      return {
        add: () => remote.add(1, 2),
        echo: () => remote.echo(ECHO_PAYLOAD),
        close: () => client.close(),
      };
    }
    case "agent": {
      const { connectAgent } = await load("bench/_agent_layer.ts");
      const local = transport === "unix"
        ? `${address.slice("ipc://[".length, address.indexOf("]"))}.client`
        : "127.0.0.1:0";
      return await connectAgent(address, local, await layerOptions(codec, tlsPki, "client"));
    }
    case "raw":
      throw new Error("the raw echo has its own client");
  }
}
