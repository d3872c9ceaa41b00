/**
 * Agent URLs: `tcp://host:port/id`, `tcp://[::1]:port/id`,
 * `ipc://[socket path]/id` and `local://queue/id`: a channel address (see
 * `parseAddress`) followed by the agent id.
 *
 * @module
 */

import type { Endpoint } from "../channel/transport.ts";
import { DenomasError } from "../errors.ts";
import { formatHostPort, scanAddress } from "../channel/address.ts";

/** A parsed, normalised agent URL. */
export interface AgentUrl {
  /** The whole URL in normal form, e.g. `"tcp://127.0.0.1:5555/0"`. */
  readonly url: string;
  /**
   * The container part in normal form, e.g. `"tcp://127.0.0.1:5555"`. Two
   * URLs with the same `base` reach the same container over one connection.
   */
  readonly base: string;
  /** The agent id, e.g. `"0"`: everything after the `/` that follows the host part. */
  readonly aid: string;
  /** Where the container listens. */
  readonly endpoint: Endpoint;
}

/**
 * An agent URL could not be parsed.
 *
 * @example
 * ```ts
 * import { throws as assertThrows } from "node:assert/strict";
 * import { AgentUrlError, parseAgentUrl } from "@denomas/denomas/agent";
 *
 * assertThrows(() => parseAgentUrl("tcp://x"), AgentUrlError);
 * assertThrows(() => parseAgentUrl("tcp://x"), /Cannot parse agent URL "tcp:\/\/x": missing port/);
 * ```
 */
export class AgentUrlError extends DenomasError {
  /** The URL as given. */
  readonly url: string;

  /**
   * Makes the error for `url`.
   *
   * @param url The URL as given.
   * @param reason What is wrong with it.
   * @param options The underlying cause, if any.
   */
  constructor(url: string, reason: string, options?: ErrorOptions) {
    super(`Cannot parse agent URL ${JSON.stringify(url)}: ${reason}`, options);
    this.url = url;
  }
}

/**
 * Parses and normalises an agent URL. Host names are lower-cased,
 * `localhost` becomes `127.0.0.1` and IPv6 addresses take their short form,
 * so that every spelling of one container shares one connection.
 *
 * @param url `tcp://host:port/id`, `tcp://[v6]:port/id`, `ipc://[path]/id` or
 *   `local://queue/id`.
 * @returns The parts, in normal form.
 * @throws {AgentUrlError} naming what is missing or malformed.
 *
 * @example Normal forms
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { parseAgentUrl } from "@denomas/denomas/agent";
 *
 * const a = parseAgentUrl("tcp://localhost:5555/0");
 * assertEquals(a.url, "tcp://127.0.0.1:5555/0");
 * assertEquals(a.aid, "0");
 * assertEquals(parseAgentUrl("tcp://[0:0::1]:80/7").base, "tcp://[::1]:80");
 * assertEquals(parseAgentUrl("ipc://[/tmp/a.sock]/2").endpoint.transport, "unix");
 * assertEquals(parseAgentUrl("local://sim/3").base, "local://sim");
 * ```
 */
export function parseAgentUrl(url: string): AgentUrl {
  if (typeof url !== "string") {
    throw new AgentUrlError(String(url), "expected a string");
  }
  const scan = scanAddress(url, true);
  if ("problem" in scan) throw new AgentUrlError(url, scan.problem);
  let endpoint = scan.endpoint;
  if (endpoint.transport === "tcp") {
    endpoint = { ...endpoint, hostname: normalizeHost(url, endpoint.hostname) };
  }
  const tail = scan.rest;
  if (!tail.startsWith("/") || tail.length === 1) {
    if (tail !== "" && !tail.startsWith("/")) {
      throw new AgentUrlError(url, `unexpected ${JSON.stringify(tail)} after the address`);
    }
    throw new AgentUrlError(url, "missing agent id");
  }
  const aid = tail.slice(1);
  const base = formatContainerUrl(endpoint);
  return { url: `${base}/${aid}`, base, aid, endpoint };
}

/**
 * Formats the URL of a container, or of one of its agents when `aid` is
 * given.
 *
 * @param endpoint Where the container listens.
 * @param aid An agent id.
 * @returns E.g. `"tcp://127.0.0.1:5555"`, `"tcp://[::1]:5555/0"`,
 *   `"ipc://[/tmp/a.sock]/1"` or `"local://sim/2"`.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { formatContainerUrl } from "@denomas/denomas/agent";
 *
 * assertEquals(formatContainerUrl({ transport: "tcp", hostname: "::1", port: 5555 }, "0"), "tcp://[::1]:5555/0");
 * assertEquals(formatContainerUrl({ transport: "unix", path: "/tmp/a.sock" }), "ipc://[/tmp/a.sock]");
 * ```
 */
export function formatContainerUrl(endpoint: Endpoint, aid?: string): string {
  let base: string;
  switch (endpoint.transport) {
    case "tcp":
      base = `tcp://${formatHostPort(endpoint.hostname, endpoint.port)}`;
      break;
    case "unix":
      base = `ipc://[${endpoint.path}]`;
      break;
    case "local":
      base = `local://${endpoint.name}`;
      break;
  }
  return aid === undefined ? base : `${base}/${aid}`;
}

/**
 * The normal form of a host: lower case, `localhost` as `127.0.0.1`, IPv4
 * and IPv6 addresses in their canonical text.
 */
function normalizeHost(url: string, host: string): string {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === "localhost") return "127.0.0.1";
  let parsed: string;
  try {
    parsed = new URL(`http://${bare.includes(":") ? `[${bare}]` : bare}/`).hostname;
  } catch (error) {
    throw new AgentUrlError(url, `invalid host "${host}"`, { cause: error });
  }
  return parsed.startsWith("[") ? parsed.slice(1, -1) : parsed;
}
