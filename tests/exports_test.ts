/**
 * The public API, pinned: the names every entry point of `deno.json`
 * exports, values (what `import()` yields) and types (what only `deno doc`
 * sees) apart. Changing the public API changes this list, so the change is a
 * visible diff in review.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import config from "../deno.json" with { type: "json" };

/** The exported names of each entry point, sorted. */
const API: Record<string, { readonly values: string[]; readonly types: string[] }> = {
  ".": {
    values: [
      "Agent",
      "AgentNotFoundError",
      "AgentUrlError",
      "CodecError",
      "ConnectError",
      "Container",
      "DenomasError",
      "ExternalClock",
      "Json",
      "Manager",
      "MsgPack",
      "RealtimeClock",
      "ScopedClock",
      "SerializerRegistry",
      "ShutdownError",
      "TYPE_KEY",
      "TimeoutError",
      "channel",
      "dateSerializer",
      "expose",
      "formatContainerUrl",
      "logError",
      "makeSerializable",
      "parseAgentUrl",
      "rpc",
      "serializable",
      "serializerOf",
      "startSubprocess",
      "startWorker",
    ],
    types: [
      "Address",
      "AgentClass",
      "AgentProxy",
      "AgentUrl",
      "ChildContainer",
      "ChildOptions",
      "Clock",
      "ClockTime",
      "Codec",
      "CodecClass",
      "ConnectOptions",
      "Constructor",
      "ContainerOptions",
      "DateInput",
      "DateLike",
      "DateSerializer",
      "ErrorHandler",
      "FallbackSerializer",
      "ModuleExport",
      "SerializableClass",
      "SerializableOptions",
      "Serializer",
      "SleepOptions",
      "SubprocessOptions",
      "TimerHandle",
      "WorkerOptions",
    ],
  },
  "./channel": {
    values: [
      "AddressError",
      "Channel",
      "CodecError",
      "ConnectionResetError",
      "DEFAULT_HANDSHAKE_TIMEOUT",
      "HIGH_WATER_MARK",
      "LocalTransport",
      "MAX_FRAME_SIZE",
      "ProtocolError",
      "RemoteException",
      "TlsConfigError",
      "TlsHandshakeError",
      "formatEndpoint",
      "formatRemoteTraceback",
      "localTransport",
      "openConnection",
      "parseAddress",
      "startServer",
      "tcpTransport",
      "tlsTransport",
    ],
    types: [
      "Address",
      "CallOptions",
      "ChannelHandler",
      "ChannelOptions",
      "ChannelServer",
      "Codec",
      "CodecClass",
      "Conn",
      "ConnectionOptions",
      "Constructor",
      "Endpoint",
      "FallbackSerializer",
      "Listener",
      "OpenConnectionOptions",
      "PeerCertificate",
      "PeerInfo",
      "Request",
      "RequestHandler",
      "Serializer",
      "SerializerRegistry",
      "ServerOptions",
      "TlsOptions",
      "TlsPairOptions",
      "TlsSettings",
      "Transport",
    ],
  },
  "./rpc": {
    values: [
      "LookupError",
      "REMOTE_OF",
      "Router",
      "RpcClient",
      "callContext",
      "callRemote",
      "expose",
      "getRouter",
      "isProxy",
      "openConnection",
      "proxyEquals",
      "proxyPath",
      "proxySerializer",
      "serviceDict",
      "startServer",
      "withOptions",
    ],
    types: [
      "AnyFunction",
      "BoundMethod",
      "CallContext",
      "CallOptions",
      "ExposeDecorator",
      "ExposeOptions",
      "Passable",
      "PassableArgs",
      "Remote",
      "RemoteKeys",
      "RemoteMethod",
      "RpcClientOptions",
      "RpcConnectionOptions",
      "RpcServer",
      "RpcServerOptions",
    ],
  },
  "./agent": {
    values: [
      "Agent",
      "AgentNotFoundError",
      "AgentUrlError",
      "ConnectError",
      "Container",
      "Manager",
      "ShutdownError",
      "formatContainerUrl",
      "parseAgentUrl",
      "startSubprocess",
      "startWorker",
    ],
    types: [
      "Address",
      "AgentClass",
      "AgentProxy",
      "AgentUrl",
      "ChildContainer",
      "ChildOptions",
      "ConnectOptions",
      "ContainerOptions",
      "ModuleExport",
      "SubprocessOptions",
      "WorkerOptions",
    ],
  },
  "./codecs": {
    values: [
      "CodecError",
      "DETACHED_DECODE",
      "Json",
      "MsgPack",
      "SerializerRegistry",
      "TRANSIENT_ENCODE",
      "TYPE_KEY",
      "dateSerializer",
      "detachedDecoder",
      "makeSerializable",
      "serializable",
      "serializerOf",
      "transientEncoder",
    ],
    types: [
      "Codec",
      "CodecClass",
      "Constructor",
      "DateLike",
      "DateSerializer",
      "FallbackSerializer",
      "SerializableClass",
      "SerializableOptions",
      "Serializer",
    ],
  },
  "./codecs/blosc": {
    values: [
      "BLOSC_HEADER_SIZE",
      "BLOSC_MAX_BUFFER_SIZE",
      "BLOSC_MAX_TYPESIZE",
      "COMPRESSOR_NAMES",
      "DEFAULT_MAX_DECOMPRESSED_SIZE",
      "FLAG_BITSHUFFLE",
      "FLAG_DONT_SPLIT",
      "FLAG_MEMCPYED",
      "FLAG_SHUFFLE",
      "MsgPackBlosc",
      "compress",
      "decompress",
      "readHeader",
    ],
    types: [
      "BloscHeader",
      "Codec",
      "CodecClass",
      "CompressOptions",
      "Compressor",
      "Constructor",
      "DecompressOptions",
      "FallbackSerializer",
      "MsgPackBloscOptions",
      "Serializer",
      "SerializerRegistry",
      "Shuffle",
    ],
  },
  "./clocks": {
    values: [
      "ExternalClock",
      "RealtimeClock",
      "ScopedClock",
    ],
    types: [
      "Clock",
      "ClockTime",
      "DateInput",
      "SleepOptions",
      "TimerHandle",
    ],
  },
};

/** The names `deno doc` lists for `module`: values and types. */
async function documentedNames(module: URL): Promise<string[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", module.href],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  if (!output.success) throw new Error(`deno doc --json ${module} failed:\n${stderr}`);
  const doc = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    nodes: Record<string, { symbols: { name: string }[] }>;
  };
  return [...new Set(Object.values(doc.nodes).flatMap((node) => node.symbols.map((s) => s.name)))];
}

Deno.test("deno.json has the pinned entry points", () => {
  assertEquals(Object.keys(config.exports).sort(), Object.keys(API).sort());
});

for (const [entry, path] of Object.entries(config.exports)) {
  Deno.test(`entry point "${entry}" exports exactly the pinned names`, async () => {
    const module = new URL(`../${path}`, import.meta.url);
    const values = Object.keys(await import(module.href)).sort();
    const types = (await documentedNames(module)).filter((name) => !values.includes(name)).sort();
    assertEquals({ values, types }, API[entry]);
  });
}

Deno.test("deno task check type-checks and doc-lints every entry point", () => {
  const commands = config.tasks.check.split("&&").map((command) => command.trim().split(/\s+/));
  const argsOf = (prefix: string[]) =>
    commands.find((words) => prefix.every((word, i) => words[i] === word))?.slice(prefix.length);
  const entries = Object.values(config.exports).map((path) => path.replace(/^\.\//, ""));
  for (const prefix of [["deno", "check"], ["deno", "doc", "--lint"]]) {
    const args = argsOf(prefix) ?? [];
    assertEquals(entries.filter((entry) => !args.includes(entry)), [], prefix.join(" "));
  }
});
