/**
 * The channel layer: framed request/reply messages over TCP, Unix sockets
 * and TLS, byte-compatible with Python aiomas.
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

export {
  type Address,
  AddressError,
  formatEndpoint,
  formatHostPort,
  MAX_PORT,
  parseAddress,
} from "./address.ts";
export { Channel, CLOSE_FLUSH_TIMEOUT, type RequestHandler, type SendOptions } from "./channel.ts";
export { CONNECT_RETRY_MAX_DELAY, CONNECT_RETRY_MIN_DELAY, openConnection } from "./connect.ts";
export {
  CodecError,
  ConnectionResetError,
  formatRemoteTraceback,
  ProtocolError,
  RemoteException,
} from "./errors.ts";
export {
  encodeFrame,
  FrameReader,
  type FrameReaderOptions,
  HEADER_SIZE,
  MAX_FRAME_SIZE,
  WIRE_MAX_PAYLOAD,
  writeHeader,
} from "./frame.ts";
export { EXCEPTION, type MessageType, REQUEST, RESULT } from "./message.ts";
export {
  type ChannelOptions,
  type ConnectionOptions,
  HIGH_WATER_MARK,
  type OpenConnectionOptions,
  READ_PAUSE_FACTOR,
  type ServerOptions,
} from "./options.ts";
export type { Request } from "./request.ts";
// The codec types that channel signatures mention.
export type { Codec, CodecClass } from "../codecs/codec.ts";
export type {
  Constructor,
  FallbackSerializer,
  Serializer,
  SerializerRegistry,
} from "../codecs/serializers.ts";
export { type ChannelHandler, type ChannelServer, startServer } from "./server.ts";
export { tcpTransport } from "./tcp.ts";
// The TLS module decides its own public surface.
export * from "./tls.ts";
export type {
  Conn,
  Endpoint,
  Listener,
  PeerCertificate,
  PeerInfo,
  Transport,
} from "./transport.ts";
