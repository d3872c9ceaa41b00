/**
 * The denomas channel and RPC layers of the end-to-end benchmarks, in their
 * own module so that the raw echo and the other libraries still run while a
 * denomas module is being changed.
 *
 * @module
 */
import type { CodecName, Pki } from "./_common.ts";
import { ECHO_PAYLOAD } from "./_common.ts";
import type { BenchCalls } from "./_others.ts";
import { type CodecClass, Json, MsgPack } from "../codecs/mod.ts";
import * as channel from "../channel/mod.ts";
import * as rpc from "../rpc/mod.ts";

/** The denomas codec class for `codec` (MsgPackBlosc is an optional entry point, loaded on demand). */
export async function codecClass(codec: CodecName): Promise<CodecClass> {
  if (codec === "msgpackblosc") {
    return (await import("../codecs/blosc/mod.ts")).MsgPackBlosc;
  }
  return codec === "json" ? Json : MsgPack;
}

/** The `codec` and (for TLS) `tls` options of the denomas layers for one side. */
export async function layerOptions(
  codec: CodecName,
  pki: Pki | undefined,
  side: "server" | "client",
): Promise<{ codec: CodecClass; tls?: { ca: string; cert: string; key: string } }> {
  const options: { codec: CodecClass; tls?: { ca: string; cert: string; key: string } } = {
    codec: await codecClass(codec),
  };
  if (pki) {
    options.tls = side === "server"
      ? { ca: pki.ca, cert: pki.serverCert, key: pki.serverKey }
      : { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey };
  }
  return options;
}

/** The channel layer's request handler: `[a, b]` → `a + b`, anything else echoed. */
function channelHandler(req: channel.Request): void {
  const c = req.content;
  if (Array.isArray(c)) req.reply(c[0] + c[1]);
  else req.reply(c);
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

/** A server of the channel or RPC layer. */
export async function startDenomasServer(
  layer: "channel" | "rpc",
  address: string,
  codec: CodecName,
  pki: Pki | undefined,
): Promise<{ address: string; close(): Promise<void> }> {
  const options = await layerOptions(codec, pki, "server");
  const server = layer === "channel"
    ? await channel.startServer(address, (ch) => ch.serve(channelHandler), options)
    : await rpc.startServer(address, new Calculator(), options);
  return { address: server.address, close: () => server.close() };
}

/** A client of the channel or RPC layer. */
export async function connectDenomas(
  layer: "channel" | "rpc",
  address: string,
  codec: CodecName,
  pki: Pki | undefined,
): Promise<BenchCalls> {
  const options = await layerOptions(codec, pki, "client");
  if (layer === "channel") {
    const ch = await channel.openConnection(address, options);
    const args = [1, 2];
    return {
      add: () => ch.send(args),
      echo: () => ch.send(ECHO_PAYLOAD),
      close: () => ch.close(),
    };
  }
  const client = await rpc.openConnection<Calculator>(address, options);
  const remote = client.remote;
  return {
    add: () => remote.add(1, 2),
    echo: () => remote.echo(ECHO_PAYLOAD),
    close: () => client.close(),
  };
}
