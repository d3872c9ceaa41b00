/**
 * Containers with TLS settings, and agents calling each other over TLS (the
 * seed's "TLS configuration for agent containers").
 */

import {
  deepStrictEqual as assertDeepEquals,
  ok as assert,
  rejects as assertRejects,
  strictEqual as assertEquals,
} from "node:assert/strict";
import { Agent, Container } from "../agent/mod.ts";
import { callContext, expose } from "../rpc/mod.ts";
import { HandshakeErrors, settings } from "./_tls_pki.ts";

class Pinger extends Agent {
  @expose
  ping(n: number): [string, number, string | null] {
    return ["pong", n, callContext()?.peer.certificate?.subject ?? null];
  }

  async pingPeer(url: string, n: number): Promise<[string, number, string | null]> {
    const peer = await this.container.connect<Pinger>(url);
    return await peer.ping(n);
  }
}

Deno.test("agents in TLS containers call each other over mutual TLS", async () => {
  // Like aiomas's SSLCerts(ca, cert, key): one certificate per container.
  const errors = new HandshakeErrors();
  const tls = settings("server", { onError: errors.push });
  await using a = await Container.create(["127.0.0.1", 0], { tls });
  await using b = await Container.create(["127.0.0.1", 0], { tls });
  const alice = new Pinger(a);
  const bob = new Pinger(b);
  assert(alice.addr.startsWith("tcp://127.0.0.1:"), alice.addr);
  const server = "O=denomas tests, CN=denomas test server";
  assertDeepEquals(await alice.pingPeer(bob.addr, 1), ["pong", 1, server]);
  assertDeepEquals(await bob.pingPeer(alice.addr, 2), ["pong", 2, server]);
  assertEquals(a.outgoingConnections, 1);
  assertEquals(b.incomingConnections, 1);
  assertEquals(errors.errors.length, 0);
});

Deno.test("a container takes separate server and client TLS settings", async () => {
  // aiomas's (server_ctx, client_ctx) tuple: the caller shows its client certificate.
  const handshakeErrors = new HandshakeErrors();
  const tls = {
    server: settings("server", { onError: handshakeErrors.push }),
    client: settings("client"),
  };
  await using a = await Container.create(["127.0.0.1", 0], { tls });
  await using b = await Container.create(["127.0.0.1", 0], { tls });
  const alice = new Pinger(a);
  const bob = new Pinger(b);
  assertDeepEquals(
    await alice.pingPeer(bob.addr, 3),
    ["pong", 3, "O=denomas tests, CN=denomas test client"],
  );
  assertEquals(handshakeErrors.errors.length, 0);
});

Deno.test("a TLS container refuses containers without TLS or with a foreign certificate", async () => {
  const errors = new HandshakeErrors();
  await using secure = await Container.create(["127.0.0.1", 0], {
    tls: settings("server", { onError: errors.push }),
  });
  const target = new Pinger(secure);
  await using plain = await Container.create(["127.0.0.1", 0]);
  await assertRejects(new Pinger(plain).pingPeer(target.addr, 1));
  assert(/does not speak TLS/.test((await errors.nth(0)).message), errors.errors[0].message);

  await using foreign = await Container.create(["127.0.0.1", 0], {
    tls: {
      server: settings("server"),
      client: { ...settings("other_client") },
    },
  });
  await assertRejects(new Pinger(foreign).pingPeer(target.addr, 1));
  assert(/not signed by the configured CA/.test((await errors.nth(1)).message));
  assertEquals(secure.incomingConnections, 0);

  // A good container still gets through.
  await using good = await Container.create(["127.0.0.1", 0], { tls: settings("server") });
  assertEquals((await new Pinger(good).pingPeer(target.addr, 4))[1], 4);
});
