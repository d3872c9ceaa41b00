/**
 * denomas: remote procedure calls and multi-agent systems for Deno, speaking
 * the wire protocol of Python's aiomas byte for byte.
 *
 * The top level offers what agent systems need: {@linkcode Container},
 * {@linkcode Agent}, {@linkcode expose}, the codecs and the clocks. The lower
 * layers are namespaces, as in aiomas: `channel` (framed request/reply) and
 * `rpc` (routers, services, proxies). Each layer is also its own entry point
 * (`@denomas/denomas/agent`, `/rpc`, `/channel`, `/codecs`, `/clocks`). The
 * optional parts are entry points of their own, never loaded by the core: the
 * Blosc codec (`/codecs/blosc`), mosaik co-simulation (`/mosaik`) and NATS
 * (`/nats`, the only one with a dependency).
 *
 * @example Two agents calling each other
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { Agent, Container, expose } from "@denomas/denomas";
 *
 * class Callee extends Agent {
 *   @expose
 *   spam(times: number): string {
 *     return "spam".repeat(times);
 *   }
 * }
 *
 * await using container = await Container.create(["127.0.0.1", 0]);
 * const callee = new Callee(container);
 * const proxy = await container.connect<Callee>(callee.addr);
 * assertEquals(await proxy.spam(3), "spamspamspam");
 * ```
 *
 * @module
 */
export { DenomasError, type ErrorHandler, logError, TimeoutError } from "./errors.ts";
export {
  type Address,
  Agent,
  type AgentClass,
  AgentNotFoundError,
  type AgentProxy,
  AgentTaskError,
  type AgentUrl,
  AgentUrlError,
  type ChildContainer,
  type ChildOptions,
  ConnectError,
  type ConnectOptions,
  Container,
  type ContainerOptions,
  type EveryOptions,
  formatContainerUrl,
  Manager,
  type ModuleExport,
  parseAgentUrl,
  RemoteException,
  ShutdownError,
  type ShutdownOptions,
  startSubprocess,
  startWorker,
  type SubprocessOptions,
  type TaskOptions,
  type WorkerOptions,
} from "./agent/mod.ts";
export {
  type Codec,
  type CodecClass,
  CodecError,
  type Constructor,
  type DateLike,
  type DateSerializer,
  dateSerializer,
  type FallbackSerializer,
  Json,
  makeSerializable,
  MsgPack,
  type MsgPackOptions,
  serializable,
  type SerializableClass,
  type SerializableOptions,
  type Serializer,
  serializerOf,
  SerializerRegistry,
  TYPE_KEY,
} from "./codecs/mod.ts";
export {
  type Clock,
  type ClockTime,
  type DateInput,
  ExternalClock,
  RealtimeClock,
  ScopedClock,
  type SleepOptions,
  type TimerHandle,
} from "./clocks/mod.ts";
export { expose } from "./rpc/mod.ts";
export * as channel from "./channel/mod.ts";
export * as rpc from "./rpc/mod.ts";
