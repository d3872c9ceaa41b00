/**
 * RPC over mutual TLS: the seed's calculator over a TLS connection, and the
 * caller's verified identity reaching a method through its call context.
 */

import {
  ok as assert,
  rejects as assertRejects,
  strictEqual as assertEquals,
} from "node:assert/strict";
import { RemoteException } from "../channel/errors.ts";
import { callContext, expose, openConnection, startServer } from "../rpc/mod.ts";
import { HandshakeErrors, pki, serverSettings, settings } from "./_tls_pki.ts";

/** Only callers whose certificate has one of these subjects may `transfer`. */
const ALLOWED = new Set(["O=denomas tests, CN=denomas test client"]);

class Bank {
  @expose
  add(a: number, b: number): number {
    return a + b;
  }

  @expose
  whoami(): string | null {
    return callContext()?.peer.certificate?.subject ?? null;
  }

  @expose
  transfer(amount: number): string {
    const subject = callContext()?.peer.certificate?.subject;
    if (subject === undefined || !ALLOWED.has(subject)) {
      throw new Error(`${subject ?? "an anonymous caller"} may not transfer`);
    }
    return `moved ${amount}`;
  }
}

Deno.test("RPC over mutual TLS calls methods that see the caller's certificate", async () => {
  const errors = new HandshakeErrors();
  await using server = await startServer(["127.0.0.1", 0], new Bank(), {
    tls: serverSettings(errors),
  });
  await using client = await openConnection<Bank>(server.address, { tls: settings("client") });
  assertEquals(await client.remote.add(2, 3), 5);
  assertEquals(await client.remote.whoami(), "O=denomas tests, CN=denomas test client");
  assertEquals(await client.remote.transfer(10), "moved 10");
  assertEquals(
    client.channel.peer.certificate?.subject,
    "O=denomas tests, CN=denomas test server",
  );
  assertEquals(errors.errors.length, 0);
});

Deno.test("RPC method can refuse a caller by its certificate", async () => {
  // The server's own certificate is also signed by the CA, so TLS lets it in;
  // the method's allow list does not.
  await using server = await startServer(["127.0.0.1", 0], new Bank(), {
    tls: serverSettings(new HandshakeErrors()),
  });
  await using client = await openConnection<Bank>(server.address, { tls: settings("server") });
  assertEquals(await client.remote.whoami(), "O=denomas tests, CN=denomas test server");
  await assertRejects(client.remote.transfer(10), (error) => {
    assert(error instanceof RemoteException, String(error));
    assert(/CN=denomas test server may not transfer/.test(error.message), error.message);
    return true;
  });
});

Deno.test("RPC callbacks travel back over the same TLS connection", async () => {
  class Caller {
    @expose
    name(): string {
      return "the client";
    }
  }
  class Greeter {
    @expose
    async greet(caller: { name(): Promise<string> }): Promise<string> {
      return `hello ${await caller.name()}`;
    }
  }
  const tls = { server: serverSettings(new HandshakeErrors()), client: settings("client") };
  await using server = await startServer(["127.0.0.1", 0], new Greeter(), { tls });
  const caller = new Caller();
  await using client = await openConnection<Greeter>(server.address, { tls, service: caller });
  assertEquals(
    await client.remote.greet(caller as unknown as { name(): Promise<string> }),
    "hello the client",
  );
});

Deno.test("RPC server over TLS refuses a client from another CA and keeps serving", async () => {
  const errors = new HandshakeErrors();
  await using server = await startServer(["127.0.0.1", 0], new Bank(), {
    tls: serverSettings(errors),
  });
  const outsider = {
    ca: pki("ca.pem"),
    cert: pki("other_client.pem"),
    key: pki("other_client.key"),
  };
  await assertRejects(async () => {
    await using client = await openConnection<Bank>(server.address, { tls: outsider });
    await client.remote.add(1, 1);
  });
  assert(/not signed by the configured CA/.test((await errors.nth(0)).message));
  assertEquals(server.clients.size, 0);
  await using client = await openConnection<Bank>(server.address, { tls: settings("client") });
  assertEquals(await client.remote.add(1, 1), 2);
});
