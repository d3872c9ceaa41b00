/**
 * The command line of a simulator, read as mosaik-api-v3 reads it.
 */

import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { parseHostPort, parseSimulatorArgs, UsageError } from "../mosaik/mod.ts";

Deno.test("HOST:PORT alone connects to mosaik with the defaults", () => {
  assertEquals(parseSimulatorArgs(["127.0.0.1:5555"]), {
    hostname: "127.0.0.1",
    port: 5555,
    remote: false,
    timeout: 60,
    logLevel: "info",
    help: false,
  });
});

Deno.test("options in every spelling", () => {
  const expected = {
    hostname: "localhost",
    port: 1,
    remote: true,
    timeout: 2.5,
    logLevel: "debug",
    help: false,
  };
  assertEquals(parseSimulatorArgs(["-r", "-t", "2.5", "-l", "debug", "localhost:1"]), expected);
  assertEquals(
    parseSimulatorArgs(["localhost:1", "--remote", "--timeout=2.5", "--log-level=DEBUG"]),
    expected,
  );
  assertEquals(parseSimulatorArgs(["-ldebug", "-t2.5", "--remote", "localhost:1"]), expected);
  assertEquals(parseSimulatorArgs(["--help"]).help, true);
});

Deno.test("IPv6 addresses are bracketed", () => {
  assertEquals(parseHostPort("[::1]:5678"), { hostname: "::1", port: 5678 });
});

Deno.test("a bad command line is a UsageError that says what is wrong", () => {
  const cases: [string[], RegExp][] = [
    [[], /^Missing HOST:PORT$/],
    [["a:1", "b:2"], /^Unexpected argument "b:2"$/],
    [["--nope", "a:1"], /^Unknown option --nope$/],
    [["a:1", "-l"], /^-l requires a value$/],
    [["a:1", "-l", "loud"], /^Unknown log level "loud"/],
    [["a:1", "-t", "soon"], /^--timeout must be a positive number of seconds, got "soon"$/],
    [["a:1", "--timeout=0"], /positive number/],
    [["a:1", "--remote=yes"], /^--remote takes no value$/],
    [["localhost"], /^Cannot parse "localhost": expected HOST:PORT$/],
    [["a:70000"], /expected HOST:PORT/],
    [[":1"], /expected HOST:PORT/],
  ];
  for (const [args, message] of cases) {
    throws(
      () => parseSimulatorArgs(args),
      (error) => error instanceof UsageError && message.test(error.message),
    );
  }
});
