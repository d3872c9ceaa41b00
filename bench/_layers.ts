/**
 * One server and one client per measured layer, all behind the same two
 * shapes so the harness can treat them alike: the raw framed echo, the
 * denomas channel, RPC and agent layers, and other RPC libraries. The denomas
 * layers are imported only when they are measured.
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

const denomas = () => import("./_denomas_layers.ts");
const agents = () => import("./_agent_layer.ts");

/** The listen address of the denomas layers for one transport. */
function listenAddress(transport: TransportName, options: ServerOptions): string {
  return transport === "unix" ? options.socketPath! : "127.0.0.1:0";
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
    case "channel":
    case "rpc": {
      const { startDenomasServer } = await denomas();
      return await startDenomasServer(layer, listenAddress(transport, options), codec, tlsPki);
    }
    case "agent": {
      const [{ startAgentServer }, { layerOptions }] = await Promise.all([agents(), denomas()]);
      return await startAgentServer(
        listenAddress(transport, options),
        await layerOptions(codec, tlsPki, "server"),
      );
    }
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
    case "channel":
    case "rpc": {
      const { connectDenomas } = await denomas();
      return await connectDenomas(layer, address, codec, tlsPki);
    }
    case "agent": {
      const [{ connectAgent }, { layerOptions }] = await Promise.all([agents(), denomas()]);
      // The calling side is a container too, at its own address.
      const local = transport === "unix"
        ? `${address.slice("ipc://[".length, address.indexOf("]"))}.client`
        : "127.0.0.1:0";
      return await connectAgent(address, local, await layerOptions(codec, tlsPki, "client"));
    }
    case "raw":
      throw new Error("the raw echo has its own client");
  }
}
