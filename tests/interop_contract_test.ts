/**
 * The interop contract's `add(a, b)` follows Python's `+`, and `sleep`
 * refuses more than 10 seconds, over a real RPC connection.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { RemoteException } from "../channel/mod.ts";
import { MsgPack } from "../codecs/mod.ts";
import { openConnection, type RpcClient, startServer } from "../rpc/mod.ts";
import { InteropService, pythonAdd } from "../examples/_interop_contract.ts";

async function withContract(
  check: (client: RpcClient) => Promise<void>,
  codec = MsgPack,
): Promise<void> {
  const service = new InteropService();
  await using server = await startServer(["127.0.0.1", 0], service, { codec });
  await using client = await openConnection(server.address, { codec });
  try {
    await check(client);
  } finally {
    service.stop();
  }
}

/** Expects an EXCEPTION reply whose last line is `expected`. */
function lastLine(expected: string): (error: unknown) => boolean {
  return (error) => {
    assert(error instanceof RemoteException, String(error));
    assertEquals(error.remoteTraceback.trimEnd().split("\n").at(-1), expected);
    return true;
  };
}

Deno.test("add() adds numbers as Python does: exact big integers, int and float mixed", async () => {
  await withContract(async (client) => {
    assertEquals(await client.call("add", [2, 3]), 5);
    assertEquals(await client.call("add", [2n ** 63n, 1]), 2n ** 63n + 1n);
    assertEquals(await client.call("add", [2n ** 62n, 2n ** 62n]), 2n ** 63n);
    // Two safe integers whose sum is not: Python's ints do not round.
    assertEquals(await client.call("add", [2 ** 53 - 1, 2 ** 53 - 1]), 2n ** 54n - 2n);
    assertEquals(await client.call("add", [1, 0.5]), 1.5);
    assertEquals(await client.call("add", [2n ** 60n, 0.5]), 2 ** 60 + 0.5);
    assertEquals(await client.call("add", [true, 1]), 2);
  });
});

Deno.test("add() concatenates strings, lists and bytes", async () => {
  await withContract(async (client) => {
    assertEquals(await client.call("add", ["ab", "cd"]), "abcd");
    assertEquals(await client.call("add", [[1, "x"], [[2]]]), [1, "x", [2]]);
    assertEquals(
      await client.call("add", [new Uint8Array([1, 2]), new Uint8Array([3])]),
      new Uint8Array([1, 2, 3]),
    );
  });
});

Deno.test("add() of operands Python's + refuses is a TypeError reply worded like Python's", async () => {
  await withContract(async (client) => {
    await rejects(
      client.call("add", [1, "a"]),
      lastLine("TypeError: unsupported operand type(s) for +: 'int' and 'str'"),
    );
    await rejects(
      client.call("add", ["a", 1]),
      lastLine('TypeError: can only concatenate str (not "int") to str'),
    );
    await rejects(
      client.call("add", [[1], "a"]),
      lastLine('TypeError: can only concatenate list (not "str") to list'),
    );
    await rejects(
      client.call("add", [null, null]),
      lastLine("TypeError: unsupported operand type(s) for +: 'NoneType' and 'NoneType'"),
    );
    await rejects(
      client.call("add", [{ a: 1 }, { b: 2 }]),
      lastLine("TypeError: unsupported operand type(s) for +: 'dict' and 'dict'"),
    );
    await rejects(
      client.call("add", [new Uint8Array([1]), 1.5]),
      lastLine("TypeError: can't concat float to bytes"),
    );
    // The connection carries on.
    assertEquals(await client.call("add", [1, 1]), 2);
  });
});

Deno.test("sleep(t, v) with t above 10 stays a ValueError reply", async () => {
  await withContract(async (client) => {
    await rejects(
      client.call("sleep", [11, "late"]),
      lastLine("ValueError: sleep() takes 0 to 10 seconds, got 11"),
    );
    assertEquals(await client.call("sleep", [0, "now"]), "now");
  });
});

Deno.test("pythonAdd follows Python's + for values of the JSON codec too", () => {
  assertEquals(pythonAdd("ab", "cd"), "abcd");
  assertEquals(pythonAdd(9007199254740992n, -1), 9007199254740991);
  assertEquals(pythonAdd(false, false), 0);
  // A number beyond the safe range came from Python as a float, and adds as one.
  assertEquals(pythonAdd(2 ** 60, 1), 2 ** 60 + 1);
});
