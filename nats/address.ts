/**
 * NATS agent URLs: `nats://<name>/<id>`, where `<name>` is the name a
 * container (or a group of replicas) serves under.
 *
 * @module
 */

import { AgentUrlError } from "../agent/address.ts";

/** A parsed, normalised `nats://` agent URL. */
export interface NatsAgentUrl {
  /** The whole URL in normal form, e.g. `"nats://plant.north/0"`. */
  readonly url: string;
  /** The container part, e.g. `"nats://plant.north"`. */
  readonly base: string;
  /** The name the container serves under, e.g. `"plant.north"`. */
  readonly name: string;
  /** The agent id, e.g. `"0"`. */
  readonly aid: string;
}

/** One token of a name: letters, digits, `_` and `-`. */
const TOKEN = /^[A-Za-z0-9_-]+$/;

/**
 * Checks a container name: one or more tokens of letters, digits, `_` and
 * `-`, separated by dots (the name becomes part of NATS subjects, so
 * wildcards, spaces and empty tokens are refused).
 *
 * @param name The name, e.g. `"plant.north"`.
 * @returns `name`, unchanged.
 * @throws {TypeError} naming what is wrong.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * import { checkNatsName } from "@denomas/denomas/nats";
 *
 * assertEquals(checkNatsName("plant.north"), "plant.north");
 * assertThrows(() => checkNatsName("a.*"), TypeError);
 * ```
 */
export function checkNatsName(name: string): string {
  if (typeof name !== "string" || name === "") {
    throw new TypeError("A NATS container name must be a non-empty string");
  }
  for (const token of name.split(".")) {
    if (!TOKEN.test(token)) {
      throw new TypeError(
        `The NATS container name ${
          JSON.stringify(name)
        } must be dot-separated tokens of letters, digits, "_" and "-"`,
      );
    }
  }
  return name;
}

/**
 * Parses and normalises a `nats://<name>/<id>` agent URL: the scheme is
 * lower-cased; names keep their case (NATS subjects are case-sensitive).
 *
 * @param url The agent URL.
 * @returns Its parts.
 * @throws {AgentUrlError} naming what is missing or malformed.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * import { AgentUrlError } from "@denomas/denomas/agent";
 * import { parseNatsAgentUrl } from "@denomas/denomas/nats";
 *
 * const target = parseNatsAgentUrl("NATS://plant.north/3");
 * assertEquals(target.url, "nats://plant.north/3");
 * assertEquals(target.name, "plant.north");
 * assertEquals(target.aid, "3");
 * assertThrows(() => parseNatsAgentUrl("nats://plant"), AgentUrlError);
 * ```
 */
export function parseNatsAgentUrl(url: string): NatsAgentUrl {
  const { name, rest } = splitNatsUrl(url);
  if (rest === "" || rest === "/") throw new AgentUrlError(url, "missing agent id");
  const aid = rest.slice(1);
  const base = `nats://${name}`;
  return { url: `${base}/${aid}`, base, name, aid };
}

/**
 * Parses the address a NATS container serves at: `nats://<name>`.
 *
 * @param address The address.
 * @returns The name.
 * @throws {AgentUrlError} when it is malformed or has a path.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { parseNatsAddress } from "@denomas/denomas/nats";
 *
 * assertEquals(parseNatsAddress("nats://plant.north"), "plant.north");
 * ```
 */
export function parseNatsAddress(address: string): string {
  const { name, rest } = splitNatsUrl(address);
  if (rest !== "") {
    throw new AgentUrlError(address, "a container address has no agent id: use nats://<name>");
  }
  return name;
}

/**
 * Whether `url` has the `nats://` scheme (in any case).
 *
 * @param url Any URL.
 * @returns `true` for `nats://…`.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { isNatsUrl } from "@denomas/denomas/nats";
 *
 * assertEquals(isNatsUrl("nats://a/0"), true);
 * assertEquals(isNatsUrl("tcp://127.0.0.1:5555/0"), false);
 * ```
 */
export function isNatsUrl(url: string): boolean {
  return typeof url === "string" && /^nats:\/\//i.test(url);
}

function splitNatsUrl(url: string): { name: string; rest: string } {
  if (typeof url !== "string") throw new AgentUrlError(String(url), "expected a string");
  if (!isNatsUrl(url)) throw new AgentUrlError(url, "expected the nats:// scheme");
  const body = url.slice("nats://".length);
  const slash = body.indexOf("/");
  const name = slash < 0 ? body : body.slice(0, slash);
  if (name === "") throw new AgentUrlError(url, "missing container name");
  try {
    checkNatsName(name);
  } catch (error) {
    throw new AgentUrlError(url, (error as Error).message, { cause: error });
  }
  return { name, rest: slash < 0 ? "" : body.slice(slash) };
}
