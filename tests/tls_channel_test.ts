/**
 * Mutual TLS through the channel layer: `openConnection`/`startServer` with
 * the `tls` option, peer identity in the handler, and bad clients that the
 * handler never sees.
 */

import {
  ok as assert,
  rejects as assertRejects,
  strictEqual as assertEquals,
} from "node:assert/strict";
import { type Channel, openConnection, startServer } from "../channel/mod.ts";
import { TlsHandshakeError } from "../channel/tls/mod.ts";
import type { TlsSettings } from "../channel/tls/mod.ts";
import { HandshakeErrors, pki, serverSettings, settings } from "./_tls_pki.ts";

/** The seed's handler: print-free version. Receives "ohai", replies "cya". */
async function handleClient(channel: Channel): Promise<void> {
  const request = await channel.recv();
  assertEquals(request.content, "ohai");
  request.reply("cya");
}

Deno.test("channel round trip over mutual TLS, as in the seed's example", async () => {
  const errors = new HandshakeErrors();
  const identities: (string | undefined)[] = [];
  await using server = await startServer(["127.0.0.1", 0], async (channel) => {
    identities.push(channel.peer.certificate?.subject);
    await handleClient(channel);
  }, { tls: serverSettings(errors) });
  await using channel = await openConnection(server.address, { tls: settings("client") });
  assertEquals(await channel.send("ohai"), "cya");
  assertEquals(channel.peer.certificate?.subject, "O=denomas tests, CN=denomas test server");
  assertEquals(identities.length, 1);
  assertEquals(identities[0], "O=denomas tests, CN=denomas test client");
  assertEquals(errors.errors.length, 0);
});

Deno.test("channel with separate server and client TLS settings talks both ways", async () => {
  const tls = { server: serverSettings(new HandshakeErrors()), client: settings("client") };
  await using server = await startServer(["127.0.0.1", 0], (channel) => {
    channel.serve(async (request) => {
      // Call back the client on the same connection before answering.
      const back = await channel.send(`back:${request.content}`);
      request.reply(`${request.content}+${back}`);
    });
  }, { tls });
  await using channel = await openConnection(server.address, { tls });
  channel.serve((request) => {
    request.reply(String(request.content).toUpperCase());
  });
  assertEquals(await channel.send("x"), "x+BACK:X");
});

Deno.test("channel server over TLS never hands a bad client to onChannel and keeps serving", async () => {
  const errors = new HandshakeErrors();
  const seen: string[] = [];
  await using server = await startServer(["127.0.0.1", 0], async (channel) => {
    seen.push(channel.peer.address);
    await handleClient(channel);
  }, { tls: serverSettings(errors) });

  const badClients: [string, TlsSettings, RegExp][] = [
    ["no certificate", { ca: pki("ca.pem"), mutual: false }, /sent no certificate/],
    ["another CA", {
      ca: pki("ca.pem"),
      cert: pki("other_client.pem"),
      key: pki("other_client.key"),
    }, /not signed by the configured CA/],
    ["expired", settings("expired_client"), /expired 2001-01-01/],
    ["v1", settings("v1_client"), /X\.509 v1 certificate/],
  ];
  for (const [index, [what, tls, serverSide]] of badClients.entries()) {
    let clientError: unknown;
    try {
      const channel = await openConnection(server.address, { tls });
      try {
        await channel.send("ohai");
      } finally {
        await channel.close();
      }
    } catch (error) {
      clientError = error;
    }
    assert(clientError instanceof Error, `${what}: the client was not refused`);
    const chain = `${clientError.message} ${(clientError.cause as Error | undefined)?.message}`;
    assert(/certificate|TLS handshake/.test(chain), `${what}: ${chain}`);
    const reported = await errors.nth(index);
    assert(serverSide.test(reported.message), `${what}: ${reported.message}`);
  }
  assertEquals(seen.length, 0);

  await using good = await openConnection(server.address, { tls: settings("client") });
  assertEquals(await good.send("ohai"), "cya");
  assertEquals(seen.length, 1);
});

Deno.test("channel client refuses a server whose certificate does not match the host", async () => {
  await using server = await startServer(["127.0.0.1", 0], handleClient, {
    tls: settings("wrong_host", { onError: () => {} }),
  });
  await assertRejects(openConnection(server.address, { tls: settings("client") }), (error) => {
    assert(error instanceof TlsHandshakeError, String(error));
    assert(/not valid for "127\.0\.0\.1"/.test(error.message), error.message);
    return true;
  });
  // With the name on its certificate, the same server is fine.
  await using channel = await openConnection(server.address, {
    tls: settings("client", { hostname: "wrong-host.denomas.test" }),
  });
  assertEquals(await channel.send("ohai"), "cya");
});

Deno.test("plaintext channel client and TLS channel server refuse each other", async () => {
  const errors = new HandshakeErrors();
  const seen: Channel[] = [];
  await using tlsServer = await startServer(["127.0.0.1", 0], (channel) => {
    seen.push(channel);
  }, { tls: serverSettings(errors) });
  // A plaintext client connects at the TCP level, then its request fails.
  const plain = await openConnection(tlsServer.address);
  await assertRejects(plain.send("ohai"));
  await plain.close();
  assert(/does not speak TLS/.test((await errors.nth(0)).message));
  assertEquals(seen.length, 0);

  await using plainServer = await startServer(["127.0.0.1", 0], () => {});
  await assertRejects(
    openConnection(plainServer.address, { tls: settings("client") }),
    (error) => {
      assert(error instanceof TlsHandshakeError, String(error));
      assert(
        /does not speak TLS|closed the connection during the handshake/.test(error.message),
        error.message,
      );
      return true;
    },
  );
});
