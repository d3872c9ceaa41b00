/**
 * Plain RPC over NATS: a service under a name ({@linkcode serveNats}) and a
 * client that calls it ({@linkcode connectNats}).
 *
 * @module
 */

import type { CodecClass } from "../codecs/codec.ts";
import { Json } from "../codecs/json.ts";
import type { Serializer } from "../codecs/serializers.ts";
import { ConnectionResetError } from "../channel/errors.ts";
import { makeRemote } from "../rpc/proxy.ts";
import type { CallOptions, Remote } from "../rpc/remote.ts";
import { Router } from "../rpc/router.ts";
import { serviceRouter } from "../rpc/_service.ts";
import { rejectArgs } from "../rpc/_proxy.ts";
import { checkNatsName } from "./address.ts";
import { nameSubject, NatsEndpoint } from "./_endpoint.ts";
import { DEFAULT_PREFIX, errorHandler, type NatsOptions, openNats } from "./options.ts";

/** Options of {@linkcode serveNats} and {@linkcode connectNats}. */
export interface NatsRpcOptions extends NatsOptions {
  /**
   * The codec class; both sides must use the same one.
   *
   * @default {Json}
   */
  readonly codec?: CodecClass;
  /** Serializers for more types, before the proxy serializer; both sides register the same ones. */
  readonly extraSerializers?: readonly Serializer[];
}

/** A service or client on NATS: closes with `close()` or `await using`. */
export interface NatsParty extends AsyncDisposable {
  /** Whether the NATS connection is up; calls fail at once while it is not. */
  readonly connected: boolean;
  /** Stops serving, fails pending calls and closes the NATS connection. Idempotent. */
  close(): Promise<void>;
}

/** A service served on NATS under a name, from {@linkcode serveNats}. */
export interface NatsRpcServer extends NatsParty {
  /** The name, e.g. `"calc"`. */
  readonly name: string;
}

/** A client of a NATS service, from {@linkcode connectNats}. */
export interface NatsRpcClient<T = unknown> extends NatsParty {
  /** The service's name. */
  readonly name: string;
  /** The service's typed proxy. */
  readonly remote: Remote<T>;
  /**
   * Calls a method by path, with optional keyword arguments and options.
   *
   * @param path E.g. `"sub/mul"`.
   * @param args Positional arguments.
   * @param kwargs Keyword arguments.
   * @param options A timeout or an abort signal.
   * @returns The reply.
   */
  call(
    path: string,
    args?: readonly unknown[],
    kwargs?: Readonly<Record<string, unknown>>,
    options?: CallOptions,
  ): Promise<unknown>;
}

/**
 * Serves `service` on NATS under `name`. Several servers of one name form a
 * queue group: each call goes to one of them.
 *
 * @param name The service's name (dot-separated tokens).
 * @param service An object with a router (`@expose`, `serviceDict`) or a plain object of functions.
 * @param options The NATS servers, codec, serializers.
 * @returns The server, once NATS knows its subscription.
 *
 * @example A service and a client
 * ```ts ignore
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { connectNats, serveNats } from "@denomas/denomas/nats";
 * import { expose } from "@denomas/denomas/rpc";
 *
 * const service = { add: expose((a: number, b: number) => a + b) };
 * await using _server = await serveNats("calc", service, { servers: "127.0.0.1:4222" });
 * await using client = await connectNats<typeof service>("calc", { servers: "127.0.0.1:4222" });
 * assertEquals(await client.remote.add(1, 2), 3);
 * ```
 */
export async function serveNats(
  name: string,
  service: object,
  options: NatsRpcOptions,
): Promise<NatsRpcServer> {
  checkNatsName(name);
  const router = serviceRouter(service);
  const party = await open(router, `nats://${name}`, options);
  party.endpoint.serve(name);
  await party.endpoint.nc.flush();
  return Object.assign(party.api, { name });
}

/**
 * Connects to the service `name` on NATS. Calls are NATS requests: there is
 * no connection to the service itself, so this does not wait for it; a call
 * while nothing serves `name` fails with a `ConnectError`.
 *
 * @param name The service's name.
 * @param options The NATS servers, codec, serializers; `service` for callbacks by path.
 * @returns The client.
 *
 * @example Kwargs, per-call options and a callback
 * ```ts ignore
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { connectNats, serveNats } from "@denomas/denomas/nats";
 * import { expose } from "@denomas/denomas/rpc";
 *
 * class Greeter {
 *   @expose
 *   async greet(who: { name(): Promise<string> }, punct = "!"): Promise<string> {
 *     return `hello ${await who.name()}${punct}`;
 *   }
 * }
 * class Me {
 *   @expose
 *   name(): string {
 *     return "ada";
 *   }
 * }
 * const servers = "127.0.0.1:4222";
 * await using _server = await serveNats("greeter", new Greeter(), { servers });
 * await using client = await connectNats("greeter", { servers });
 * assertEquals(await client.call("greet", [new Me()], { punct: "?" }, { timeout: 1000 }), "hello ada?");
 * ```
 */
export async function connectNats<T = unknown>(
  name: string,
  options: NatsRpcOptions & { readonly service?: object },
): Promise<NatsRpcClient<T>> {
  checkNatsName(name);
  const router = options.service === undefined ? new Router({}) : serviceRouter(options.service);
  const base = `nats://${name}`;
  const party = await open(router, base, options);
  const target = party.endpoint.target(nameSubject(options.prefix ?? DEFAULT_PREFIX, name), base);
  return Object.assign(party.api, {
    name,
    remote: makeRemote<T>(target, ""),
    call: (
      path: string,
      args: readonly unknown[] = [],
      kwargs?: Readonly<Record<string, unknown>>,
      callOptions?: CallOptions,
    ) =>
      Array.isArray(args) ? target.call(path, args.slice(), kwargs, callOptions) : rejectArgs(args),
  });
}

async function open(
  router: Router,
  label: string,
  options: NatsRpcOptions,
): Promise<{ endpoint: NatsEndpoint; api: NatsParty }> {
  const nc = await openNats(options);
  const endpoint = new NatsEndpoint(nc, {
    codec: options.codec ?? Json,
    serializers: options.extraSerializers ?? [],
    router,
    prefix: options.prefix ?? DEFAULT_PREFIX,
    onError: errorHandler(options),
    label,
    callTimeout: options.callTimeout,
  });
  const close = () => endpoint.close(new ConnectionResetError(label, "is closed by this side"));
  return {
    endpoint,
    api: {
      get connected() {
        return endpoint.connected;
      },
      close,
      [Symbol.asyncDispose]: close,
    },
  };
}
