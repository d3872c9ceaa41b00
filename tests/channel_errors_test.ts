import { ok as assert, strictEqual } from "node:assert/strict";
import {
  ConnectionResetError,
  formatRemoteTraceback,
  ProtocolError,
  RemoteException,
} from "../channel/mod.ts";

Deno.test("formatRemoteTraceback ends with a Python-style last line", () => {
  const text = formatRemoteTraceback(new TypeError("bad input"));
  assert(text.endsWith("\nTypeError: bad input\n"), text);
  assert(text.startsWith("Traceback (most recent call first):\n"), text);
  assert(text.includes("    at "), "the JS stack comes first");
});

Deno.test("formatRemoteTraceback uses the error's own name", () => {
  class ValueError extends Error {
    override name = "ValueError";
  }
  assert(formatRemoteTraceback(new ValueError("42")).endsWith("\nValueError: 42\n"));
});

Deno.test("formatRemoteTraceback writes only the name for an empty message, as Python does", () => {
  assert(formatRemoteTraceback(new RangeError()).endsWith("\nRangeError\n"));
});

Deno.test("formatRemoteTraceback is just the last line when there is no stack", () => {
  const error = new Error("42");
  error.name = "ValueError";
  error.stack = undefined;
  strictEqual(formatRemoteTraceback(error), "ValueError: 42\n");
});

Deno.test("formatRemoteTraceback describes thrown non-errors", () => {
  strictEqual(formatRemoteTraceback("plain text"), "Error: plain text\n");
  strictEqual(formatRemoteTraceback({ code: 7 }), 'Error: {"code":7}\n');
  strictEqual(formatRemoteTraceback(undefined), "Error: undefined\n");
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  strictEqual(formatRemoteTraceback(cyclic), "Error: [object Object]\n");
});

Deno.test("RemoteException carries the origin and the peer's text", () => {
  const error = new RemoteException("10.1.2.3:99", "Traceback …\nValueError: 42\n");
  strictEqual(error.name, "RemoteException");
  strictEqual(error.origin, "10.1.2.3:99");
  strictEqual(error.remoteTraceback, "Traceback …\nValueError: 42\n");
  strictEqual(error.message, "Origin: 10.1.2.3:99\nTraceback …\nValueError: 42\n");
});

Deno.test("ConnectionResetError names the peer", () => {
  const cause = new Error("EPIPE");
  const error = new ConnectionResetError("/tmp/x.sock", "was reset", { cause });
  strictEqual(error.name, "ConnectionResetError");
  strictEqual(error.peer, "/tmp/x.sock");
  strictEqual(error.message, "Connection to /tmp/x.sock was reset");
  strictEqual(error.cause, cause);
  strictEqual(new ProtocolError("x").name, "ProtocolError");
});
