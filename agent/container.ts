/**
 * The agent container: the shared server, the connections and the clock of
 * a group of agents.
 *
 * @module
 */

import { formatEndpoint } from "../channel/address.ts";
import { RemoteException } from "../channel/errors.ts";
import type { TlsOptions } from "../channel/tls.ts";
import type { Endpoint, Transport } from "../channel/transport.ts";
import type { CodecClass } from "../codecs/codec.ts";
import { dateSerializer } from "../codecs/date.ts";
import { Json } from "../codecs/json.ts";
import type { Serializer } from "../codecs/serializers.ts";
import type { Clock } from "../clocks/clock.ts";
import { RealtimeClock } from "../clocks/realtime.ts";
import { ScopedClock } from "../clocks/scoped.ts";
import type { RpcClient } from "../rpc/client.ts";
import { openConnection } from "../rpc/connect.ts";
import { expose } from "../rpc/expose.ts";
import { makeProxy, type ProxyTarget } from "../rpc/proxy.ts";
import type { CallOptions, Remote } from "../rpc/remote.ts";
import { getRouter, Router } from "../rpc/router.ts";
import { type RpcServer, startServer } from "../rpc/server.ts";
import {
  type AgentUrl,
  type ContainerAddress,
  formatContainerUrl,
  parseAgentUrl,
  parseContainerAddress,
} from "./address.ts";
import type { Agent } from "./agent.ts";
import { AgentNotFoundError, ConnectError, ShutdownError } from "./errors.ts";
import { localTransport } from "./local_transport.ts";
import type { ContainerNetwork, NetworkBinding } from "./network.ts";
import { agentInternals, containerHooks } from "./_internal.ts";

/** The first pause before a failed connection attempt is repeated, in milliseconds. */
export const CONNECT_RETRY_MIN_DELAY = 10;
/** The longest pause between connection attempts, in milliseconds. */
export const CONNECT_RETRY_MAX_DELAY = 1_000;

const INSPECT = Symbol.for("Deno.customInspect");

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
   * Another network to live on (e.g. `natsNetwork` of
   * `@denomas/denomas/nats`): an address it handles makes the container
   * serve through it, and agent URLs it handles are reached through it.
   */
  readonly network?: ContainerNetwork;
}

/** Options of {@linkcode Container.connect}. */
export interface ConnectOptions {
  /**
   * How long to keep trying, in milliseconds: a refused connection (no
   * container there yet) is retried with backoff until then, and the whole
   * connect (with `validate_aid`) must finish in that time. Proxies use it
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
  readonly #connections = new Map<string, Promise<RpcClient>>();
  /** The open connections among #connections, for the synchronous fast path of calls. */
  readonly #ready = new Map<string, RpcClient>();
  readonly #outgoing = new Set<RpcClient>();
  readonly #cleanups = new Set<() => Promise<void>>();
  #server: RpcServer | undefined;
  #binding: NetworkBinding | undefined;
  #url = "";
  #nextAid = 0;
  #shutdown: Promise<void> | undefined;

  private constructor(options: ContainerOptions, scope: AbortController) {
    this.codec = options.codec ?? Json;
    this.#options = options;
    this.#scope = scope;
    this.#serializers = [dateSerializer, ...(options.extraSerializers ?? [])];
    this.clock = new ScopedClock(options.clock ?? new RealtimeClock(), scope.signal);
    getRouter(this)!.add("agents", this.#agentsRouter.obj);
    containerHooks.set(this, {
      register: (agent) => this.#register(agent),
      unregister: (agent) => this.#unregister(agent),
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
  static async create(addr: ContainerAddress, options: ContainerOptions = {}): Promise<Container> {
    if (typeof addr === "string" && options.network?.handles(addr)) {
      return await Container.#createOn(options.network, addr, options);
    }
    const endpoint = parseContainerAddress(addr);
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
          ...container.#transportFor(endpoint),
        },
      );
      container.#server = server;
      container.#url = formatContainerUrl(publicEndpoint(server.endpoint));
    } catch (error) {
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
      });
      container.#url = container.#binding.url;
    } catch (error) {
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
    return this.#outgoing.size;
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
   * @throws {ConnectError} when no connection could be opened in time.
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
    const deadline = performance.now() + timeout;
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#scope.signal])
      : this.#scope.signal;
    const client = await this.#connection(target, timeout, signal);
    const left = deadline - performance.now();
    let name: unknown;
    try {
      name = await client.call("validate_aid", [target.aid], undefined, {
        signal,
        timeout: timeout > 0 ? Math.max(left, 1) : undefined,
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === "TimeoutError") {
        throw new ConnectError(target.base, `no answer to validate_aid within ${timeout} ms`, {
          cause: error,
        });
      }
      throw error;
    }
    if (typeof name !== "string") {
      throw new AgentNotFoundError(target.url, "its container's validate_aid answered null");
    }
    return this.#proxy<T>(target, name, timeout);
  }

  /**
   * Shuts the container down: stops child containers it started, stops its
   * agents (their signals abort, their sleeps and timers end, their tasks
   * are awaited), closes the server, every incoming and outgoing connection
   * and the container's clock scope. Calling it again is harmless.
   *
   * @returns Resolves when everything is closed.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#close();
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

  async #close(): Promise<void> {
    await Promise.allSettled([...this.#cleanups].map((cleanup) => cleanup()));
    this.#cleanups.clear();
    containerHooks.delete(this);
    const reason = new ShutdownError(`Container ${this.url} is shut down`);
    this.#scope.abort(reason);
    const stops = [...this.#agents.values()].map((agent) =>
      agentInternals.stop?.(agent, reason) ?? agent.stop()
    );
    const attempts = [...this.#connections.values()];
    this.#connections.clear();
    this.#ready.clear();
    await Promise.all([
      this.#server?.close(),
      this.#binding?.close(),
      ...[...this.#outgoing].map((client) => client.close()),
      ...attempts.map((attempt) => attempt.then((client) => client.close(), () => {})),
    ]);
    await Promise.all(stops);
  }

  #checkOpen(): void {
    if (this.#shutdown !== undefined) {
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

  /** The connection to `target`'s container: the open one, a running attempt, or a new one. */
  async #connection(target: AgentUrl, timeout: number, signal: AbortSignal): Promise<RpcClient> {
    const deadline = performance.now() + timeout;
    let delay = CONNECT_RETRY_MIN_DELAY;
    for (;;) {
      signal.throwIfAborted();
      let attempt = this.#connections.get(target.base);
      if (attempt === undefined) {
        attempt = this.#open(target, deadline);
        this.#connections.set(target.base, attempt);
        const started = attempt;
        // A failed attempt is forgotten: it must not poison the address.
        started.catch(() => {
          if (this.#connections.get(target.base) === started) {
            this.#connections.delete(target.base);
          }
        });
      }
      try {
        const left = deadline - performance.now();
        return await abortable(attempt, signal, timeout > 0 ? Math.max(left, 0) : undefined);
      } catch (error) {
        signal.throwIfAborted();
        if (error === TIMED_OUT) {
          throw new ConnectError(target.base, `no connection within ${timeout} ms`);
        }
        const left = deadline - performance.now();
        // Another caller's attempt may have had less time: retry within ours.
        if (!isRetryable(error) || left <= 0) {
          throw error instanceof ConnectError ? error : new ConnectError(
            target.base,
            describeError(error),
            { cause: error },
          );
        }
        await sleep(Math.min(delay, left), signal);
        delay = Math.min(delay * 2, CONNECT_RETRY_MAX_DELAY);
      }
    }
  }

  async #open(target: AgentUrl, deadline: number): Promise<RpcClient> {
    const endpoint = target.endpoint;
    const timeout = Math.max(0, deadline - performance.now());
    // A connect that hangs (no answer at all) is given up at the deadline too.
    const expiry = new AbortController();
    const timer = timeout > 0
      ? setTimeout(() => expiry.abort(new Deno.errors.TimedOut("no answer")), timeout)
      : undefined;
    let client: RpcClient;
    try {
      client = await openConnection(
        endpoint.transport === "tcp"
          ? [endpoint.hostname, endpoint.port]
          : formatEndpoint(endpoint),
        {
          service: this,
          codec: this.codec,
          extraSerializers: this.#serializers,
          maxFrameSize: this.#options.maxFrameSize,
          timeout,
          signal: timer === undefined
            ? this.#scope.signal
            : AbortSignal.any([this.#scope.signal, expiry.signal]),
          ...this.#transportFor(endpoint),
        },
      );
    } catch (error) {
      if (this.#scope.signal.aborted) throw error;
      const reason = timeout > 0
        ? `no connection within ${Math.round(timeout)} ms: ${describeError(error)}`
        : describeError(error);
      throw new ConnectError(target.base, reason, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    if (this.#scope.signal.aborted) {
      await client.close();
      throw this.#scope.signal.reason;
    }
    this.#outgoing.add(client);
    this.#ready.set(target.base, client);
    const attempt = this.#connections.get(target.base);
    client.closed.then(() => {
      this.#outgoing.delete(client);
      if (this.#ready.get(target.base) === client) this.#ready.delete(target.base);
      // A lost connection is replaced on the next call or connect.
      if (attempt !== undefined && this.#connections.get(target.base) === attempt) {
        this.#connections.delete(target.base);
      }
    });
    return client;
  }

  #proxy<T>(target: AgentUrl, className: string, timeout: number): AgentProxy<T> {
    const root = `agents/${target.aid}`;
    const text = `${className}Proxy('${target.url}')`;
    const callTarget: ProxyTarget = {
      peerAddress: target.base,
      call: (path, args, kwargs, options) =>
        this.#call(target, timeout, path, args, kwargs, options),
      describe: (path) =>
        path === root ? text : `${text}.${path.slice(root.length + 1).replaceAll("/", ".")}`,
    };
    return makeProxy(callTarget, root) as AgentProxy<T>;
  }

  async #call(
    target: AgentUrl,
    timeout: number,
    path: string,
    args: unknown[],
    kwargs: Readonly<Record<string, unknown>> | undefined,
    options: CallOptions | undefined,
  ): Promise<unknown> {
    this.#checkOpen();
    // Fast path: an open connection needs no waiting, so no abortable wrapper.
    let client = this.#ready.get(target.base);
    if (client === undefined) {
      const signal = options?.signal
        ? AbortSignal.any([options.signal, this.#scope.signal])
        : this.#scope.signal;
      client = await this.#connection(target, timeout, signal);
    }
    try {
      return await client.call(path, args, kwargs, options);
    } catch (error) {
      if (error instanceof RemoteException && isMissingAgent(error, target.aid)) {
        throw new AgentNotFoundError(target.url, "it was stopped or never existed", {
          cause: error,
        });
      }
      throw error;
    }
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

function isMissingAgent(error: RemoteException, aid: string): boolean {
  const last = error.remoteTraceback.trimEnd().split("\n").at(-1) ?? "";
  return last === `LookupError: Name ${JSON.stringify(aid)} not found in "agents"`;
}

function isRetryable(error: unknown): boolean {
  const cause = error instanceof ConnectError ? error.cause : error;
  return cause instanceof Deno.errors.ConnectionRefused ||
    cause instanceof Deno.errors.NotFound ||
    cause instanceof Deno.errors.ConnectionReset;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why {@linkcode abortable} gave up waiting. */
const TIMED_OUT = Symbol("timed out");

/** Waits for `promise`, giving up when `signal` aborts or after `ms` milliseconds. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal, ms?: number): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    const timer = ms === undefined ? undefined : setTimeout(() => reject(TIMED_OUT), ms);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    });
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
