/**
 * Addresses: the forms users write, and the {@linkcode Endpoint}s transports
 * use.
 *
 * @module
 */

import { DenomasError } from "../errors.ts";
import type { Endpoint } from "./transport.ts";

/**
 * Where a server listens or a client connects:
 * - `[host, port]`, e.g. `["127.0.0.1", 5555]` (port `0` asks for a free port);
 * - `"host:port"` or `"tcp://host:port"` (IPv6 hosts in brackets: `"[::1]:5555"`);
 * - a Unix socket path, `"/tmp/agents.sock"` or `"unix:///tmp/agents.sock"`;
 * - `"local://name"` for in-process transports (needs an explicit `transport`).
 */
export type Address = readonly [host: string, port: number] | string;

/** The highest TCP port number. */
export const MAX_PORT = 65535;

const HOST_PORT = /^(\[[^\]]+\]|[^:/\[\]\s]+):(\d+)$/;

/** An address could not be parsed. */
export class AddressError extends DenomasError {
  /**
   * Makes the error for a malformed address.
   *
   * @param address The address as given.
   * @param reason What is wrong with it.
   */
  constructor(address: unknown, reason: string) {
    super(`Cannot parse address ${describe(address)}: ${reason}`);
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
 * ```
 */
export function parseAddress(address: Address): Endpoint {
  if (Array.isArray(address)) {
    const [host, port] = address as readonly [unknown, unknown];
    if (address.length !== 2 || typeof host !== "string" || host === "") {
      throw new AddressError(address, "expected [host, port]");
    }
    return { transport: "tcp", hostname: unbracket(host), port: checkPort(address, port) };
  }
  if (typeof address !== "string") {
    throw new AddressError(address, "expected a string or [host, port]");
  }
  if (address === "") throw new AddressError(address, "it is empty");
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(address);
  if (scheme) {
    const rest = address.slice(scheme[0].length);
    switch (scheme[1].toLowerCase()) {
      case "tcp":
        return parseHostPort(address, rest.replace(/\/$/, ""));
      case "unix":
        if (rest === "") throw new AddressError(address, "missing socket path");
        return { transport: "unix", path: rest };
      case "local":
        if (rest === "") throw new AddressError(address, "missing name");
        return { transport: "local", name: rest };
      default:
        throw new AddressError(address, `unknown scheme "${scheme[1]}"`);
    }
  }
  if (HOST_PORT.test(address)) return parseHostPort(address, address);
  return { transport: "unix", path: address };
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
      return `${formatHost(endpoint.hostname)}:${endpoint.port}`;
    case "unix":
      return endpoint.path;
    case "local":
      return `local://${endpoint.name}`;
  }
}

/**
 * Formats a host and port as `"host:port"`, with an IPv6 host in brackets.
 *
 * @param hostname A host name or IP address.
 * @param port A port number.
 * @returns The text form.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { formatHostPort } from "@denomas/denomas/channel";
 *
 * assertEquals(formatHostPort("127.0.0.1", 5555), "127.0.0.1:5555");
 * ```
 */
export function formatHostPort(hostname: string, port: number): string {
  return `${formatHost(hostname)}:${port}`;
}

function formatHost(hostname: string): string {
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

function parseHostPort(address: string, text: string): Endpoint {
  const match = HOST_PORT.exec(text);
  if (!match) throw new AddressError(address, "expected host:port");
  return {
    transport: "tcp",
    hostname: unbracket(match[1]),
    port: checkPort(address, Number(match[2])),
  };
}

function checkPort(address: unknown, port: unknown): number {
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > MAX_PORT) {
    throw new AddressError(address, `port ${describe(port)} is not an integer in 0..${MAX_PORT}`);
  }
  return port;
}

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
