import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { AddressError, formatEndpoint, parseAddress } from "../channel/mod.ts";
import { formatHostPort } from "../channel/address.ts";

Deno.test("parseAddress reads [host, port] pairs", () => {
  assertEquals(parseAddress(["127.0.0.1", 5555]), {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: 5555,
  });
  assertEquals(parseAddress(["localhost", 0]), {
    transport: "tcp",
    hostname: "localhost",
    port: 0,
  });
  assertEquals(parseAddress(["[::1]", 80]), { transport: "tcp", hostname: "::1", port: 80 });
});

Deno.test("parseAddress reads host:port and tcp:// URLs, IPv6 in brackets", () => {
  assertEquals(parseAddress("127.0.0.1:5555"), {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: 5555,
  });
  assertEquals(parseAddress("tcp://example.org:1"), {
    transport: "tcp",
    hostname: "example.org",
    port: 1,
  });
  assertEquals(parseAddress("tcp://[::1]:5555/"), {
    transport: "tcp",
    hostname: "::1",
    port: 5555,
  });
  assertEquals(parseAddress("[fe80::1]:7"), { transport: "tcp", hostname: "fe80::1", port: 7 });
});

Deno.test("parseAddress reads Unix socket paths and unix:// URLs", () => {
  assertEquals(parseAddress("/tmp/a.sock"), { transport: "unix", path: "/tmp/a.sock" });
  assertEquals(parseAddress("./rel.sock"), { transport: "unix", path: "./rel.sock" });
  assertEquals(parseAddress("unix:///tmp/b.sock"), { transport: "unix", path: "/tmp/b.sock" });
});

Deno.test("parseAddress reads local:// names", () => {
  assertEquals(parseAddress("local://queue-1"), { transport: "local", name: "queue-1" });
});

Deno.test("parseAddress rejects malformed addresses with the reason", () => {
  const cases: [unknown, string][] = [
    [["127.0.0.1", 70000], "port 70000"],
    [["127.0.0.1", 1.5], "port 1.5"],
    [["", 1], "expected [host, port]"],
    [["a", 1, 2], "expected [host, port]"],
    ["tcp://nohost", "expected host:port"],
    ["tcp://h:99999", 'port "99999"'],
    ["http://x:1", 'unknown scheme "http"'],
    ["unix://", "missing socket path"],
    ["", "empty"],
    [42, "expected a string"],
  ];
  for (const [address, reason] of cases) {
    throws(() => parseAddress(address as string), (error) => {
      return error instanceof AddressError && error.message.includes(reason);
    }, `for ${JSON.stringify(address)}`);
  }
});

Deno.test("formatEndpoint writes what parseAddress reads back", () => {
  for (
    const address of ["127.0.0.1:5555", "[::1]:80", "/tmp/x.sock", "local://q"]
  ) {
    assertEquals(formatEndpoint(parseAddress(address)), address);
  }
  assertEquals(formatHostPort("::1", 1), "[::1]:1");
  assertEquals(formatHostPort("h", 2), "h:2");
});

Deno.test("parseAddress accepts tuples, host:port, tcp, ipc, unix paths and local", () => {
  assertEquals(parseAddress(["127.0.0.1", 0]), {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: 0,
  });
  assertEquals(parseAddress("tcp://[::1]:0"), {
    transport: "tcp",
    hostname: "::1",
    port: 0,
  });
  assertEquals(parseAddress("ipc://[/tmp/a.sock]"), {
    transport: "unix",
    path: "/tmp/a.sock",
  });
  assertEquals(parseAddress("/tmp/b.sock"), { transport: "unix", path: "/tmp/b.sock" });
  assertEquals(parseAddress("local://q"), { transport: "local", name: "q" });
  throws(() => parseAddress("ipc://[]"), /missing socket path/);
});

Deno.test("parseAddress reads ipc:// with and without brackets, as agent URLs write it", () => {
  assertEquals(parseAddress("ipc:///tmp/a.sock"), { transport: "unix", path: "/tmp/a.sock" });
  assertEquals(parseAddress("IPC://[/tmp/a b.sock]"), { transport: "unix", path: "/tmp/a b.sock" });
  assertEquals(parseAddress("ipc://[/tmp/a.sock]/"), { transport: "unix", path: "/tmp/a.sock" });
});

Deno.test("parseAddress refuses text after the address, which would be read as an agent id", () => {
  const cases: [string, string][] = [
    ["tcp://h:1/x", 'unexpected "/x" after the address'],
    ["ipc://[/tmp/a.sock]/0", 'unexpected "/0" after the address'],
    ["local://a/b", 'unexpected "/b" after the address'],
    ["local://", "missing queue name"],
    ["ipc://[/tmp/a.sock", 'missing "]" after the socket path'],
    ["tcp://a b:1", 'invalid host "a b"'],
  ];
  for (const [address, reason] of cases) {
    throws(() => parseAddress(address), (error) => {
      return error instanceof AddressError && error.message.includes(reason);
    }, address);
  }
});
