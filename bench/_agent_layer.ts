/**
 * The agent layer of the end-to-end benchmarks, in its own module so that the
 * harness loads it only when agents are measured.
 *
 * @module
 */
import { Agent, Container, type ContainerOptions } from "../agent/mod.ts";
import { expose } from "../rpc/mod.ts";
import { ECHO_PAYLOAD } from "./_common.ts";
import type { BenchCalls } from "./_others.ts";

/** The agent that is called: `add` and `echo`. */
class BenchAgent extends Agent {
  @expose
  add(a: number, b: number): number {
    return a + b;
  }
  @expose
  echo(x: string): string {
    return x;
  }
}

/** Starts a container at `address` with one {@linkcode BenchAgent}; returns its URL. */
export async function startAgentServer(
  address: string,
  options: ContainerOptions,
): Promise<{ address: string; close(): Promise<void> }> {
  const container = await Container.create(address, options);
  const agent = new BenchAgent(container);
  return { address: agent.addr, close: () => container.shutdown() };
}

/**
 * Connects an agent in a new container at `localAddress` to the agent at
 * `url`, as in an agent-to-agent call: the caller's container opens the
 * connection that carries the calls.
 */
export async function connectAgent(
  url: string,
  localAddress: string,
  options: ContainerOptions,
): Promise<BenchCalls> {
  const container = await Container.create(localAddress, options);
  const caller = new BenchAgent(container);
  const remote = await caller.container.connect<BenchAgent>(url);
  return {
    add: () => remote.add(1, 2),
    echo: () => remote.echo(ECHO_PAYLOAD),
    close: () => container.shutdown(),
  };
}
