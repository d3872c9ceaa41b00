import { deepStrictEqual, ok as assert, strictEqual } from "node:assert/strict";
import config from "../deno.json" with { type: "json" };
import { DenomasError, TimeoutError } from "../errors.ts";
import {
  AddressError,
  CodecError,
  ConnectError,
  ConnectionResetError,
  ProtocolError,
  RemoteException,
} from "../channel/mod.ts";
import { LookupError } from "../rpc/mod.ts";
import * as rpc from "../rpc/mod.ts";
import * as agent from "../agent/mod.ts";
import * as root from "../mod.ts";
import { AgentNotFoundError, AgentUrlError, ShutdownError } from "../agent/mod.ts";

Deno.test("every error class of denomas extends DenomasError and is named after itself", () => {
  const errors: Error[] = [
    new TimeoutError("call x", 1),
    new AddressError("x", "bad"),
    new CodecError("bad"),
    new ConnectError("tcp://127.0.0.1:1", "refused"),
    new ConnectionResetError("127.0.0.1:1", "was closed by the peer"),
    new ProtocolError("bad"),
    new RemoteException("127.0.0.1:1", "ValueError: 42\n"),
    new LookupError("nope"),
    new AgentNotFoundError("tcp://127.0.0.1:1/0"),
    new AgentUrlError("x", "bad"),
    new ShutdownError("gone"),
  ];
  for (const error of errors) {
    assert(error instanceof DenomasError, error.constructor.name);
    strictEqual(error.name, error.constructor.name);
  }
});

Deno.test("every error class exported by any entry point extends DenomasError", async () => {
  const classes = new Map<string, unknown>();
  for (const path of Object.values(config.exports)) {
    for (const [name, value] of Object.entries(await import(`../${path}`))) {
      if (typeof value === "function" && value.prototype instanceof Error) classes.set(name, value);
    }
  }
  assert(classes.size >= 20, `only ${classes.size} error classes found`);
  const outside = [...classes].filter(([, value]) =>
    value !== DenomasError && !((value as { prototype: unknown }).prototype instanceof DenomasError)
  ).map(([name]) => name);
  deepStrictEqual(outside, []);
});

Deno.test("RemoteException and ConnectError are importable from rpc, agent and the root", () => {
  strictEqual(rpc.RemoteException, RemoteException);
  strictEqual(agent.RemoteException, RemoteException);
  strictEqual(root.RemoteException, RemoteException);
  strictEqual(rpc.ConnectError, ConnectError);
  strictEqual(agent.ConnectError, ConnectError);
  strictEqual(root.DenomasError, DenomasError);
});

Deno.test("RemoteException.exceptionType reads the type on the last line of the wire text", () => {
  const type = (text: string) => new RemoteException("peer", text).exceptionType;
  strictEqual(type('LookupError: Name "7" not found in "agents"\n'), "LookupError");
  strictEqual(
    type(
      'Traceback (most recent call last):\n  File "x.py", line 1, in f\n    raise E()\n' +
        "aiomas.exceptions.RemoteException: boom: more: colons\n",
    ),
    "aiomas.exceptions.RemoteException",
  );
  strictEqual(type("KeyboardInterrupt\n"), "KeyboardInterrupt");
  strictEqual(type("ValueError: 42\n\n\n"), "ValueError");
  // Prose is not a type name.
  strictEqual(type("something went wrong: sorry\n"), "");
  strictEqual(type(""), "");
});

Deno.test("a connect error names the address and keeps the system error as cause", () => {
  const cause = new Deno.errors.ConnectionRefused("Connection refused (os error 111)");
  const error = new ConnectError("tcp://127.0.0.1:5555", cause.message, { cause });
  strictEqual(
    error.message,
    "Cannot connect to tcp://127.0.0.1:5555: Connection refused (os error 111)",
  );
  strictEqual(error.address, "tcp://127.0.0.1:5555");
  strictEqual(error.cause, cause);
});
