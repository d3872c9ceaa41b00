/**
 * The seam for networks other than the channel layer's: a container given a
 * {@linkcode ContainerNetwork} serves its agents through it (e.g. on a NATS
 * cluster, see `@denomas/denomas/nats`) and reaches the agents whose URLs
 * the network handles through it too.
 *
 * @module
 */

import type { CodecClass } from "../codecs/codec.ts";
import type { Serializer } from "../codecs/serializers.ts";
import type { ErrorHandler } from "../errors.ts";
import type { Remote } from "../rpc/remote.ts";

/** What a container tells its network when it starts serving. */
export interface NetworkSetup {
  /** The root service: the container (`validate_aid`, sub-service `agents`). */
  readonly service: object;
  /** The container's codec class. */
  readonly codec: CodecClass;
  /** The date serializer and the extra serializers, in type id order (the proxy serializer comes last). */
  readonly serializers: readonly Serializer[];
  /** Aborts when the container shuts down. */
  readonly signal: AbortSignal;
  /** The container's error hook, for what the network notices but cannot throw. */
  readonly onError?: ErrorHandler;
}

/** Options of {@linkcode NetworkBinding.connect}, as the container's `connect` takes them. */
export interface NetworkConnectOptions {
  /** How long to keep trying, in milliseconds; `0` tries once. */
  readonly timeout?: number;
  /** Gives up: the promise rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/** A container's place on a network, from {@linkcode ContainerNetwork.listen}. */
export interface NetworkBinding {
  /** The container's URL on the network; its agents' URLs are `<url>/<id>`. */
  readonly url: string;
  /**
   * Connects to the agent at `url` (one the network handles) and returns a
   * typed proxy of it.
   */
  connect<T>(url: string, options: NetworkConnectOptions): Promise<Remote<T>>;
  /** Stops serving and releases the network's resources. */
  close(): Promise<void>;
}

/**
 * A network a container can live on instead of a channel-layer server. It
 * handles the container addresses and agent URLs of its own scheme; the
 * container still reaches other URLs (`tcp://`, …) over the channel layer.
 */
export interface ContainerNetwork {
  /** Whether `url` (a container address or agent URL) belongs to this network. */
  handles(url: string): boolean;
  /** Starts serving the container at `address` (one this network handles). */
  listen(address: string, setup: NetworkSetup): Promise<NetworkBinding>;
}
