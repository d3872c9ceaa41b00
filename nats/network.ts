/**
 * Containers on NATS: {@linkcode natsNetwork} is the `network` option of
 * `Container.create` for `nats://<name>` addresses.
 *
 * @module
 */

import { AgentNotFoundError, ConnectError, ShutdownError } from "../agent/errors.ts";
import type { ContainerNetwork, NetworkBinding, NetworkSetup } from "../agent/network.ts";
import type { NetworkConnectOptions } from "../agent/network.ts";
import { RemoteException } from "../channel/errors.ts";
import { deadline, retry } from "../internal/async.ts";
import { makeRemote, type RemoteTarget } from "../rpc/proxy.ts";
import type { Remote } from "../rpc/remote.ts";
import { getRouter } from "../rpc/router.ts";
import { isNatsUrl, parseNatsAddress, parseNatsAgentUrl } from "./address.ts";
import { nameSubject, NatsEndpoint } from "./_endpoint.ts";
import { DEFAULT_PREFIX, errorHandler, type NatsOptions, openNats } from "./options.ts";

/**
 * The network of containers on a NATS cluster. Each container made with it
 * opens its own NATS connection, serves its agents under its name (a NATS
 * queue group: containers of one name are replicas sharing the calls) and
 * reaches `nats://<name>/<id>` agents by NATS requests. Other URLs
 * (`tcp://`, …) are still reached over the channel layer.
 *
 * @param options The NATS servers and client options.
 * @returns The `network` option of `Container.create`.
 *
 * @example Two containers on one NATS server
 * ```ts ignore
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { Agent, Container } from "@denomas/denomas/agent";
 * import { natsNetwork } from "@denomas/denomas/nats";
 * import { expose } from "@denomas/denomas/rpc";
 *
 * class Echo extends Agent {
 *   @expose
 *   echo(text: string): string {
 *     return `${this.aid} says ${text}`;
 *   }
 * }
 *
 * const network = natsNetwork({ servers: "127.0.0.1:4222" });
 * await using a = await Container.create("nats://alpha", { network });
 * await using b = await Container.create("nats://beta", { network });
 * const echo = new Echo(b);
 * assertEquals(echo.addr, "nats://beta/0");
 * const proxy = await a.connect<Echo>(echo.addr, { timeout: 1000 });
 * assertEquals(await proxy.echo("hi"), "0 says hi");
 * ```
 */
export function natsNetwork(options: NatsOptions): ContainerNetwork {
  return {
    handles: isNatsUrl,
    listen: (address, setup) => listen(address, setup, options),
  };
}

async function listen(
  address: string,
  setup: NetworkSetup,
  options: NatsOptions,
): Promise<NetworkBinding> {
  const name = parseNatsAddress(address);
  const url = `nats://${name}`;
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  setup.signal.throwIfAborted();
  const nc = await openNats(options);
  const endpoint = new NatsEndpoint(nc, {
    codec: setup.codec,
    serializers: setup.serializers,
    router: getRouter(setup.service)!,
    prefix,
    onError: errorHandler(options, setup.onError),
    label: url,
    callTimeout: options.callTimeout,
  });
  endpoint.serve(name);
  // The subscription is known to the server (and the cluster) before agents are announced.
  await nc.flush();
  return {
    url,
    connect: <T>(target: string, connectOptions: NetworkConnectOptions) =>
      connectAgent<T>(endpoint, prefix, target, connectOptions, setup.signal),
    close: () =>
      endpoint.close(
        setup.signal.reason instanceof Error
          ? setup.signal.reason
          : new ShutdownError(`Container ${url} is shut down`),
      ),
  };
}

async function connectAgent<T>(
  endpoint: NatsEndpoint,
  prefix: string,
  url: string,
  options: NetworkConnectOptions,
  scope: AbortSignal,
): Promise<Remote<T>> {
  const target = parseNatsAgentUrl(url);
  const subject = nameSubject(prefix, target.name);
  const timeout = options.timeout ?? 0;
  const signal = deadline(
    `connect to ${target.url}`,
    timeout,
    options.signal ? AbortSignal.any([options.signal, scope]) : scope,
  )!;
  // No responders yet (the container is starting) is retried until the deadline.
  const name = await retry(
    () =>
      endpoint.call(subject, target.base, "validate_aid", [target.aid], undefined, {
        signal,
      }),
    {
      signal,
      isRetriable: (error) => timeout > 0 && error instanceof ConnectError,
    },
  );
  if (typeof name !== "string") {
    throw new AgentNotFoundError(target.url, "its container's validate_aid answered null");
  }
  const root = `agents/${target.aid}`;
  const text = `${name}Proxy('${target.url}')`;
  const base = endpoint.target(
    subject,
    target.base,
    (path) => path === root ? text : `${text}.${path.slice(root.length + 1).replaceAll("/", ".")}`,
  );
  const callTarget: RemoteTarget = {
    describe: base.describe,
    call: async (path, args, kwargs, callOptions) => {
      try {
        return await base.call(path, args, kwargs, callOptions);
      } catch (error) {
        if (error instanceof RemoteException && error.exceptionType === "LookupError") {
          throw await lookupFailure(error);
        }
        throw error;
      }
    },
  };
  /** An AgentNotFoundError when the agent is gone (`validate_aid` says so), else `error`. */
  const lookupFailure = async (error: RemoteException): Promise<Error> => {
    try {
      const found = await endpoint.call(
        subject,
        target.base,
        "validate_aid",
        [target.aid],
        undefined,
        undefined,
      );
      if (found !== null) return error;
    } catch {
      return error;
    }
    return new AgentNotFoundError(target.url, "it was stopped or never existed", { cause: error });
  };
  return makeRemote<T>(callTarget, root);
}
