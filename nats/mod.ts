/**
 * denomas on NATS: containers whose agents are addressed by name
 * (`nats://<name>/<id>`) on a NATS cluster, replicas as NATS queue groups,
 * and plain RPC services under a name. Built on the official NATS client
 * (`@nats-io/transport-node`); the rest of denomas does not depend on it.
 *
 * @example Parsing a NATS agent URL
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { parseNatsAgentUrl } from "@denomas/denomas/nats";
 *
 * assertEquals(parseNatsAgentUrl("nats://plant/0").base, "nats://plant");
 * ```
 *
 * @module
 */
export {
  checkNatsName,
  isNatsUrl,
  type NatsAgentUrl,
  parseNatsAddress,
  parseNatsAgentUrl,
} from "./address.ts";
export { natsNetwork } from "./network.ts";
export { DEFAULT_PREFIX, type NatsConnectionOptions, type NatsOptions } from "./options.ts";
export {
  connectNats,
  type NatsParty,
  type NatsRpcClient,
  type NatsRpcOptions,
  type NatsRpcServer,
  serveNats,
} from "./rpc.ts";
