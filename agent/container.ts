/**
 * The agent container (the shared server, the connections and the clock of
 * a group of agents) and the base class of the agents it hosts. They are one
 * module because each names the other: an agent lives in a container, a
 * container holds its agents.
 *
 * @module
 */

import { type Address, formatEndpoint, parseAddress } from "../channel/address.ts";
import { RemoteException } from "../channel/errors.ts";
import type { TlsOptions } from "../channel/tls/mod.ts";
import type { Endpoint, Transport } from "../channel/transport.ts";
import type { CodecClass } from "../codecs/codec.ts";
import { dateSerializer } from "../codecs/date.ts";
import { Json } from "../codecs/json.ts";
import type { Serializer } from "../codecs/serializers.ts";
import type { Clock } from "../clocks/clock.ts";
import { type ErrorHandler, logError, report } from "../errors.ts";
import { RealtimeClock } from "../clocks/realtime.ts";
import { ScopedClock } from "../clocks/scoped.ts";
import { deadline } from "../internal/async.ts";
import { INSPECT } from "../internal/inspect.ts";
import { expose } from "../rpc/expose.ts";
import { makeRemote } from "../rpc/proxy.ts";
import { ReconnectingClient } from "../rpc/reconnecting.ts";
import type { CallOptions, Remote } from "../rpc/remote.ts";
import { getRouter, Router } from "../rpc/router.ts";
import { type RpcServer, startServer } from "../rpc/server.ts";
import { type AgentUrl, formatContainerUrl, parseAgentUrl } from "./address.ts";
import { AgentNotFoundError, AgentTaskError, ShutdownError } from "./errors.ts";
import { localTransport } from "../channel/local.ts";
import type { ContainerNetwork, NetworkBinding } from "./network.ts";
import { containerHooks } from "./_hooks.ts";

/** Options of {@linkcode Container.create}. */
export interface ContainerOptions {
  /**
   * The clock of the container and its agents.
   *
   * @default {new RealtimeClock()}
   */
  readonly clock?: Clock;
  /**
   * The codec class of every connection the container makes or accepts.
   * Peers must use the same one.
   *
   * @default {Json}
   */
  readonly codec?: CodecClass;
  /**
   * Serializers for more types. They get type ids 1, 2, … after the date
   * serializer (0), and the proxy serializer comes last; peers must register
   * the same ones in the same order.
   */
  readonly extraSerializers?: readonly Serializer[];
  /** Mutual TLS for the server and every outgoing TCP connection. */
  readonly tls?: TlsOptions;
  /**
   * The transport for `local://` addresses.
   *
   * @default {localTransport} (shared by the whole process)
   */
  readonly localTransport?: Transport;
  /** The largest message accepted, in bytes (see the channel layer). */
  readonly maxFrameSize?: number;
  /**
   * Receives what the container notices but cannot throw to a caller: a
   * failed agent task ({@linkcode AgentTaskError}), and from its server and
   * connections a refused TLS handshake, an undecodable frame from a peer,
   * a reply to a call that was given up on.
   *
   * @default {logError} (one line to stderr)
   */
  readonly onError?: ErrorHandler;
  /**
   * Another network to live on (e.g. `natsNetwork` of
   * `@denomas/denomas/nats`): an address it handles makes the container
   * serve through it, and agent URLs it handles are reached through it.
   */
  readonly network?: ContainerNetwork;
}

/** Options of {@linkcode Container.shutdown}. */
export interface ShutdownOptions {
  /**
   * The grace period, in milliseconds: the container stops accepting
   * connections and calls, and lets the calls its agents are answering
   * finish for up to this long; callers of those still unanswered then get
   * a `ShutdownError` (caused by the grace period's `TimeoutError`). Then
   * the agents stop and every connection closes.
   *
   * Without it, the connections just close: callers of the calls being
   * answered get a `ConnectionResetError`.
   */
  readonly timeout?: number;
}

/** Options of {@linkcode Container.connect}. */
export interface ConnectOptions {
  /**
   * How long to keep trying, in milliseconds: a refused connection (no
   * container there yet) is retried with backoff until then, and the whole
   * connect (with `validate_aid`) must finish in that time, else it rejects
   * with a `TimeoutError` whose `cause` is the last failure. Proxies use it
   * again when they reconnect. `0` tries once and sets no limit on the call.
   *
   * @default {0}
   */
  readonly timeout?: number;
  /** Gives up: the promise rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/**
 * The typed proxy of a remote agent: its methods return promises. It calls
 * through its container's connection to the agent's container and opens a
 * new connection when that one was lost (e.g. after the peer restarted).
 */
export type AgentProxy<T> = Remote<T>;

/** What an agent needs from its live container. */
interface AgentHost {
  /** Registers `agent`: gives it the next id and makes it callable. */
  register(agent: Agent): string;
  /** Removes `agent`: later calls to it fail. */
  unregister(agent: Agent): void;
}

/** The host of every live container's agents. */
const agentHosts = new WeakMap<Container, AgentHost>();

/**
 * The `onError` hook of every container, kept after shutdown (unlike
 * {@linkcode agentHosts}) so that tasks ending late are still reported.
 */
const containerErrors = new WeakMap<Container, ErrorHandler>();

/** Stops an agent with a given reason (the container's, when it shuts down); set by `Agent`. */
let stopAgent: ((agent: Agent, reason: Error) => Promise<void>) | undefined;

/**
 * A container hosts agents: it listens at one address (TCP, a Unix socket or
 * an in-process `local://` queue), gives its agents ids and URLs, connects
 * them to agents in other containers (one connection per container, shared
 * by all agents and used in both directions), and provides their clock.
 *
 * It speaks the aiomas protocol: the container is the root service of every
 * connection (`validate_aid`, sub-service `agents`), calls go to
 * `agents/<id>/<method>`, and the codec has the date serializer as type id 0
 * and the proxy serializer last.
 *
 * @example Two containers in one process
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { Agent, Container } from "@denomas/denomas/agent";
 * import { expose } from "@denomas/denomas/rpc";
 *
 * class Echo extends Agent {
 *   @expose
 *   echo(text: string): string {
 *     return `${this.aid} says ${text}`;
 *   }
 * }
 *
 * await using a = await Container.create(["127.0.0.1", 0]);
 * await using b = await Container.create("local://b");
 * const echo = new Echo(b);
 * const proxy = await a.connect<Echo>(echo.addr);
 * assertEquals(String(proxy), "EchoProxy('local://b/0')");
 * assertEquals(await proxy.echo("hi"), "0 says hi");
 * ```
 */
export class Container implements AsyncDisposable {
  /** The codec class of the container's connections. */
  readonly codec: CodecClass;
  /**
   * The container's clock. Its sleeps and timers end when the container
   * shuts down; `clock.base` is the clock given to {@linkcode Container.create}.
   */
  readonly clock: ScopedClock;

  readonly #scope: AbortController;
  readonly #options: ContainerOptions;
  readonly #serializers: readonly Serializer[];
  readonly #agents = new Map<string, Agent>();
  readonly #agentsRouter = new Router({});
  /** The connections to other containers, by container URL. */
  readonly #peers = new Map<string, ReconnectingClient>();
  readonly #cleanups = new Set<() => Promise<void>>();
  #server: RpcServer | undefined;
  #binding: NetworkBinding | undefined;
  #url = "";
  #nextAid = 0;
  #shutdown: Promise<void> | undefined;
  /** Set once the grace period of a shutdown is over: calls and connects fail. */
  #stopped = false;

  private constructor(options: ContainerOptions, scope: AbortController) {
    this.codec = options.codec ?? Json;
    this.#options = options;
    this.#scope = scope;
    this.#serializers = [dateSerializer, ...(options.extraSerializers ?? [])];
    this.clock = new ScopedClock(options.clock ?? new RealtimeClock(), scope.signal);
    containerErrors.set(this, options.onError ?? logError);
    getRouter(this)!.add("agents", this.#agentsRouter.obj);
    agentHosts.set(this, {
      register: (agent) => this.#register(agent),
      unregister: (agent) => this.#unregister(agent),
    });
    containerHooks.set(this, {
      addCleanup: (cleanup) => {
        this.#cleanups.add(cleanup);
        return () => this.#cleanups.delete(cleanup);
      },
    });
  }

  /**
   * Creates a container listening at `addr`.
   *
   * @param addr `[host, port]`, `"tcp://host:port"`, `"ipc://[path]"` (or a
   *   socket path) or `"local://name"`. Port `0` binds a free port, which
   *   {@linkcode Container.url} then shows. With `options.network`, also an
   *   address of that network (e.g. `"nats://name"`).
   * @param options Clock, codec, serializers, TLS.
   * @returns The container, once it listens.
   * @throws {AddressError} for a malformed address.
   * @throws {Deno.errors.AddrInUse} when the address is taken.
   */
  static async create(addr: Address, options: ContainerOptions = {}): Promise<Container> {
    if (typeof addr === "string" && options.network?.handles(addr)) {
      return await Container.#createOn(options.network, addr, options);
    }
    const endpoint = parseAddress(addr);
    const scope = new AbortController();
    // The URL is known once the server listens; the service must exist before.
    const container = new Container(options, scope);
    try {
      const server = await startServer(
        endpoint.transport === "tcp"
          ? [endpoint.hostname, endpoint.port]
          : formatEndpoint(endpoint),
        container,
        {
          codec: container.codec,
          extraSerializers: container.#serializers,
          maxFrameSize: options.maxFrameSize,
          onError: options.onError,
          ...container.#transportFor(endpoint),
        },
      );
      container.#server = server;
      container.#url = formatContainerUrl(publicEndpoint(server.endpoint));
    } catch (error) {
      agentHosts.delete(container);
      containerHooks.delete(container);
      scope.abort(error);
      throw error;
    }
    return container;
  }

  static async #createOn(
    network: ContainerNetwork,
    addr: string,
    options: ContainerOptions,
  ): Promise<Container> {
    const scope = new AbortController();
    const container = new Container(options, scope);
    try {
      container.#binding = await network.listen(addr, {
        service: container,
        codec: container.codec,
        serializers: container.#serializers,
        signal: scope.signal,
        onError: options.onError,
      });
      container.#url = container.#binding.url;
    } catch (error) {
      agentHosts.delete(container);
      containerHooks.delete(container);
      scope.abort(error);
      throw error;
    }
    return container;
  }

  /**
   * The class name of the agent `aid`, or `null` when this container has no
   * such agent. Peers call it when they connect.
   *
   * @param aid An agent id.
   * @returns E.g. `"Callee"`, or `null`.
   */
  @expose
  validate_aid(aid: string): string | null {
    const agent = typeof aid === "string" ? this.#agents.get(aid) : undefined;
    return agent === undefined ? null : agent.constructor.name;
  }

  /** The container's URL, e.g. `"tcp://127.0.0.1:5555"`; agents append `/<id>`. */
  get url(): string {
    return this.#url;
  }

  /** The agents of this container by id, in creation order. */
  get agents(): ReadonlyMap<string, Agent> {
    return this.#agents;
  }

  /** How many connections other containers opened to this one. */
  get incomingConnections(): number {
    return this.#server?.clients.size ?? 0;
  }

  /** How many connections this container opened to others (one per peer container). */
  get outgoingConnections(): number {
    let open = 0;
    for (const peer of this.#peers.values()) if (peer.client !== undefined) open++;
    return open;
  }

  /** Whether {@linkcode Container.shutdown} was called. */
  get isShutdown(): boolean {
    return this.#shutdown !== undefined;
  }

  /**
   * Connects to the agent at `url` and returns a typed proxy of it. All
   * agents of one container are reached over one connection (normalised:
   * `localhost` and `127.0.0.1` share it); concurrent connects to one
   * container share one attempt. A failed attempt is forgotten, so the next
   * connect tries again, and a lost connection is replaced on the next call.
   *
   * @param url The agent's URL, e.g. `"tcp://127.0.0.1:5555/0"`.
   * @param options How long to keep trying; a signal to give up.
   * @returns The proxy, whose string form is `<Class>Proxy('<url>')`.
   * @throws {AgentUrlError} for a malformed URL.
   * @throws {ConnectError} when no connection could be opened (e.g. refused,
   *   and no `timeout` to retry in); its `cause` is the system's error.
   * @throws {TimeoutError} when `timeout` passed; its `cause` is the last
   *   failure (e.g. the refused dial).
   * @throws {AgentNotFoundError} when the container has no such agent.
   * @throws {ShutdownError} when this container is shut down.
   */
  async connect<T = unknown>(url: string, options: ConnectOptions = {}): Promise<AgentProxy<T>> {
    this.#checkOpen();
    if (this.#binding !== undefined && this.#options.network!.handles(url)) {
      return await this.#binding.connect<T>(url, options);
    }
    const target = parseAgentUrl(url);
    const timeout = options.timeout ?? 0;
    const name = await this.#call(
      this.#peer(target),
      target,
      timeout,
      "validate_aid",
      [target.aid],
      undefined,
      { signal: deadline(`connect to ${target.url}`, timeout, options.signal) },
    );
    if (typeof name !== "string") {
      throw new AgentNotFoundError(target.url, "its container's validate_aid answered null");
    }
    return this.#proxy<T>(target, name, timeout);
  }

  /**
   * Shuts the container down: stops child containers it started, stops
   * accepting connections and calls, gives the calls its agents are
   * answering the grace period `options.timeout` to finish (callers of the
   * rest get a `ShutdownError`), then stops its agents (their signals
   * abort, their sleeps and timers end, their tasks are awaited) and closes
   * the server, every incoming and outgoing connection and the container's
   * clock scope. Calling it again is harmless.
   *
   * @param options The grace period for the calls being answered.
   * @returns Resolves when everything is closed.
   *
   * @example A grace period lets a call finish
   * ```ts
   * import { strictEqual as assertEquals } from "node:assert/strict";
   * import { Agent, Container } from "@denomas/denomas/agent";
   * import { expose } from "@denomas/denomas/rpc";
   *
   * const started = Promise.withResolvers<void>();
   * class Worker extends Agent {
   *   @expose
   *   async work(): Promise<string> {
   *     started.resolve();
   *     await new Promise((resolve) => setTimeout(resolve, 20));
   *     return "done";
   *   }
   * }
   * await using caller = await Container.create("local://grace-caller");
   * const workers = await Container.create("local://grace-workers");
   * const worker = await caller.connect<Worker>(new Worker(workers).addr);
   * const result = worker.work();
   * await started.promise;
   * await workers.shutdown({ timeout: 5_000 });
   * assertEquals(await result, "done");
   * ```
   */
  shutdown(options?: ShutdownOptions): Promise<void> {
    this.#shutdown ??= this.#close(options?.timeout);
    return this.#shutdown;
  }

  /** Shuts the container down, see {@linkcode Container.shutdown}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /** E.g. `Container('tcp://127.0.0.1:5555')`. */
  toString(): string {
    return `Container('${this.url}')`;
  }

  /** Shows the container as {@linkcode Container.toString} does. */
  [INSPECT](): string {
    return this.toString();
  }

  async #close(timeout: number | undefined): Promise<void> {
    await Promise.allSettled([...this.#cleanups].map((cleanup) => cleanup()));
    this.#cleanups.clear();
    agentHosts.delete(this);
    containerHooks.delete(this);
    if (timeout !== undefined) {
      // Stop accepting; the calls being answered finish (or fail) while the
      // agents still run, on incoming and outgoing connections alike.
      await Promise.all([
        this.#server?.close({ timeout }),
        ...[...this.#peers.values()].map((peer) => peer.close({ timeout })),
      ]);
    }
    this.#stopped = true;
    const reason = new ShutdownError(`Container ${this.url} is shut down`);
    this.#scope.abort(reason);
    const stops = [...this.#agents.values()].map((agent) =>
      stopAgent?.(agent, reason) ?? agent.stop()
    );
    const peers = [...this.#peers.values()];
    this.#peers.clear();
    await Promise.all([
      this.#server?.close(),
      this.#binding?.close(),
      ...peers.map((peer) => peer.close()),
    ]);
    await Promise.all(stops);
  }

  #checkOpen(): void {
    if (this.#stopped) {
      throw new ShutdownError(`Container ${this.url} is shut down`);
    }
  }

  #register(agent: Agent): string {
    this.#checkOpen();
    const aid = String(this.#nextAid++);
    if (getRouter(agent) === undefined) new Router(agent);
    this.#agents.set(aid, agent);
    this.#agentsRouter.add(aid, agent);
    return aid;
  }

  #unregister(agent: Agent): void {
    if (this.#agents.get(agent.aid) !== agent) return;
    this.#agents.delete(agent.aid);
    this.#agentsRouter.remove(agent.aid);
  }

  #transportFor(endpoint: Endpoint): { transport?: Transport; tls?: TlsOptions } {
    if (endpoint.transport === "local") {
      return { transport: this.#options.localTransport ?? localTransport };
    }
    return endpoint.transport === "tcp" && this.#options.tls ? { tls: this.#options.tls } : {};
  }

  /** The connection to `target`'s container, made on first use. */
  #peer(target: AgentUrl): ReconnectingClient {
    let peer = this.#peers.get(target.base);
    if (peer === undefined) {
      const endpoint = target.endpoint;
      peer = new ReconnectingClient(
        endpoint.transport === "tcp"
          ? [endpoint.hostname, endpoint.port]
          : formatEndpoint(endpoint),
        {
          service: this,
          codec: this.codec,
          extraSerializers: this.#serializers,
          maxFrameSize: this.#options.maxFrameSize,
          onError: this.#options.onError,
          ...this.#transportFor(endpoint),
        },
      );
      this.#peers.set(target.base, peer);
    }
    return peer;
  }

  #proxy<T>(target: AgentUrl, className: string, timeout: number): AgentProxy<T> {
    const root = `agents/${target.aid}`;
    const text = `${className}Proxy('${target.url}')`;
    const peer = this.#peer(target);
    return makeRemote<T>({
      call: (path, args, kwargs, options) =>
        this.#call(peer, target, timeout, path, args, kwargs, options),
      describe: (path) =>
        path === root ? text : `${text}.${path.slice(root.length + 1).replaceAll("/", ".")}`,
    }, root);
  }

  /**
   * Calls `path` in `target`'s container. Without an open connection, it
   * dials first, retrying refused dials for `timeout` ms (or until the call's
   * own deadline).
   */
  async #call(
    peer: ReconnectingClient,
    target: AgentUrl,
    timeout: number,
    path: string,
    args: readonly unknown[],
    kwargs: Readonly<Record<string, unknown>> | undefined,
    options: CallOptions | undefined,
  ): Promise<unknown> {
    this.#checkOpen();
    try {
      const client = peer.client;
      if (client !== undefined) return await client.call(path, args, kwargs, options);
      // The call's own deadline covers the dial; without one, the proxy's timeout does.
      if (options?.timeout !== undefined || options?.signal !== undefined) {
        return await peer.call(path, args, kwargs, options);
      }
      return await (await peer.connect({ timeout })).call(path, args, kwargs, options);
    } catch (error) {
      if (this.#scope.signal.aborted) throw this.#scope.signal.reason;
      if (error instanceof RemoteException && error.exceptionType === "LookupError") {
        throw await this.#lookupFailure(peer, target, error);
      }
      throw error;
    }
  }

  /**
   * A `LookupError` from the peer: an {@linkcode AgentNotFoundError} when the
   * agent itself is gone (its container's `validate_aid` says so), else the
   * error as it is (e.g. the agent has no such method).
   */
  async #lookupFailure(
    peer: ReconnectingClient,
    target: AgentUrl,
    error: RemoteException,
  ): Promise<Error> {
    try {
      if (await peer.call("validate_aid", [target.aid]) !== null) return error;
    } catch {
      return error;
    }
    return new AgentNotFoundError(target.url, "it was stopped or never existed", { cause: error });
  }
}

/** The endpoint as agents' URLs show it: a wildcard host becomes this machine's name. */
function publicEndpoint(endpoint: Endpoint): Endpoint {
  if (endpoint.transport !== "tcp") return endpoint;
  const host = endpoint.hostname;
  if (host === "0.0.0.0" || host === "::" || host === "") {
    return { ...endpoint, hostname: Deno.hostname().toLowerCase() };
  }
  if (host.toLowerCase() === "localhost") return { ...endpoint, hostname: "127.0.0.1" };
  return endpoint;
}

/** Options of {@linkcode Agent.runTask}. */
export interface TaskOptions {
  /**
   * The task's name in error reports.
   *
   * @default {the function's name, else `"anonymous"`}
   */
  readonly name?: string;
}

/** Options of {@linkcode Agent.every}. */
export interface EveryOptions extends TaskOptions {
  /** Stops the periodic task (as stopping the agent does). */
  readonly signal?: AbortSignal;
}

/**
 * The base class of agents. Subclass it, expose methods with `@expose` (and
 * sub-services with `@expose` on fields), and create instances with
 * `new MyAgent(container, ...)`: the constructor registers the agent with its
 * container, which gives it the next id (`"0"`, `"1"`, … in creation order)
 * and makes its exposed methods callable at `agents/<id>/<method>`.
 *
 * Passing an agent as an argument or result of a remote call sends a proxy
 * of it, so the receiver can call it back over the same connection.
 *
 * @example Two agents in one container
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { Agent, Container } from "@denomas/denomas/agent";
 * import { expose } from "@denomas/denomas/rpc";
 *
 * class Callee extends Agent {
 *   @expose
 *   spam(times: number): string {
 *     return "spam".repeat(times);
 *   }
 * }
 *
 * class Caller extends Agent {
 *   async run(calleeAddr: string): Promise<string> {
 *     const callee = await this.container.connect<Callee>(calleeAddr);
 *     return await callee.spam(3);
 *   }
 * }
 *
 * await using container = await Container.create(["127.0.0.1", 0]);
 * const callee = new Callee(container);
 * const caller = new Caller(container);
 * assertEquals(callee.aid, "0");
 * assertEquals(String(caller), `Caller('${container.url}/1')`);
 * assertEquals(await caller.run(callee.addr), "spamspamspam");
 * ```
 */
export class Agent {
  /** The container the agent lives in. */
  readonly container: Container;
  /** The agent's id within its container: `"0"`, `"1"`, … */
  readonly aid: string;
  /** The agent's URL, e.g. `"tcp://127.0.0.1:5555/0"`. */
  readonly addr: string;
  // The scope, clock and task set are made on first use: most agents of a
  // big population never sleep, so creating one stays cheap.
  #scope: AbortController | undefined;
  #clock: ScopedClock | undefined;
  #tasks: Set<Promise<unknown>> | undefined;
  #stopReason: Error | undefined;
  #stopping: Promise<void> | undefined;

  static {
    stopAgent = (agent, reason) => agent.#stop(reason);
  }

  /**
   * Registers the agent with `container`.
   *
   * @param container The container to live in.
   * @throws {ShutdownError} when the container is shut down.
   */
  constructor(container: Container) {
    const host = agentHosts.get(container);
    if (host === undefined) {
      throw new ShutdownError(`Cannot add an agent: container ${container.url} is shut down`);
    }
    this.container = container;
    this.aid = host.register(this);
    this.addr = `${container.url}/${this.aid}`;
  }

  /**
   * The container's clock, scoped to this agent: its sleeps and timers end
   * when the agent stops or the container shuts down.
   */
  get clock(): ScopedClock {
    return this.#clock ??= new ScopedClock(this.container.clock.base, this.signal);
  }

  /** Aborts when the agent stops or its container shuts down. */
  get signal(): AbortSignal {
    if (this.#scope === undefined) {
      this.#scope = new AbortController();
      if (this.#stopReason !== undefined) this.#scope.abort(this.#stopReason);
    }
    return this.#scope.signal;
  }

  /** Whether the agent was stopped (or its container shut down). */
  get stopped(): boolean {
    return this.#stopReason !== undefined;
  }

  /**
   * Runs `task(signal)` as a task of this agent. {@linkcode Agent.stop} and
   * the container's shutdown abort `signal` and wait for the task to end; a
   * task that ends by rejecting with the abort reason counts as stopped, and
   * the returned promise then resolves to `undefined`.
   *
   * A task that fails is reported to the container's `onError` hook as an
   * {@linkcode AgentTaskError} naming the container, the agent and the task
   * (so a task nobody awaits is not lost); the returned promise rejects
   * with the task's own error too.
   *
   * @param task The task; it should pass `signal` on (to sleeps and calls).
   * @param options The task's name for error reports.
   * @returns The task's result.
   * @throws {ShutdownError} (rejects) when the agent is stopped already.
   *
   * @example A failed background task is reported
   * ```ts
   * import { ok as assert } from "node:assert/strict";
   * import { Agent, AgentTaskError, Container } from "@denomas/denomas/agent";
   *
   * const reported = Promise.withResolvers<Error>();
   * await using container = await Container.create("local://tasks", { onError: reported.resolve });
   * const agent = new Agent(container);
   * agent.runTask(async function poll() {
   *   throw new Error("sensor offline");
   * });
   * const error = await reported.promise;
   * assert(error instanceof AgentTaskError && error.task === "poll");
   * assert(error.message.includes("sensor offline"));
   * ```
   */
  runTask<T>(
    task: (signal: AbortSignal) => Promise<T>,
    options: TaskOptions = {},
  ): Promise<T | undefined> {
    const signal = this.signal;
    if (signal.aborted) return Promise.reject(signal.reason);
    const run = (async () => {
      try {
        return await task(signal);
      } catch (error) {
        if (signal.aborted && error === signal.reason) return undefined;
        this.#reportTask(options.name ?? taskName(task), error);
        throw error;
      }
    })();
    const tracked = run.then(() => {}, () => {});
    const tasks = this.#tasks ??= new Set();
    tasks.add(tracked);
    tracked.then(() => tasks.delete(tracked));
    return run;
  }

  /**
   * Runs `fn(signal)` every `interval` seconds of the agent's clock (real
   * or simulated time, e.g. an `ExternalClock`), the first time one interval
   * from now, as a task of this agent (see {@linkcode Agent.runTask}).
   *
   * Runs never overlap: the next one waits for the current one to end. The
   * schedule stays on the grid `now + k × interval`; ticks missed by a run
   * that took longer than `interval` are skipped (no burst of catch-up
   * runs), and the next run is at the first tick not yet past. A run that
   * fails is reported to the container's `onError` hook as an
   * {@linkcode AgentTaskError}, and the schedule goes on.
   *
   * @param interval Seconds of clock time between runs; more than 0.
   * @param fn The work; it gets a signal that aborts when the task stops.
   * @param options A signal that stops the task, and the task's name for
   *   error reports.
   * @returns Resolves once the task stopped: when `options.signal` aborts,
   *   the agent stops or its container shuts down.
   * @throws {RangeError} (rejects) when `interval` is not a positive number.
   * @throws {ShutdownError} (rejects) when the agent is stopped already.
   *
   * @example Ticks in simulated time
   * ```ts
   * import { strictEqual as assertEquals } from "node:assert/strict";
   * import { Agent, Container } from "@denomas/denomas/agent";
   * import { ExternalClock } from "@denomas/denomas/clocks";
   *
   * const clock = new ExternalClock("2026-01-01T00:00:00Z");
   * await using container = await Container.create("local://every", { clock });
   * const agent = new Agent(container);
   * const seen: number[] = [];
   * const done = agent.every(10, () => void seen.push(clock.time()));
   * for (const t of [10, 20, 30]) {
   *   clock.setTime(t);
   *   await new Promise((resolve) => setTimeout(resolve, 0));
   * }
   * await agent.stop();
   * await done;
   * assertEquals(seen.join(), "10,20,30");
   * ```
   */
  every(
    interval: number,
    fn: (signal: AbortSignal) => unknown,
    options: EveryOptions = {},
  ): Promise<void> {
    if (typeof interval !== "number" || !(interval > 0) || interval === Infinity) {
      return Promise.reject(
        new RangeError(`every() needs an interval of more than 0 seconds, got ${String(interval)}`),
      );
    }
    const name = options.name ?? taskName(fn);
    return this.runTask(async (agentSignal) => {
      const signal = options.signal === undefined
        ? agentSignal
        : AbortSignal.any([agentSignal, options.signal]);
      const clock = this.clock;
      const start = clock.time();
      let tick = 1;
      while (!signal.aborted) {
        try {
          await clock.sleepUntil(start + tick * interval, undefined, { signal });
        } catch (error) {
          if (signal.aborted) return;
          throw error;
        }
        try {
          await fn(signal);
        } catch (error) {
          if (signal.aborted && error === signal.reason) return;
          this.#reportTask(name, error);
        }
        // The next tick of the grid that has not passed yet; never the same one again.
        tick = Math.max(tick + 1, Math.ceil((clock.time() - start) / interval));
      }
    }, { name });
  }

  /** Reports a failed task to the container's `onError` hook. */
  #reportTask(name: string, error: unknown): void {
    report(
      containerErrors.get(this.container) ?? logError,
      new AgentTaskError(this.container.url, String(this), name, { cause: error }),
    );
  }

  /**
   * Stops the agent: removes it from its container (later calls to it fail
   * with "not found"), aborts {@linkcode Agent.signal}, ends its sleeps and
   * timers, and waits for the tasks started with {@linkcode Agent.runTask}.
   * Calling it again is harmless.
   */
  stop(): Promise<void> {
    return this.#stop(new ShutdownError(`Agent ${this} was stopped`));
  }

  #stop(reason: Error): Promise<void> {
    this.#stopping ??= (async () => {
      agentHosts.get(this.container)?.unregister(this);
      this.#stopReason = reason;
      this.#scope?.abort(reason);
      const tasks = this.#tasks;
      while (tasks !== undefined && tasks.size > 0) await Promise.all([...tasks]);
    })();
    return this.#stopping;
  }

  /** E.g. `Caller('tcp://127.0.0.1:5555/1')`. */
  toString(): string {
    return `${this.constructor.name}('${this.addr}')`;
  }

  /** Shows the agent as {@linkcode Agent.toString} does. */
  [INSPECT](): string {
    return this.toString();
  }
}

/** A task's name for reports: its function's name (without "bound "), else "anonymous". */
function taskName(fn: { readonly name: string }): string {
  return fn.name.replace(/^bound /, "") || "anonymous";
}
