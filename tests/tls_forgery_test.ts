/**
 * Peers that show a certificate without holding its key: why denomas
 * refuses X.509 v1 certificates, and proof that no such peer gets in.
 */

import { ok as assert, strictEqual as assertEquals } from "node:assert/strict";
import * as nodeTls from "node:tls";
import { TlsHandshakeError, tlsTransport } from "../channel/tls/mod.ts";
import type { Listener } from "../channel/transport.ts";
import { forgeClientHandshake } from "./_tls_forger.ts";
import { HandshakeErrors, pki, serverSettings, settings } from "./_tls_pki.ts";

const pem = (name: string) => Deno.readTextFileSync(pki(name));

function portOf(listener: Listener): number {
  return listener.endpoint.transport === "tcp" ? listener.endpoint.port : 0;
}

Deno.test("Deno's TLS engine does not check the handshake signature of a v1 certificate (why denomas refuses v1)", async () => {
  // The engine alone, as node:tls code would use it: request a certificate
  // and look at `authorized` afterwards.
  const server = nodeTls.createServer({
    ca: pem("ca.pem"),
    cert: pem("server.pem"),
    key: pem("server.key"),
    requestCert: true,
    rejectUnauthorized: false,
  });
  server.on("secureConnection", (socket: nodeTls.TLSSocket) => {
    socket.on("error", () => {});
    socket.end("hi");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  try {
    // v1: the handshake completes although it was signed by another key.
    const v1 = await forgeClientHandshake(port, pem("v1_client.pem"), pem("other_client.key"));
    assertEquals(v1.kind, "accepted");
    // v3: the engine catches the same forgery (alert 51, decrypt_error).
    const v3 = await forgeClientHandshake(port, pem("client.pem"), pem("other_client.key"));
    assertEquals(v3.kind === "alert" && v3.description, 51);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

for (
  const [what, cert, failure] of [
    ["a v1 certificate", "v1_client.pem", "v1-certificate"],
    ["a v3 certificate", "client.pem", "bad-signature"],
  ] as const
) {
  Deno.test(`TLS server refuses a client that shows ${what} without its key`, async () => {
    const errors = new HandshakeErrors();
    const listener = await tlsTransport(serverSettings(errors))
      .listen({ transport: "tcp", hostname: "127.0.0.1", port: 0 });
    try {
      const outcome = await forgeClientHandshake(
        portOf(listener),
        pem(cert),
        pem("other_client.key"),
      );
      assert(outcome.kind !== "accepted", "the forged handshake got application data");
      const seen = await errors.nth(0);
      assert(seen instanceof TlsHandshakeError, String(seen));
      assertEquals(seen.failure, failure);
      // The next connection handed out is a good client's: the forger never was.
      const good = await tlsTransport(settings("client"))
        .connect({ transport: "tcp", hostname: "127.0.0.1", port: portOf(listener) });
      const accepted = await listener.accept();
      assertEquals(accepted.peer.address, good.localAddress);
      good.close();
      accepted.close();
    } finally {
      listener.close();
    }
  });
}
