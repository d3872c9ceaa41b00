/**
 * The channel layer: framed request/reply messages over TCP, Unix sockets,
 * TLS and in-process pipes ({@linkcode LocalTransport}), byte-compatible with
 * Python aiomas.
 *
 * A frame is a 4-byte big-endian length and a codec-encoded
 * `[type, id, content]` payload. A {@linkcode Channel} sends requests and
 * awaits their replies, and receives the peer's requests, on one connection.
 *
 * @example Echo round trip
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { openConnection, startServer } from "@denomas/denomas/channel";
 *
 * await using server = await startServer(["127.0.0.1", 0], async (channel) => {
 *   const request = await channel.recv();
 *   request.reply("cya");
 * });
 * await using channel = await openConnection(server.address);
 * assertEquals(await channel.send("ohai"), "cya");
 * ```
 *
 * @module
 */
export { type Address, AddressError, formatEndpoint, parseAddress } from "./address.ts";
export {
  type CallOptions,
  Channel,
  type ChannelOptions,
  type CloseOptions,
  HIGH_WATER_MARK,
  type Request,
  type RequestHandler,
} from "./channel.ts";
export { openConnection } from "./connect.ts";
export {
  CodecError,
  ConnectError,
  ConnectionResetError,
  formatRemoteTraceback,
  LateReplyError,
  ProtocolError,
  RemoteException,
  ShutdownError,
} from "./errors.ts";
export { MAX_FRAME_SIZE } from "./frame.ts";
export { LocalTransport, localTransport } from "./local.ts";
export {
  type ConnectionOptions,
  type OpenConnectionOptions,
  type ServerOptions,
} from "./options.ts";
export { type ChannelHandler, type ChannelServer, startServer } from "./server.ts";
export { tcpTransport } from "./tcp.ts";
export {
  DEFAULT_HANDSHAKE_TIMEOUT,
  TlsConfigError,
  type TlsFailure,
  TlsHandshakeError,
  type TlsOptions,
  type TlsPairOptions,
  type TlsSettings,
  tlsTransport,
} from "./tls/mod.ts";
export type {
  Conn,
  Endpoint,
  Listener,
  ListenOptions,
  PeerCertificate,
  PeerInfo,
  Transport,
} from "./transport.ts";
// The codec types that channel signatures mention.
export type { Codec, CodecClass } from "../codecs/codec.ts";
export type {
  Constructor,
  FallbackSerializer,
  Serializer,
  SerializerRegistry,
} from "../codecs/serializers.ts";
