import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { AgentUrlError, formatContainerUrl, parseAgentUrl } from "../agent/address.ts";
import { parseAddress } from "../channel/address.ts";

Deno.test("parseAgentUrl reads tcp, IPv6, ipc and local URLs", () => {
  assertEquals(parseAgentUrl("tcp://127.0.0.1:5555/0"), {
    url: "tcp://127.0.0.1:5555/0",
    base: "tcp://127.0.0.1:5555",
    aid: "0",
    endpoint: { transport: "tcp", hostname: "127.0.0.1", port: 5555 },
  });
  assertEquals(parseAgentUrl("tcp://[::1]:5555/12").endpoint, {
    transport: "tcp",
    hostname: "::1",
    port: 5555,
  });
  assertEquals(parseAgentUrl("ipc://[/tmp/agents.sock]/3"), {
    url: "ipc://[/tmp/agents.sock]/3",
    base: "ipc://[/tmp/agents.sock]",
    aid: "3",
    endpoint: { transport: "unix", path: "/tmp/agents.sock" },
  });
  assertEquals(parseAgentUrl("local://sim/7"), {
    url: "local://sim/7",
    base: "local://sim",
    aid: "7",
    endpoint: { transport: "local", name: "sim" },
  });
});

Deno.test("parseAgentUrl takes everything after the host part as the agent id", () => {
  assertEquals(parseAgentUrl("tcp://h:1/a/b").aid, "a/b");
  assertEquals(parseAgentUrl("ipc://[/x/y.sock]/z/w").aid, "z/w");
});

Deno.test("parseAgentUrl normalises hosts so one container has one base", () => {
  const bases = [
    "tcp://localhost:5555/0",
    "tcp://LOCALHOST:5555/1",
    "tcp://127.0.0.1:5555/2",
    "TCP://127.0.0.1:05555/3",
  ].map((url) => parseAgentUrl(url).base);
  assertEquals(new Set(bases), new Set(["tcp://127.0.0.1:5555"]));
  assertEquals(parseAgentUrl("tcp://[0:0:0:0:0:0:0:1]:80/0").base, "tcp://[::1]:80");
  assertEquals(parseAgentUrl("tcp://Example.ORG:80/0").base, "tcp://example.org:80");
});

Deno.test("parseAgentUrl names what is wrong with a bad URL", () => {
  const cases: [string, string][] = [
    ["tcp://x", "missing port"],
    ["tcp://x:", "missing port"],
    ["tcp://x:5555", "missing agent id"],
    ["tcp://x:5555/", "missing agent id"],
    ["tcp://:5555/0", "missing host"],
    ["tcp://x:0/0", 'port "0" is not an integer in 1..65535'],
    ["tcp://x:70000/0", 'port "70000" is not an integer in 1..65535'],
    ["tcp://x:5a/0", 'port "5a" is not an integer in 1..65535'],
    ["tcp://[::1/0", 'missing "]" after the IPv6 address'],
    ["tcp://[abc]:1/0", '"[abc]" is not an IPv6 address'],
    ["tcp://a b:1/0", 'invalid host "a b"'],
    ["http://x:1/0", 'unknown scheme "http"'],
    ["x:1/0", "missing scheme"],
    ["ipc:///tmp/a.sock/0", "put the socket path in brackets"],
    ["ipc://[]/0", "missing socket path"],
    ["ipc://[/tmp/a.sock]", "missing agent id"],
    ["local:///0", "missing queue name"],
    ["local://q", "missing agent id"],
  ];
  for (const [url, reason] of cases) {
    assertThrows(
      () => parseAgentUrl(url),
      (error: unknown) =>
        error instanceof AgentUrlError &&
        error.message.startsWith(`Cannot parse agent URL ${JSON.stringify(url)}: ${reason}`),
      url,
    );
  }
});

Deno.test("formatContainerUrl writes the forms parseAgentUrl reads", () => {
  for (
    const url of ["tcp://127.0.0.1:1/0", "tcp://[::1]:2/1", "ipc://[/tmp/s.sock]/2", "local://q/3"]
  ) {
    const parsed = parseAgentUrl(url);
    assertEquals(formatContainerUrl(parsed.endpoint, parsed.aid), url);
  }
});

Deno.test("parseAgentUrl reads the address part with the channel's grammar", () => {
  for (const url of ["tcp://127.0.0.1:5555/0", "ipc://[/tmp/a.sock]/1", "local://sim/2"]) {
    const { base, endpoint } = parseAgentUrl(url);
    assertEquals(parseAddress(base), endpoint);
  }
  // Without brackets a socket path and an agent id cannot be told apart.
  assertThrows(() => parseAgentUrl("unix:///tmp/a.sock/0"), /unknown scheme "unix"/);
});
