/**
 * The agent layer: agents live in containers, which share one server, one
 * connection per peer container and one clock among many agents. Agents
 * call each other through typed proxies by URL (`tcp://host:port/id`,
 * `ipc://[path]/id`, `local://queue/id`), wire-compatible with Python aiomas.
 * Containers can also run in child processes and Web Workers.
 *
 * @example Hello world: an agent task sleeping on the container's clock
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { Agent, Container } from "@denomas/denomas/agent";
 * import { ExternalClock } from "@denomas/denomas/clocks";
 *
 * class HelloWorld extends Agent {
 *   readonly said: string[] = [];
 *   async run(): Promise<void> {
 *     for (let i = 0; i < 3; i++) {
 *       await this.clock.sleep(0.1);
 *       this.said.push(`Hello, World! at ${this.clock.time().toFixed(1)}`);
 *     }
 *   }
 * }
 *
 * const clock = new ExternalClock("2026-01-01T00:00:00Z");
 * await using container = await Container.create("local://hello", { clock });
 * const agent = new HelloWorld(container);
 * const task = agent.run();
 * for (const t of [0.1, 0.2, 0.3]) {
 *   clock.setTime(t);
 *   await new Promise((resolve) => setTimeout(resolve, 0));
 * }
 * await task;
 * assertEquals(agent.said.length, 3);
 * assertEquals(agent.said[2], "Hello, World! at 0.3");
 * ```
 *
 * @module
 */
export { type AgentUrl, AgentUrlError, formatContainerUrl, parseAgentUrl } from "./address.ts";
export {
  Agent,
  type AgentProxy,
  type ConnectOptions,
  Container,
  type ContainerOptions,
  type EveryOptions,
  type ShutdownOptions,
  type TaskOptions,
} from "./container.ts";
export { AgentNotFoundError, AgentTaskError, ConnectError, ShutdownError } from "./errors.ts";
export { RemoteException } from "../channel/errors.ts";
export {
  type ContainerNetwork,
  type NetworkBinding,
  type NetworkConnectOptions,
  type NetworkSetup,
} from "./network.ts";
// The address type that `Container.create` and child options take.
export type { Address } from "../channel/address.ts";
export { type ChildContainer, type ChildOptions, type ModuleExport } from "./child/child.ts";
export { type AgentClass, Manager } from "./child/manager.ts";
export { startSubprocess, type SubprocessOptions } from "./child/subprocess.ts";
export { startWorker, type WorkerOptions } from "./child/worker.ts";
