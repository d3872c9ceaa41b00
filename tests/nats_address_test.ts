import {
  deepStrictEqual as assertEquals,
  strictEqual,
  throws as assertThrows,
} from "node:assert/strict";
import { AgentUrlError } from "../agent/mod.ts";
import { checkNatsName, isNatsUrl, parseNatsAddress, parseNatsAgentUrl } from "../nats/mod.ts";

Deno.test("nats URLs: parts and normal form", () => {
  assertEquals(parseNatsAgentUrl("nats://plant/0"), {
    url: "nats://plant/0",
    base: "nats://plant",
    name: "plant",
    aid: "0",
  });
  strictEqual(parseNatsAgentUrl("NaTs://Plant.North_1-b/12").url, "nats://Plant.North_1-b/12");
  strictEqual(parseNatsAgentUrl("nats://a/x/y").aid, "x/y");
  strictEqual(parseNatsAddress("NATS://sim.7"), "sim.7");
  strictEqual(isNatsUrl("Nats://a/0"), true);
  strictEqual(isNatsUrl("tcp://a:1/0"), false);
});

Deno.test("nats URLs: malformed ones are refused with the reason", () => {
  const cases: [string, RegExp][] = [
    ["tcp://127.0.0.1:1/0", /expected the nats:\/\/ scheme/],
    ["nats://", /missing container name/],
    ["nats:///0", /missing container name/],
    ["nats://plant", /missing agent id/],
    ["nats://plant/", /missing agent id/],
    ["nats://a.*/0", /dot-separated tokens/],
    ["nats://a.>/0", /dot-separated tokens/],
    ["nats://a..b/0", /dot-separated tokens/],
    ["nats://a b/0", /dot-separated tokens/],
    ["nats://.a/0", /dot-separated tokens/],
  ];
  for (const [url, reason] of cases) {
    assertThrows(() => parseNatsAgentUrl(url), AgentUrlError, url);
    assertThrows(() => parseNatsAgentUrl(url), reason, url);
  }
  assertThrows(() => parseNatsAddress("nats://plant/0"), /has no agent id/);
  assertThrows(() => parseNatsAgentUrl(42 as unknown as string), /expected a string/);
  assertThrows(() => checkNatsName(""), TypeError);
  assertThrows(() => checkNatsName("a\tb"), TypeError);
});
