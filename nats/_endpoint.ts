/**
 * Internal: one party on NATS. It serves a router under a name (a queue
 * group, so replicas share the calls) and under its own instance subject
 * (for the callbacks and proxies it passes out), and makes calls as NATS
 * requests whose replies come back to its instance subject.
 *
 * Messages: a request is the codec's `[path, args, kwargs]`, a reply the
 * codec's `[1, result]` or `[2, error text]` (the aiomas message types; NATS
 * replaces the request id). A message that carries proxy tags names its
 * sender's instance subject in the `Denomas-From` header, so the receiver
 * can call the passed objects back.
 *
 * @module
 */

import {
  headers as natsHeaders,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  nuid,
  type Subscription,
} from "@nats-io/transport-node";
import {
  ConnectionResetError,
  formatRemoteTraceback,
  ProtocolError,
  RemoteException,
} from "../channel/errors.ts";
import { EXCEPTION, RESULT } from "../channel/_message.ts";
import { type Codec, type CodecClass, CodecError } from "../codecs/codec.ts";
import type { Serializer } from "../codecs/serializers.ts";
import { ConnectError } from "../agent/errors.ts";
import { DenomasError, type ErrorHandler, TimeoutError } from "../errors.ts";
import { abortable } from "../internal/async.ts";
import { describeValue } from "../internal/inspect.ts";
import {
  describeRemote,
  makeProxy,
  proxyAt,
  proxyState,
  type RemoteTarget,
} from "../rpc/_proxy.ts";
import type { CallOptions } from "../rpc/remote.ts";
import { dispatchRequest, ForwardTable, isThenable, named, pathBelow } from "../rpc/_forward.ts";
import { getRouter, MAX_PATH_LENGTH, type Router } from "../rpc/router.ts";

/** The header naming the sender's instance subject of a message with proxy tags. */
export const FROM_HEADER = "Denomas-From";

/** How many replies a party holds while no NATS server is reachable. */
const MAX_HELD_REPLIES = 10_000;

/** How long leaving may wait for the server (drain and flush), in milliseconds. */
const LEAVE_TIMEOUT = 2_000;

const NO_KWARGS: Readonly<Record<string, unknown>> = Object.freeze({});

/** Options of {@linkcode NatsEndpoint}. */
export interface EndpointOptions {
  /** The codec class of every message. */
  readonly codec: CodecClass;
  /** Serializers before the proxy serializer, in type id order. */
  readonly serializers: readonly Serializer[];
  /** The root service calls reach. */
  readonly router: Router;
  /** The subject prefix, e.g. `"denomas"`. */
  readonly prefix: string;
  /** What is noticed but cannot be thrown to a caller. */
  readonly onError: ErrorHandler;
  /** How errors name this party, e.g. `"nats://alpha"`. */
  readonly label: string;
  /** The timeout of calls that set none. */
  readonly callTimeout?: number;
}

interface PendingCall {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly origin: string;
  readonly cleanup: () => void;
}

/** The subject calls to the name `name` go to. */
export function nameSubject(prefix: string, name: string): string {
  return `${prefix}.svc.${name}`;
}

/** See the module documentation. */
export class NatsEndpoint {
  readonly nc: NatsConnection;
  /** The subject this party alone answers. */
  readonly instance: string;
  readonly #options: EndpointOptions;
  readonly #codec: Codec;
  readonly #pending = new Map<number, PendingCall>();
  readonly #subscriptions: Subscription[] = [];
  readonly #fromHeaders: MsgHdrs;
  /** The root proxies of the peers that passed proxies, held weakly (peers come and go). */
  readonly #peers = new Map<string, WeakRef<object>>();
  readonly #collected = new FinalizationRegistry<string>((from) => {
    if (this.#peers.get(from)?.deref() === undefined) this.#peers.delete(from);
  });
  /** Replies finished while no server was reachable, sent when one is again. */
  #held: [subject: string, data: Uint8Array, headers: MsgHdrs | undefined][] = [];
  readonly #forwarded = new ForwardTable();
  #nextId = 0;
  #connected = true;
  #closed: Error | undefined;
  #closing: Promise<void> | undefined;
  /** The reply subjects of the requests being served. */
  readonly #serving = new Set<string>();
  /** The sender of the message being decoded, for the proxies in it. */
  #decodingFrom: string | undefined;
  /** Whether the message being encoded holds a proxy tag. */
  #encodedProxy = false;
  readonly #watching: Promise<void>;

  constructor(nc: NatsConnection, options: EndpointOptions) {
    this.nc = nc;
    this.#options = options;
    this.instance = `${options.prefix}.inst.${nuid.next()}`;
    this.#fromHeaders = natsHeaders();
    this.#fromHeaders.set(FROM_HEADER, this.instance);
    this.#codec = new options.codec([...options.serializers]);
    this.#codec.serializers.setFallback({
      test: (value) => proxyState(value) !== undefined || getRouter(value) !== undefined,
      serialize: (value) => {
        this.#encodedProxy = true;
        return this.#pathOf(value);
      },
      deserialize: (data) => this.#proxyFor(data),
    });
    this.#subscribe(this.instance, undefined, (msg) => this.#onRequest(msg));
    this.#subscribe(`${this.instance}.*`, undefined, (msg) => this.#onReply(msg));
    this.#watching = this.#watch();
  }

  /** Serves calls to `name`, shared with every other party serving it (a queue group). */
  serve(name: string): void {
    this.#subscribe(nameSubject(this.#options.prefix, name), name, (msg) => this.#onRequest(msg));
  }

  /** Whether the NATS connection is up (calls fail at once while it is not). */
  get connected(): boolean {
    return this.#connected && this.#closed === undefined;
  }

  /**
   * Sends the request `[path, args, kwargs]` to `subject` and resolves to
   * the reply. `origin` names the callee in errors.
   */
  call(
    subject: string,
    origin: string,
    path: string,
    args: unknown[],
    kwargs: Readonly<Record<string, unknown>> | undefined,
    options: CallOptions | undefined,
  ): Promise<unknown> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    if (!this.#connected) {
      return Promise.reject(
        new ConnectionResetError(origin, "is down: no NATS server is reachable"),
      );
    }
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    let data: Uint8Array;
    this.#encodedProxy = false;
    try {
      data = this.#checkSize(this.#codec.encode([path, args, kwargs ?? NO_KWARGS]), origin);
    } catch (error) {
      return Promise.reject(error);
    }
    const withProxy = this.#encodedProxy;
    const id = ++this.#nextId;
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    const timeout = options?.timeout ?? this.#options.callTimeout;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => this.#settle(id)?.reject(signal!.reason);
    if (timeout !== undefined && timeout > 0 && timeout !== Infinity) {
      timer = setTimeout(
        () => this.#settle(id)?.reject(new TimeoutError(`call ${path} on ${origin}`, timeout)),
        timeout,
      );
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#pending.set(id, {
      resolve,
      reject,
      origin,
      cleanup: () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      },
    });
    try {
      this.nc.publish(subject, data, {
        reply: `${this.instance}.${id}`,
        headers: withProxy ? this.#fromHeaders : undefined,
      });
    } catch (error) {
      this.#settle(id)?.reject(
        new ConnectionResetError(origin, `could not be sent to: ${describeError(error)}`, {
          cause: error,
        }),
      );
    }
    return promise;
  }

  /** A proxy target that calls `subject`, described as `origin`. */
  target(subject: string, origin: string, describe?: (path: string) => string): RemoteTarget {
    return {
      call: (path, args, kwargs, options) =>
        this.call(subject, origin, path, args, kwargs, options),
      describe: describe ?? ((path) => describeRemote(path, origin)),
    };
  }

  /**
   * Leaves: drains the subscriptions (NATS routes no more requests here, and
   * those already received are served), answers the requests still being
   * served with `reason` as an EXCEPTION reply (so no caller waits for a
   * reply that cannot come), fails this side's pending calls with `reason`,
   * and closes the NATS connection after a flush.
   */
  close(reason: Error): Promise<void> {
    this.#closing ??= this.#leave(reason);
    return this.#closing;
  }

  async #leave(reason: Error): Promise<void> {
    const bound = AbortSignal.timeout(LEAVE_TIMEOUT);
    if (this.connected) {
      await abortable(
        Promise.all(this.#subscriptions.map((subscription) => subscription.drain())),
        bound,
      ).catch(() => {});
    }
    if (this.#closed === undefined) {
      for (const reply of this.#serving) {
        this.#answer(reply, EXCEPTION, formatRemoteTraceback(reason));
      }
    }
    this.#serving.clear();
    this.#held = [];
    this.#closed ??= reason;
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(reason);
    this.#peers.clear();
    if (this.#connected) await abortable(this.nc.flush(), bound).catch(() => {});
    await this.nc.close().catch(() => {});
    await this.#watching;
  }

  #subscribe(subject: string, queue: string | undefined, handle: (msg: Msg) => void): void {
    this.#subscriptions.push(this.nc.subscribe(subject, {
      queue,
      callback: (error, msg) => {
        if (error !== null) {
          this.#options.onError(error);
          return;
        }
        handle(msg);
      },
    }));
  }

  /** Follows the connection: a lost server fails the pending calls (they are never sent again). */
  async #watch(): Promise<void> {
    const closed = this.nc.closed().then((error) => {
      this.#connected = false;
      this.#closed ??= new ConnectionResetError(
        this.#options.label,
        `is closed: ${error ? describeError(error) : "the NATS connection was closed"}`,
        { cause: error },
      );
      for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(this.#closed);
    });
    for await (const status of this.nc.status()) {
      if (status.type === "disconnect") {
        this.#connected = false;
        for (const [id, call] of [...this.#pending]) {
          this.#settle(id)?.reject(
            new ConnectionResetError(call.origin, `lost: the NATS server ${status.server} is gone`),
          );
        }
      } else if (status.type === "reconnect") {
        this.#connected = true;
        const held = this.#held;
        this.#held = [];
        for (const [subject, data, headers] of held) this.#publish(subject, data, headers);
      } else if (status.type === "error") {
        this.#options.onError(status.error);
      }
    }
    await closed;
  }

  #settle(id: number): PendingCall | undefined {
    const call = this.#pending.get(id);
    if (call === undefined) return undefined;
    this.#pending.delete(id);
    call.cleanup();
    return call;
  }

  #onReply(msg: Msg): void {
    const id = Number(msg.subject.slice(this.instance.length + 1));
    const call = this.#settle(id);
    if (call === undefined) {
      this.#options.onError(
        new DenomasError(
          `A reply to call ${id} of ${this.#options.label} came after the call ended`,
        ),
      );
      return;
    }
    if (msg.headers?.code === 503) {
      call.reject(new ConnectError(call.origin, "nothing on NATS serves it (no responders)"));
      return;
    }
    let reply: unknown;
    try {
      reply = this.#decode(msg);
    } catch (error) {
      call.reject(error);
      return;
    }
    if (!Array.isArray(reply) || reply.length !== 2) {
      call.reject(
        new ProtocolError(`A reply must be [type, content], got ${describeValue(reply)}`),
      );
    } else if (reply[0] === RESULT) {
      call.resolve(reply[1]);
    } else if (reply[0] === EXCEPTION && typeof reply[1] === "string") {
      call.reject(new RemoteException(call.origin, reply[1]));
    } else {
      call.reject(new ProtocolError(`A reply of unknown type ${describeValue(reply[0])}`));
    }
  }

  #decode(msg: Msg): unknown {
    this.#decodingFrom = msg.headers?.get(FROM_HEADER) || undefined;
    try {
      return this.#codec.decode(msg.data);
    } finally {
      this.#decodingFrom = undefined;
    }
  }

  #onRequest(msg: Msg): void {
    const reply = msg.reply;
    if (!reply) {
      this.#options.onError(
        new ProtocolError(`A message to ${msg.subject} has no reply subject; dropped`),
      );
      return;
    }
    let content: unknown;
    try {
      content = this.#decode(msg);
    } catch (error) {
      this.#options.onError(
        new ProtocolError(`An undecodable request to ${this.#options.label}`, { cause: error }),
      );
      this.#answer(reply, EXCEPTION, formatRemoteTraceback(error));
      return;
    }
    let result: unknown;
    try {
      result = dispatchRequest(content, this.#options.router, this.#forwarded);
    } catch (error) {
      this.#answer(reply, EXCEPTION, formatRemoteTraceback(named(error)));
      return;
    }
    if (isThenable(result)) {
      this.#serving.add(reply);
      Promise.resolve(result).then(
        (value) => this.#serving.delete(reply) && this.#answer(reply, RESULT, value),
        (error) =>
          this.#serving.delete(reply) &&
          this.#answer(reply, EXCEPTION, formatRemoteTraceback(named(error))),
      );
    } else {
      this.#answer(reply, RESULT, result);
    }
  }

  #answer(reply: string, type: typeof RESULT | typeof EXCEPTION, content: unknown): boolean {
    if (this.#closed !== undefined) return false;
    let data: Uint8Array;
    this.#encodedProxy = false;
    try {
      data = this.#checkSize(this.#codec.encode([type, content]), "the caller");
    } catch (error) {
      this.#encodedProxy = false;
      const text = formatRemoteTraceback(error);
      data = this.#codec.encode([
        EXCEPTION,
        text.slice(text.lastIndexOf("\n", text.length - 2) + 1),
      ]);
    }
    const headers = this.#encodedProxy ? this.#fromHeaders : undefined;
    if (this.#connected) return this.#publish(reply, data, headers);
    // The NATS client drops what is queued when it reconnects: hold the reply until then.
    if (this.#held.length >= MAX_HELD_REPLIES) {
      this.#options.onError(
        new ConnectionResetError(
          this.#options.label,
          `is down and holds ${MAX_HELD_REPLIES} replies already: a reply was dropped`,
        ),
      );
      return false;
    }
    this.#held.push([reply, data, headers]);
    return true;
  }

  #publish(subject: string, data: Uint8Array, headers: MsgHdrs | undefined): boolean {
    try {
      this.nc.publish(subject, data, headers === undefined ? undefined : { headers });
      return true;
    } catch (error) {
      this.#options.onError(
        new ConnectionResetError(this.#options.label, "could not send a reply", { cause: error }),
      );
      return false;
    }
  }

  /** `data`, when the NATS server takes a message of its size. */
  #checkSize(data: Uint8Array, to: string): Uint8Array {
    const limit = this.nc.info?.max_payload;
    if (limit !== undefined && data.length > limit) {
      throw new ProtocolError(
        `A message of ${data.length} bytes to ${to} exceeds the NATS server's limit of ` +
          `${limit} bytes (max_payload)`,
      );
    }
    return data;
  }

  /** The path a passed object is sent as: below the root service, or a forwarded id. */
  #pathOf(value: object): string {
    const router = getRouter(value);
    const path = router !== undefined ? pathBelow(router, this.#options.router) : undefined;
    if (path !== undefined) return path;
    return this.#forwarded.pathOf(value);
  }

  /** The proxy a received tag stands for: the sender's object at that path. */
  #proxyFor(data: unknown): object {
    if (typeof data !== "string") {
      throw new CodecError(`A proxy tag holds a path string, got ${typeof data}`);
    }
    if (data.length > MAX_PATH_LENGTH) {
      throw new CodecError(`A proxy path of ${data.length} characters is too long`);
    }
    const from = this.#decodingFrom;
    if (from === undefined || !from.startsWith(`${this.#options.prefix}.inst.`)) {
      throw new CodecError(`A proxy tag in a message without a valid ${FROM_HEADER} header`);
    }
    let root = this.#peers.get(from)?.deref();
    if (root === undefined) {
      root = makeProxy(this.target(from, `nats:${from}`), "");
      this.#peers.set(from, new WeakRef(root));
      this.#collected.register(root, from);
    }
    return proxyAt(root, data);
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
