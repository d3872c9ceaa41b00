/**
 * Test helpers: real `nats-server` processes on free loopback ports, alone
 * or as a cluster with routes, stopped by the tests that start them.
 *
 * @module
 */

import { delay } from "../internal/async.ts";

/** Whether `nats-server` is on PATH. */
export const HAVE_NATS_SERVER: boolean = (() => {
  try {
    const out = new Deno.Command("nats-server", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .outputSync();
    return out.success;
  } catch {
    return false;
  }
})();

const CI = Deno.env.get("CI") === "true";

/**
 * Without `nats-server`, registers the one line saying the NATS tests (every
 * `tests/nats_*` module) were skipped and why; with `CI=true` a failing test
 * instead, as CI must run them.
 */
export function announceNatsTests(): void {
  if (HAVE_NATS_SERVER) return;
  if (CI) {
    Deno.test("NATS tests need nats-server on PATH when CI=true", () => {
      throw new Error("nats-server is not on PATH (apt-get install -y nats-server)");
    });
    return;
  }
  Deno.test({
    name: "NATS tests (tests/nats_*) skipped: nats-server is not on PATH " +
      "(apt-get install -y nats-server)",
    ignore: true,
    fn() {},
  });
}

/**
 * Registers a NATS test when `nats-server` is there; otherwise nothing (the
 * one line from {@linkcode announceNatsTests} says why).
 */
export function natsTest(definition: Deno.TestDefinition): void {
  if (HAVE_NATS_SERVER) Deno.test(definition);
}

/** A free TCP port on 127.0.0.1 (bound and released). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** One `nats-server` process. */
export class NatsServer implements AsyncDisposable {
  readonly port: number;
  readonly clusterPort: number | undefined;
  readonly monitorPort: number;
  readonly #config: string;
  #process: Deno.ChildProcess | undefined;

  private constructor(config: string, port: number, monitorPort: number, clusterPort?: number) {
    this.#config = config;
    this.port = port;
    this.monitorPort = monitorPort;
    this.clusterPort = clusterPort;
  }

  /** `nats://127.0.0.1:<port>`. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Whether the process runs. */
  get running(): boolean {
    return this.#process !== undefined;
  }

  /** Starts one server, optionally a cluster node with routes to `routes` (cluster ports). */
  static async start(
    options: {
      cluster?: { port: number; routes: readonly number[] };
      /** More lines of the configuration file, e.g. a `tls { … }` block. */
      config?: readonly string[];
    } = {},
  ): Promise<NatsServer> {
    const port = freePort();
    const monitorPort = freePort();
    const dir = await Deno.makeTempDir({ prefix: "denomas-nats-" });
    const lines = [
      `host: 127.0.0.1`,
      `port: ${port}`,
      `http: "127.0.0.1:${monitorPort}"`,
      `max_payload: 8MB`,
    ];
    lines.push(...options.config ?? []);
    const cluster = options.cluster;
    if (cluster !== undefined) {
      lines.push(
        `cluster {`,
        `  name: denomas_test`,
        `  listen: "127.0.0.1:${cluster.port}"`,
        `  no_advertise: false`,
        `  routes: [${cluster.routes.map((p) => `"nats://127.0.0.1:${p}"`).join(", ")}]`,
        `}`,
      );
    }
    const config = `${dir}/nats.conf`;
    await Deno.writeTextFile(config, lines.join("\n") + "\n");
    const server = new NatsServer(config, port, monitorPort, cluster?.port);
    await server.restart();
    return server;
  }

  /** (Re)starts the process with the same ports and waits until it accepts clients. */
  async restart(): Promise<void> {
    if (this.#process !== undefined) return;
    this.#process = new Deno.Command("nats-server", {
      args: ["-c", this.#config],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    for (let i = 0; i < 200; i++) {
      if (await this.#healthy()) return;
      await delay(25);
    }
    await this.stop();
    throw new Error(`nats-server on port ${this.port} did not start`);
  }

  /** The server's monitoring JSON at `path`, e.g. `"/routez"`. */
  async monitor(path: string): Promise<Record<string, unknown>> {
    const response = await fetch(`http://127.0.0.1:${this.monitorPort}${path}`);
    return await response.json();
  }

  async #healthy(): Promise<boolean> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.monitorPort}/healthz`);
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false;
    }
  }

  /** Kills the process (SIGKILL: a crash, not a clean shutdown) and waits for it. */
  async kill(): Promise<void> {
    const process = this.#process;
    if (process === undefined) return;
    this.#process = undefined;
    try {
      process.kill("SIGKILL");
    } catch {
      // Exited already.
    }
    await process.status;
  }

  /** Stops the process. */
  stop(): Promise<void> {
    return this.kill();
  }

  /** Stops the process and removes its config. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
    await Deno.remove(this.#config.slice(0, this.#config.lastIndexOf("/")), { recursive: true })
      .catch(() => {});
  }
}

/** A cluster of `size` nodes with routes between all of them. */
export class NatsCluster implements AsyncDisposable {
  readonly nodes: readonly NatsServer[];

  private constructor(nodes: readonly NatsServer[]) {
    this.nodes = nodes;
  }

  /** The client URLs of all nodes. */
  get urls(): string[] {
    return this.nodes.map((node) => node.url);
  }

  /** Starts the nodes and waits until every node has a route to every other. */
  static async start(size = 3): Promise<NatsCluster> {
    const clusterPorts = Array.from({ length: size }, () => freePort());
    const nodes: NatsServer[] = [];
    try {
      for (const port of clusterPorts) {
        nodes.push(
          await NatsServer.start({
            cluster: { port, routes: clusterPorts.filter((p) => p !== port) },
          }),
        );
      }
      const cluster = new NatsCluster(nodes);
      await cluster.routed();
      return cluster;
    } catch (error) {
      await Promise.all(nodes.map((node) => node[Symbol.asyncDispose]()));
      throw error;
    }
  }

  /** Waits until every running node has routes to every other running node. */
  async routed(): Promise<void> {
    const running = this.nodes.filter((node) => node.running);
    for (let i = 0; i < 400; i++) {
      const counts = await Promise.all(
        running.map(async (node) => {
          const routez = await node.monitor("/routez");
          const routes = (routez.routes as { remote_id: string }[] | null) ?? [];
          return new Set(routes.map((route) => route.remote_id)).size;
        }),
      );
      if (counts.every((count) => count >= running.length - 1)) return;
      await delay(25);
    }
    throw new Error("the NATS cluster did not form its routes");
  }

  /** Stops every node. */
  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.nodes.map((node) => node[Symbol.asyncDispose]()));
  }
}

/** Polls `condition` until it holds (bounded: fails after `tries` × 20 ms). */
export async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  tries = 500,
): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await condition()) return;
    await delay(20);
  }
  throw new Error(`gave up waiting for ${what}`);
}
