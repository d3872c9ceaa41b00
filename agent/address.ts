/**
 * Agent URLs: `tcp://host:port/id`, `tcp://[::1]:port/id`,
 * `ipc://[socket path]/id` and `local://queue/id`.
 *
 * @module
 */

import type { Endpoint } from "../channel/transport.ts";
import { DenomasError } from "../errors.ts";
import { type Address, AddressError, parseAddress } from "../channel/address.ts";

/** The largest TCP port number. */
const MAX_PORT = 65535;

/**
 * Where a container listens: anything the channel layer accepts (`[host,
 * port]`, `"host:port"`, `"tcp://host:port"`, a Unix socket path,
 * `"unix:///path"`, `"local://queue"`), and also `"ipc://[path]"`. Port `0`
 * asks for a free port.
 */
export type ContainerAddress = Address;

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
 * An agent URL or container address could not be parsed.
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
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url);
  if (!scheme) {
    throw new AgentUrlError(url, "missing scheme (expected tcp://, ipc:// or local://)");
  }
  const rest = url.slice(scheme[0].length);
  let endpoint: Endpoint;
  let tail: string;
  switch (scheme[1].toLowerCase()) {
    case "tcp": {
      let host: string;
      let afterHost: string;
      if (rest.startsWith("[")) {
        const close = rest.indexOf("]");
        if (close < 0) throw new AgentUrlError(url, 'missing "]" after the IPv6 address');
        host = rest.slice(0, close + 1);
        afterHost = rest.slice(close + 1);
        if (!host.includes(":")) {
          throw new AgentUrlError(url, `"${host}" is not an IPv6 address`);
        }
      } else {
        const end = rest.search(/[:/]/);
        host = end < 0 ? rest : rest.slice(0, end);
        afterHost = end < 0 ? "" : rest.slice(end);
      }
      if (host === "" || host === "[]") throw new AgentUrlError(url, "missing host");
      if (!afterHost.startsWith(":")) throw new AgentUrlError(url, "missing port");
      const slash = afterHost.indexOf("/");
      const portText = slash < 0 ? afterHost.slice(1) : afterHost.slice(1, slash);
      if (portText === "") throw new AgentUrlError(url, "missing port");
      const port = Number(portText);
      if (!/^\d+$/.test(portText) || port < 1 || port > MAX_PORT) {
        throw new AgentUrlError(url, `port "${portText}" is not an integer in 1..${MAX_PORT}`);
      }
      endpoint = { transport: "tcp", hostname: normalizeHost(url, host), port };
      tail = slash < 0 ? "" : afterHost.slice(slash);
      break;
    }
    case "ipc": {
      if (!rest.startsWith("[")) {
        throw new AgentUrlError(url, "put the socket path in brackets: ipc://[/path/to.sock]/id");
      }
      const close = rest.lastIndexOf("]");
      if (close < 0) throw new AgentUrlError(url, 'missing "]" after the socket path');
      const path = rest.slice(1, close);
      if (path === "") throw new AgentUrlError(url, "missing socket path");
      endpoint = { transport: "unix", path };
      tail = rest.slice(close + 1);
      break;
    }
    case "local": {
      const slash = rest.indexOf("/");
      const name = slash < 0 ? rest : rest.slice(0, slash);
      if (name === "") throw new AgentUrlError(url, "missing queue name");
      endpoint = { transport: "local", name };
      tail = slash < 0 ? "" : rest.slice(slash);
      break;
    }
    default:
      throw new AgentUrlError(
        url,
        `unknown scheme "${scheme[1]}" (expected tcp://, ipc:// or local://)`,
      );
  }
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
    case "tcp": {
      const host = endpoint.hostname.includes(":") ? `[${endpoint.hostname}]` : endpoint.hostname;
      base = `tcp://${host}:${endpoint.port}`;
      break;
    }
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
 * Parses the address a container listens at.
 *
 * @param address See {@linkcode ContainerAddress}.
 * @returns The endpoint to listen at.
 * @throws {AddressError} when the address is malformed.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { parseContainerAddress } from "@denomas/denomas/agent";
 *
 * assertEquals(parseContainerAddress(["127.0.0.1", 0]), { transport: "tcp", hostname: "127.0.0.1", port: 0 });
 * assertEquals(parseContainerAddress("ipc://[/tmp/a.sock]"), { transport: "unix", path: "/tmp/a.sock" });
 * assertEquals(parseContainerAddress("local://sim"), { transport: "local", name: "sim" });
 * ```
 */
export function parseContainerAddress(address: ContainerAddress): Endpoint {
  if (typeof address === "string" && /^ipc:\/\//i.test(address)) {
    const rest = address.slice("ipc://".length);
    const path = rest.startsWith("[") && rest.endsWith("]") ? rest.slice(1, -1) : rest;
    if (path === "") throw new AddressError(address, "missing socket path");
    return { transport: "unix", path };
  }
  return parseAddress(address);
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
