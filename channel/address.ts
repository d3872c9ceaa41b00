/**
 * Addresses: the one grammar of the places denomas listens at and connects
 * to, and the {@linkcode Endpoint}s transports use. Agent URLs
 * (`tcp://host:port/id`) are an address followed by an agent id.
 *
 * @module
 */

import { DenomasError } from "../errors.ts";
import { preview } from "../internal/inspect.ts";
import type { Endpoint } from "./transport.ts";

/**
 * Where a server listens or a client connects:
 * - `[host, port]`, e.g. `["127.0.0.1", 5555]` (port `0` asks for a free port);
 * - `"host:port"` or `"tcp://host:port"` (IPv6 hosts in brackets: `"[::1]:5555"`);
 * - a Unix socket path, `"/tmp/agents.sock"`, `"unix:///tmp/agents.sock"`,
 *   `"ipc:///tmp/agents.sock"` or `"ipc://[/tmp/agents.sock]"`;
 * - `"local://name"` for in-process transports (needs an explicit `transport`).
 */
export type Address = readonly [host: string, port: number] | string;

/** The highest TCP port number. */
const MAX_PORT = 65535;

const HOST_PORT = /^(\[[^\]]+\]|[^:/\[\]\s]+):(\d+)$/;
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** An address could not be parsed. */
export class AddressError extends DenomasError {
  /**
   * Makes the error for a malformed address.
   *
   * @param address The address as given.
   * @param reason What is wrong with it.
   */
  constructor(address: unknown, reason: string) {
    super(`Cannot parse address ${preview(address)}: ${reason}`);
  }
}

/**
 * Parses an address into an endpoint.
 *
 * @param address The address as a user writes it.
 * @returns The endpoint.
 * @throws {AddressError} when the address is malformed.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { parseAddress } from "@denomas/denomas/channel";
 *
 * assertEquals(parseAddress(["127.0.0.1", 0]), { transport: "tcp", hostname: "127.0.0.1", port: 0 });
 * assertEquals(parseAddress("tcp://[::1]:5555"), { transport: "tcp", hostname: "::1", port: 5555 });
 * assertEquals(parseAddress("/tmp/a.sock"), { transport: "unix", path: "/tmp/a.sock" });
 * assertEquals(parseAddress("unix:///tmp/a.sock"), { transport: "unix", path: "/tmp/a.sock" });
 * assertEquals(parseAddress("ipc://[/tmp/a.sock]"), { transport: "unix", path: "/tmp/a.sock" });
 * assertEquals(parseAddress("local://sim"), { transport: "local", name: "sim" });
 * ```
 */
export function parseAddress(address: Address): Endpoint {
  if (Array.isArray(address)) {
    const [host, port] = address as readonly [unknown, unknown];
    if (address.length !== 2 || typeof host !== "string" || host === "") {
      throw new AddressError(address, "expected [host, port]");
    }
    if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > MAX_PORT) {
      throw new AddressError(address, `port ${preview(port)} is not an integer in 0..${MAX_PORT}`);
    }
    return { transport: "tcp", hostname: unbracket(host), port };
  }
  if (typeof address !== "string") {
    throw new AddressError(address, "expected a string or [host, port]");
  }
  if (address === "") throw new AddressError(address, "it is empty");
  if (!SCHEME.test(address)) {
    if (!HOST_PORT.test(address)) return { transport: "unix", path: address };
    address = `tcp://${address}`;
  }
  const scan = scanAddress(address, false);
  if ("problem" in scan) throw new AddressError(address, scan.problem);
  if (scan.rest !== "" && scan.rest !== "/") {
    throw new AddressError(address, `unexpected ${JSON.stringify(scan.rest)} after the address`);
  }
  return scan.endpoint;
}

/** An address read from the start of a text, or what is wrong with it. */
export type AddressScan = { readonly endpoint: Endpoint; readonly rest: string } | {
  readonly problem: string;
};

/**
 * Reads the address at the start of `text` (which has a scheme) and returns
 * it with the rest of the text. In a URL (`url`: the rest is a path, as in an
 * agent URL) a socket path must be in brackets, `ipc://[path]/…`, and the
 * port is at least 1; an address alone may also be `unix://path` or
 * `ipc://path`.
 */
export function scanAddress(text: string, url: boolean): AddressScan {
  const schemes = url ? "tcp://, ipc:// or local://" : "tcp://, unix://, ipc:// or local://";
  const scheme = SCHEME.exec(text);
  if (!scheme) return { problem: `missing scheme (expected ${schemes})` };
  const rest = text.slice(scheme[0].length);
  switch (scheme[1].toLowerCase()) {
    case "tcp":
      return scanHostPort(rest, url ? 1 : 0);
    case "ipc":
      if (rest.startsWith("[")) {
        const close = rest.lastIndexOf("]");
        if (close < 0) return { problem: 'missing "]" after the socket path' };
        const path = rest.slice(1, close);
        if (path === "") return { problem: "missing socket path" };
        return { endpoint: { transport: "unix", path }, rest: rest.slice(close + 1) };
      }
      if (url) return { problem: "put the socket path in brackets: ipc://[/path/to.sock]/id" };
      // falls through: without brackets the whole rest is the path.
    case "unix":
      if (url) break;
      if (rest === "") return { problem: "missing socket path" };
      return { endpoint: { transport: "unix", path: rest }, rest: "" };
    case "local": {
      const slash = rest.indexOf("/");
      const name = slash < 0 ? rest : rest.slice(0, slash);
      if (name === "") return { problem: "missing queue name" };
      return { endpoint: { transport: "local", name }, rest: slash < 0 ? "" : rest.slice(slash) };
    }
  }
  return { problem: `unknown scheme "${scheme[1]}" (expected ${schemes})` };
}

function scanHostPort(text: string, minPort: number): AddressScan {
  let host: string;
  let afterHost: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) return { problem: 'missing "]" after the IPv6 address' };
    host = text.slice(0, close + 1);
    afterHost = text.slice(close + 1);
    if (!host.includes(":")) return { problem: `"${host}" is not an IPv6 address` };
  } else {
    const end = text.search(/[:/]/);
    host = end < 0 ? text : text.slice(0, end);
    afterHost = end < 0 ? "" : text.slice(end);
    if (/[\s\[\]]/.test(host)) return { problem: `invalid host ${JSON.stringify(host)}` };
  }
  if (host === "" || host === "[]") return { problem: "missing host" };
  const slash = afterHost.indexOf("/");
  const portText = slash < 0 ? afterHost.slice(1) : afterHost.slice(1, slash);
  if (!afterHost.startsWith(":") || portText === "") {
    return { problem: "missing port (expected host:port)" };
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < minPort || port > MAX_PORT) {
    return {
      problem: `port ${JSON.stringify(portText)} is not an integer in ${minPort}..${MAX_PORT}`,
    };
  }
  return {
    endpoint: { transport: "tcp", hostname: unbracket(host), port },
    rest: slash < 0 ? "" : afterHost.slice(slash),
  };
}

/**
 * Formats an endpoint as text: `"host:port"` (IPv6 in brackets), a socket
 * path, or `"local://name"`.
 *
 * @param endpoint The endpoint.
 * @returns Its text form, which {@linkcode parseAddress} reads back.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { formatEndpoint } from "@denomas/denomas/channel";
 *
 * assertEquals(formatEndpoint({ transport: "tcp", hostname: "::1", port: 80 }), "[::1]:80");
 * ```
 */
export function formatEndpoint(endpoint: Endpoint): string {
  switch (endpoint.transport) {
    case "tcp":
      return formatHostPort(endpoint.hostname, endpoint.port);
    case "unix":
      return endpoint.path;
    case "local":
      return `local://${endpoint.name}`;
  }
}

/** Formats a host and port as `"host:port"`, with an IPv6 host in brackets. */
export function formatHostPort(hostname: string, port: number): string {
  return `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}
