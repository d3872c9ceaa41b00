/**
 * The TLS transport on its own: mutual authentication, peer identity,
 * protocol versions, and every kind of bad peer.
 */

import {
  deepStrictEqual as assertDeepEquals,
  ok as assert,
  rejects as assertRejects,
  strictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import * as nodeTls from "node:tls";
import {
  TlsConfigError,
  type TlsFailure,
  TlsHandshakeError,
  type TlsOptions,
  tlsTransport,
} from "../channel/tls/mod.ts";
import type { Conn, Endpoint, Listener, Transport } from "../channel/transport.ts";
import { TimeoutError } from "../errors.ts";
import { HandshakeErrors, pki, serverSettings, settings } from "./_tls_pki.ts";

const LOOPBACK: Endpoint = { transport: "tcp", hostname: "127.0.0.1", port: 0 };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function portOf(listener: Listener | Deno.Listener): number {
  if ("addr" in listener) return (listener.addr as Deno.NetAddr).port;
  if (listener.endpoint.transport !== "tcp") throw new Error("not a TCP listener");
  return listener.endpoint.port;
}

function at(port: number): Endpoint {
  return { transport: "tcp", hostname: "127.0.0.1", port };
}

async function readExactly(conn: Conn, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const n = await conn.read(out.subarray(filled));
    if (n === null) throw new Error(`end of stream after ${filled} of ${length} bytes`);
    filled += n;
  }
  return out;
}

async function writeAll(conn: Conn, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

/** A round trip that proves both ends work: the client says ping, the server answers pong. */
async function pingPong(client: Conn, server: Conn): Promise<void> {
  await writeAll(client, encoder.encode("ping"));
  assertEquals(decoder.decode(await readExactly(server, 4)), "ping");
  await writeAll(server, encoder.encode("pong"));
  assertEquals(decoder.decode(await readExactly(client, 4)), "pong");
}

/** The error a bad client sees, whether at connect or at its first read. */
async function clientFailure(transport: Transport, port: number): Promise<Error> {
  let conn: Conn;
  try {
    conn = await transport.connect(at(port));
  } catch (error) {
    return error as Error;
  }
  try {
    const n = await conn.read(new Uint8Array(16));
    throw new Error(`the client was not refused (read ${n})`);
  } catch (error) {
    return error as Error;
  } finally {
    conn.close();
  }
}

/**
 * Proves the server still serves a good client, and that the next connection
 * it hands out is that client's: the bad one before it was never accepted.
 */
async function assertServesGoodClient(listener: Listener): Promise<void> {
  const good = tlsTransport(settings("client"));
  const client = await good.connect(at(portOf(listener)));
  const server = await listener.accept();
  try {
    assertEquals(server.peer.address, client.localAddress);
    assertEquals(server.peer.certificate?.subject, "O=denomas tests, CN=denomas test client");
    await pingPong(client, server);
  } finally {
    client.close();
    server.close();
  }
}

async function withListener(
  options: TlsOptions,
  body: (listener: Listener, transport: Transport) => Promise<void>,
): Promise<void> {
  const transport = tlsTransport(options);
  const listener = await transport.listen(LOOPBACK);
  try {
    await body(listener, transport);
  } finally {
    listener.close();
  }
}

Deno.test("TLS transport carries bytes both ways between mutually authenticated peers", async () => {
  const errors = new HandshakeErrors();
  await withListener(serverSettings(errors), async (listener) => {
    const client = await tlsTransport(settings("client")).connect(at(portOf(listener)));
    const server = await listener.accept();
    try {
      await pingPong(client, server);
      assertEquals(server.peer.address, client.localAddress);
      assertEquals(client.peer.address, `127.0.0.1:${portOf(listener)}`);
      assertEquals(client.localAddress, server.peer.address);
    } finally {
      client.close();
      server.close();
    }
  });
  assertEquals(errors.errors.length, 0);
});

Deno.test("TLS peers see each other's verified certificate", async () => {
  const clientX509 = new X509Certificate(Deno.readTextFileSync(pki("client.pem")));
  const serverX509 = new X509Certificate(Deno.readTextFileSync(pki("server.pem")));
  await withListener(serverSettings(new HandshakeErrors()), async (listener) => {
    const client = await tlsTransport(settings("client")).connect(at(portOf(listener)));
    const server = await listener.accept();
    try {
      assertDeepEquals(server.peer.certificate, {
        subject: "O=denomas tests, CN=denomas test client",
        issuer: "O=denomas tests, CN=denomas test CA",
        subjectAltNames: ["DNS:client.denomas.test"],
        fingerprint256: clientX509.fingerprint256,
        validTo: new Date(clientX509.validTo),
      });
      assertEquals(server.peer.certificate?.validTo.getUTCFullYear(), 2126);
      assertEquals(client.peer.certificate?.subject, "O=denomas tests, CN=denomas test server");
      const sans = client.peer.certificate?.subjectAltNames ?? [];
      assertEquals(sans.length, 3);
      assertDeepEquals(sans.slice(0, 2), ["DNS:localhost", "IP Address:127.0.0.1"]);
      assertEquals(client.peer.certificate?.fingerprint256, serverX509.fingerprint256);
    } finally {
      client.close();
      server.close();
    }
  });
});

Deno.test("TLS settings take PEM text as well as file paths", async () => {
  const text = (name: string) => Deno.readTextFileSync(pki(name));
  const server = {
    ca: text("ca.pem"),
    cert: text("server.pem"),
    key: text("server.key"),
    onError: new HandshakeErrors().push,
  };
  await withListener(server, async (listener) => {
    const client = await tlsTransport({
      ca: text("ca.pem"),
      cert: text("client.pem"),
      key: text("client.key"),
    }).connect(at(portOf(listener)));
    const accepted = await listener.accept();
    try {
      await pingPong(client, accepted);
    } finally {
      client.close();
      accepted.close();
    }
  });
});

Deno.test("TLS client checks the name given as hostname against the server's DNS SANs", async () => {
  await withListener(serverSettings(new HandshakeErrors()), async (listener) => {
    const client = await tlsTransport(settings("client", { hostname: "localhost" }))
      .connect(at(portOf(listener)));
    const server = await listener.accept();
    try {
      await pingPong(client, server);
    } finally {
      client.close();
      server.close();
    }
    const wrong = tlsTransport(settings("client", { hostname: "elsewhere.denomas.test" }));
    const error = await clientFailure(wrong, portOf(listener));
    assert(error instanceof TlsHandshakeError, String(error));
    assert(/not valid for "elsewhere\.denomas\.test"/.test(error.message), error.message);
  });
});

Deno.test("TLS transport takes separate server and client settings", async () => {
  // One transport, like a container: `server` for accepted connections, `client` for opened ones.
  const transport = tlsTransport({
    server: serverSettings(new HandshakeErrors()),
    client: settings("client"),
  });
  const listener = await transport.listen(LOOPBACK);
  try {
    const client = await transport.connect(at(portOf(listener)));
    const server = await listener.accept();
    try {
      assertEquals(server.peer.certificate?.subject, "O=denomas tests, CN=denomas test client");
      assertEquals(client.peer.certificate?.subject, "O=denomas tests, CN=denomas test server");
      await pingPong(client, server);
    } finally {
      client.close();
      server.close();
    }
  } finally {
    listener.close();
  }
});

Deno.test("TLS without mutual authentication accepts clients that have no certificate", async () => {
  const errors = new HandshakeErrors();
  await withListener(serverSettings(errors, { mutual: false }), async (listener) => {
    const client = await tlsTransport({ ca: pki("ca.pem"), mutual: false })
      .connect(at(portOf(listener)));
    const server = await listener.accept();
    try {
      await pingPong(client, server);
      assertEquals(server.peer.certificate, undefined);
      assertEquals(client.peer.certificate?.subject, "O=denomas tests, CN=denomas test server");
    } finally {
      client.close();
      server.close();
    }
  });
  assertEquals(errors.errors.length, 0);
});

// ---------------------------------------------------------------------------
// Protocol versions

Deno.test("TLS 1.3 is negotiated between our peers", async () => {
  // Our listener, seen from a node:tls client.
  await withListener(serverSettings(new HandshakeErrors()), async (listener) => {
    const protocol = await nodeClientProtocol(portOf(listener), {});
    assertEquals(protocol.version, "TLSv1.3");
  });
  // Our client, seen from a node:tls server.
  const seen = await withNodeServer({}, async (port, sockets) => {
    const conn = await tlsTransport(settings("client")).connect(at(port));
    try {
      await writeAll(conn, encoder.encode("x"));
      const socket = await sockets;
      return socket.getProtocol();
    } finally {
      conn.close();
    }
  });
  assertEquals(seen, "TLSv1.3");
});

Deno.test("TLS server accepts a TLS 1.2 client with an ECDHE-AES-GCM suite, as Python aiomas is", async () => {
  await withListener(serverSettings(new HandshakeErrors()), async (listener) => {
    const protocol = await nodeClientProtocol(portOf(listener), { maxVersion: "TLSv1.2" });
    assertEquals(protocol.version, "TLSv1.2");
    // The server verified that client over TLS 1.2 and handed it out.
    const accepted = await listener.accept();
    assertEquals(accepted.peer.certificate?.subject, "O=denomas tests, CN=denomas test client");
    accepted.close();
    assert(
      /^TLS_ECDHE_(RSA|ECDSA)_WITH_AES_(128_GCM_SHA256|256_GCM_SHA384)$/.test(protocol.cipher),
      protocol.cipher,
    );
    // The exact suite that Python's `ECDH+AESGCM` context offers first for an RSA certificate.
    const hello = await rawServerHello(portOf(listener), 0x0303, [0xc02f]);
    assertEquals(hello.kind, "server_hello");
    assertEquals(hello.version, 0x0303);
    assertEquals(hello.cipher, 0xc02f); // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
  });
});

Deno.test("TLS server refuses TLS 1.1, CBC suites and RSA key exchange", async () => {
  const errors = new HandshakeErrors();
  await withListener(serverSettings(errors), async (listener) => {
    const refused: [string, number, number[]][] = [
      ["TLS 1.1", 0x0302, [0xc02f, 0xc013]],
      ["TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0x0303, [0xc013]],
      ["TLS_RSA_WITH_AES_128_GCM_SHA256", 0x0303, [0x009c]],
    ];
    for (const [what, version, suites] of refused) {
      const hello = await rawServerHello(portOf(listener), version, suites);
      assert(hello.kind !== "server_hello", `${what} was accepted: ${JSON.stringify(hello)}`);
    }
    await errors.nth(refused.length - 1);
    await assertServesGoodClient(listener);
  });
});

Deno.test("TLS client talks TLS 1.2 to a server that speaks nothing newer, as Python aiomas", async () => {
  const seen = await withNodeServer({ maxVersion: "TLSv1.2" }, async (port, sockets) => {
    const conn = await tlsTransport(settings("client")).connect(at(port));
    try {
      await writeAll(conn, encoder.encode("hi"));
      const socket = await sockets;
      assertEquals(decoder.decode(await readExactly(conn, 2)), "hi");
      return `${socket.getProtocol()} ${socket.getPeerCertificate().subject?.CN}`;
    } finally {
      conn.close();
    }
  });
  assertEquals(seen, "TLSv1.2 denomas test client");
});

// ---------------------------------------------------------------------------
// Bad peers: each fails clearly, is never accepted, and good clients still get in.

Deno.test("TLS server refuses a client without a certificate and keeps serving", async () => {
  const errors = new HandshakeErrors();
  await withListener(serverSettings(errors), async (listener) => {
    const bad = tlsTransport({ ca: pki("ca.pem"), mutual: false });
    const error = await clientFailure(bad, portOf(listener));
    assert(error instanceof TlsHandshakeError, String(error));
    assert(/requires a client certificate/.test(error.message), error.message);
    const seen = await errors.nth(0);
    assert(seen instanceof TlsHandshakeError, String(seen));
    assertEquals(seen.side, "server");
    assertEquals(seen.failure, "no-certificate");
    assert(/sent no certificate/.test(seen.message), seen.message);
    await assertServesGoodClient(listener);
  });
});

// Certificates both sides refuse, for the same reason: [what, fixture name
// without the role, failure, what the refusal says].
const badCertificates: [string, string, TlsFailure, (role: string) => RegExp][] = [
  [
    "from another CA",
    "other",
    "unknown-ca",
    (role) =>
      new RegExp(
        `${role} certificate "O=denomas tests, CN=denomas other ${role}" is not signed by ` +
          `the configured CA \\(its issuer is "O=denomas tests, CN=denomas other CA"`,
      ),
  ],
  [
    "that expired",
    "expired",
    "expired",
    (role) => new RegExp(`${role} certificate .* expired 2001-01-01T00:00:00\\.000Z`),
  ],
  [
    "that is not valid yet",
    "future",
    "not-yet-valid",
    (role) =>
      new RegExp(`${role} certificate .* is not valid yet: its validity starts 2100-01-01T`),
  ],
  [
    "that is X.509 v1 (the aiomas manual's recipe)",
    "v1",
    "v1-certificate",
    (role) => new RegExp(`${role} certificate "CN=.*" is an X\\.509 v1 certificate`),
  ],
];

for (const [what, name, failure, says] of badCertificates) {
  Deno.test(`TLS server refuses a client certificate ${what}, says so, and keeps serving`, async () => {
    const errors = new HandshakeErrors();
    await withListener(serverSettings(errors), async (listener) => {
      const error = await clientFailure(
        tlsTransport(settings(`${name}_client`)),
        portOf(listener),
      );
      assert(error instanceof TlsHandshakeError, String(error));
      assertEquals(error.side, "client");
      assertEquals(error.failure, "refused-by-peer");
      assert(/may have refused this side's certificate/.test(error.message), error.message);
      const seen = await errors.nth(0);
      assert(seen instanceof TlsHandshakeError, String(seen));
      assertEquals(seen.side, "server");
      assertEquals(seen.failure, failure);
      assert(says("client").test(seen.message), seen.message);
      assert(/^127\.0\.0\.1:\d+$/.test(seen.peer), seen.peer);
      assert(seen.message.startsWith(`TLS handshake with ${seen.peer} failed`), seen.message);
      await assertServesGoodClient(listener);
      assertEquals(errors.errors.length, 1);
    });
  });

  Deno.test(`TLS client refuses a server certificate ${what} and says so`, async () => {
    await withListener(
      settings(`${name}_server`, { onError: new HandshakeErrors().push }),
      async (listener, serverSide) => {
        const error = await clientFailure(
          tlsTransport(settings("client", { hostname: "localhost" })),
          portOf(listener),
        );
        assert(error instanceof TlsHandshakeError, String(error));
        assertEquals(error.side, "client");
        assertEquals(error.failure, failure, error.message);
        assert(says("server").test(error.message), error.message);
        // The refused server saw a connection that ended before a byte.
        const accepted = await listener.accept();
        assertEquals(await accepted.read(new Uint8Array(1)), null);
        accepted.close();
        void serverSide;
      },
    );
  });
}

Deno.test("TLS client checks an IP address against IP SANs only, as Python's ssl", async () => {
  // A v3 certificate with CN=127.0.0.1 and no SAN.
  await withListener(
    settings("cn_ip_server", { onError: new HandshakeErrors().push }),
    async (listener) => {
      const error = await clientFailure(tlsTransport(settings("client")), portOf(listener));
      assert(error instanceof TlsHandshakeError, String(error));
      assertEquals(error.failure, "name-mismatch");
      assertEquals(
        error.message,
        `TLS handshake with 127.0.0.1:${portOf(listener)} failed (this side is the client): ` +
          `the server certificate is not valid for "127.0.0.1": it names no SAN, only the ` +
          `subject "CN=127.0.0.1"; an IP address must be in an IP SAN (a CN is only ` +
          `compared with DNS names)`,
      );
      (await listener.accept()).close();
    },
  );
});

Deno.test("TLS client takes the CN of a certificate without DNS SANs for a DNS name, as Python's ssl", async () => {
  await withListener(
    settings("cn_name_server", { onError: new HandshakeErrors().push }),
    async (listener) => {
      const client = await tlsTransport(settings("client", { hostname: "localhost" }))
        .connect(at(portOf(listener)));
      const server = await listener.accept();
      try {
        assertEquals(client.peer.certificate?.subject, "CN=localhost");
        await pingPong(client, server);
      } finally {
        client.close();
        server.close();
      }
      const error = await clientFailure(
        tlsTransport(settings("client", { hostname: "elsewhere.test" })),
        portOf(listener),
      );
      assert(error instanceof TlsHandshakeError, String(error));
      assertEquals(error.failure, "name-mismatch");
      assert(
        /it names no SAN, only the subject "CN=localhost"$/.test(error.message),
        error.message,
      );
      (await listener.accept()).close();
    },
  );
});

Deno.test("TLS client refuses a server whose certificate does not match the host", async () => {
  const errors = new HandshakeErrors();
  await withListener(
    settings("wrong_host", { onError: errors.push }),
    async (listener) => {
      const error = await clientFailure(tlsTransport(settings("client")), portOf(listener));
      assert(error instanceof TlsHandshakeError, String(error));
      assertEquals(error.side, "client");
      assert(/not valid for "127\.0\.0\.1"/.test(error.message), error.message);
      // A client that expects the name on the certificate still gets in.
      const client = await tlsTransport(
        settings("client", { hostname: "wrong-host.denomas.test" }),
      ).connect(at(portOf(listener)));
      try {
        // The refused client finished its handshake before checking the name
        // (node:tls checks names afterwards), so the server may have accepted
        // it: it closed without sending a byte. Skip it.
        let server = await listener.accept();
        if (server.peer.address !== client.localAddress) {
          assertEquals(await server.read(new Uint8Array(1)), null);
          server.close();
          server = await listener.accept();
        }
        assertEquals(server.peer.address, client.localAddress);
        await pingPong(client, server);
        server.close();
      } finally {
        client.close();
      }
    },
  );
});

Deno.test("TLS listener reports refusals to its listen onError, unless the settings have their own", async () => {
  const fromListen = new HandshakeErrors();
  const listener = await tlsTransport(settings("server")).listen(LOOPBACK, {
    onError: fromListen.push,
  });
  try {
    await clientFailure(tlsTransport(settings("other_client")), portOf(listener));
    const seen = await fromListen.nth(0);
    assert(seen instanceof TlsHandshakeError, String(seen));
    assertEquals(seen.failure, "unknown-ca");
  } finally {
    listener.close();
  }

  const fromSettings = new HandshakeErrors();
  const unused = new HandshakeErrors();
  const own = await tlsTransport(serverSettings(fromSettings)).listen(LOOPBACK, {
    onError: unused.push,
  });
  try {
    await clientFailure(tlsTransport(settings("expired_client")), portOf(own));
    assertEquals((await fromSettings.nth(0) as TlsHandshakeError).failure, "expired");
    assertEquals(unused.errors.length, 0);
  } finally {
    own.close();
  }
});

Deno.test("TLS listener logs refusals with logError by default, and survives a throwing onError", async () => {
  const logged: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void logged.push(args.join(" "));
  try {
    const listener = await tlsTransport(settings("server")).listen(LOOPBACK);
    try {
      await clientFailure(tlsTransport(settings("v1_client")), portOf(listener));
      while (logged.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      assert(
        /^denomas: TlsHandshakeError: TLS handshake with 127\.0\.0\.1:\d+ failed \(this side is the server\): the client certificate "CN=denomas v1 client" is an X\.509 v1/
          .test(logged[0]),
        logged[0],
      );
    } finally {
      listener.close();
    }
    logged.length = 0;
    const throwing = await tlsTransport(settings("server", {
      onError: () => {
        throw new Error("handler broke");
      },
    })).listen(LOOPBACK);
    try {
      await clientFailure(tlsTransport(settings("other_client")), portOf(throwing));
      while (logged.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      assert(/denomas: Error: handler broke/.test(logged[0]), logged[0]);
      await assertServesGoodClient(throwing);
    } finally {
      throwing.close();
    }
  } finally {
    console.error = original;
  }
});

Deno.test("TLS server refuses a plaintext client and keeps serving", async () => {
  const errors = new HandshakeErrors();
  await withListener(serverSettings(errors), async (listener) => {
    const plain = await Deno.connect({ hostname: "127.0.0.1", port: portOf(listener) });
    try {
      // An aiomas frame: length 13, then `[0, 0, "ohai"]`.
      await plain.write(
        new Uint8Array([0, 0, 0, 13, ...encoder.encode('[0, 0, "ohai"]').slice(0, 13)]),
      );
      const seen = await errors.nth(0);
      assert(/does not speak TLS/.test(seen.message), seen.message);
      // The server hangs up: whatever it sent, the stream ends.
      await drain(plain);
    } finally {
      plain.close();
    }
    await assertServesGoodClient(listener);
  });
});

Deno.test("TLS client fails clearly against a plaintext server", async () => {
  using plainServer = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    const conn = await plainServer.accept();
    try {
      // Read the ClientHello and answer the way a plaintext aiomas peer
      // would: a frame, then hang up.
      await conn.read(new Uint8Array(4096));
      await conn.write(new Uint8Array([0, 0, 0, 13, ...encoder.encode('[2, 0, "nope"]')]));
    } finally {
      conn.close();
    }
  })();
  const error = await clientFailure(tlsTransport(settings("client")), portOf(plainServer));
  await serving;
  assert(error instanceof TlsHandshakeError, String(error));
  assert(
    /does not speak TLS|closed the connection during the handshake/.test(error.message),
    error.message,
  );
});

Deno.test("TLS server drops a client that never finishes the handshake, after the timeout", async () => {
  const errors = new HandshakeErrors();
  await withListener(serverSettings(errors, { handshakeTimeout: 200 }), async (listener) => {
    const silent = await Deno.connect({ hostname: "127.0.0.1", port: portOf(listener) });
    try {
      const seen = await errors.nth(0);
      assert(seen instanceof TimeoutError, String(seen));
      assertEquals(seen.timeout, 200);
      const peer = `127.0.0.1:${(silent.localAddr as Deno.NetAddr).port}`;
      assertEquals(seen.message, `TLS handshake with ${peer} timed out after 200 ms`);
      await drain(silent);
    } finally {
      silent.close();
    }
    await assertServesGoodClient(listener);
  });
});

Deno.test("TLS client gives up on a server that never answers the handshake, after the timeout", async () => {
  using silentServer = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = silentServer.accept();
  const transport = tlsTransport(settings("client", { handshakeTimeout: 200 }));
  await assertRejects(transport.connect(at(portOf(silentServer))), (error: Error) => {
    assert(error instanceof TimeoutError, String(error));
    assertEquals(
      error.message,
      `TLS handshake with 127.0.0.1:${portOf(silentServer)} timed out after 200 ms`,
    );
    return true;
  });
  (await accepted).close();
});

// ---------------------------------------------------------------------------
// Connecting and listening

Deno.test("TLS connect rejects with the abort reason when its signal aborts", async () => {
  using silentServer = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const controller = new AbortController();
  const reason = new Error("stop connecting");
  const accepted = silentServer.accept().then((conn) => {
    controller.abort(reason);
    return conn;
  });
  const transport = tlsTransport(settings("client"));
  await assertRejects(transport.connect(at(portOf(silentServer)), controller.signal), reason);
  (await accepted).close();
  await assertRejects(transport.connect(at(portOf(silentServer)), controller.signal), reason);
});

Deno.test("TLS connect to a port nobody listens on is ConnectionRefused, so callers can retry", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = portOf(probe);
  probe.close();
  await assertRejects(
    tlsTransport(settings("client")).connect(at(port)),
    Deno.errors.ConnectionRefused,
  );
});

Deno.test("TLS listener close rejects a waiting accept and ends iteration", async () => {
  const listener = await tlsTransport(serverSettings(new HandshakeErrors())).listen(LOOPBACK);
  const waiting = listener.accept();
  const iterated: Conn[] = [];
  const iterating = (async () => {
    for await (const conn of listener) iterated.push(conn);
  })();
  listener.close();
  listener.close(); // idempotent
  await assertRejects(waiting, Deno.errors.BadResource);
  await iterating;
  assertEquals(iterated.length, 0);
  await assertRejects(listener.accept(), Deno.errors.BadResource);
  // The port is free again.
  const again = Deno.listen({ hostname: "127.0.0.1", port: portOf(listener) });
  again.close();
});

Deno.test("TLS listen on a port in use rejects", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await assertRejects(
    tlsTransport(serverSettings(new HandshakeErrors())).listen(at(portOf(taken))),
    (error: Error & { code?: string }) =>
      error.code === "EADDRINUSE" || /in use/i.test(error.message),
  );
});

Deno.test("TLS transport only carries TCP endpoints", async () => {
  const transport = tlsTransport(settings("client"));
  await assertRejects(transport.connect({ transport: "unix", path: "/tmp/x.sock" }), TypeError);
  await assertRejects(transport.listen({ transport: "local", name: "q" }), TypeError);
});

Deno.test("TLS connection moves 8 MiB intact through a slow reader", async () => {
  await withListener(serverSettings(new HandshakeErrors()), async (listener) => {
    const client = await tlsTransport(settings("client")).connect(at(portOf(listener)));
    const server = await listener.accept();
    try {
      const data = new Uint8Array(8 * 1024 * 1024);
      for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 11)) & 0xff;
      const writing = writeAll(client, data);
      const received = new Uint8Array(data.length);
      let filled = 0;
      const small = new Uint8Array(7919); // a prime, so reads straddle chunks
      while (filled < received.length) {
        const n = await server.read(small);
        if (n === null) throw new Error("ended early");
        received.set(small.subarray(0, n), filled);
        filled += n;
      }
      await writing;
      assert(received.every((byte, i) => byte === data[i]), "data differs");
      client.close();
      assertEquals(await server.read(small), null);
    } finally {
      client.close();
      server.close();
    }
  });
});

Deno.test("TLS read after close resolves null and write rejects", async () => {
  await withListener(serverSettings(new HandshakeErrors()), async (listener) => {
    const client = await tlsTransport(settings("client")).connect(at(portOf(listener)));
    const server = await listener.accept();
    try {
      await pingPong(client, server);
      const pending = server.read(new Uint8Array(8));
      server.close();
      server.close(); // idempotent
      assertEquals(await pending, null);
      assertEquals(await server.read(new Uint8Array(8)), null);
      await assertRejects(server.write(new Uint8Array([1])), Deno.errors.BadResource);
      // The client sees the end of the stream.
      assertEquals(await client.read(new Uint8Array(8)), null);
    } finally {
      client.close();
    }
  });
});

// ---------------------------------------------------------------------------
// Configuration

Deno.test("TLS options with unreadable, non-PEM or incomplete material throw TlsConfigError", () => {
  assertThrows(
    () =>
      tlsTransport({ ca: "/nonexistent/ca.pem", cert: pki("client.pem"), key: pki("client.key") }),
    (error: Error) =>
      error instanceof TlsConfigError && /Cannot read TLS "ca" file/.test(error.message),
  );
  assertThrows(
    () => tlsTransport({ ca: pki("make_pki.sh"), cert: pki("client.pem"), key: pki("client.key") }),
    (error: Error) =>
      error instanceof TlsConfigError && /does not contain PEM data/.test(error.message),
  );
  assertThrows(
    () => tlsTransport({ ca: pki("ca.pem"), cert: pki("client.pem") }),
    (error: Error) => error instanceof TlsConfigError && /cert without its key/.test(error.message),
  );
  assertThrows(
    () => tlsTransport({ server: { ca: pki("ca.pem") }, client: settings("client") }),
    (error: Error) =>
      error instanceof TlsConfigError && /server needs `cert` and `key`/.test(error.message),
  );
  assertThrows(
    () => tlsTransport({ server: settings("server"), client: { ca: pki("ca.pem") } }),
    (error: Error) =>
      error instanceof TlsConfigError && /mutual authentication/.test(error.message),
  );
  assertThrows(
    () => tlsTransport({ server: settings("server") } as unknown as TlsOptions),
    (error: Error) =>
      error instanceof TlsConfigError && /both `server` and `client`/.test(error.message),
  );
  assertThrows(
    () => tlsTransport(settings("client", { handshakeTimeout: 0 })),
    (error: Error) => error instanceof TlsConfigError && /handshakeTimeout/.test(error.message),
  );
});

Deno.test("TLS client trusts only the configured CA, even one that Deno's root store trusts", async () => {
  // A child process where Deno's own root store also trusts the other CA
  // (DENO_CERT). Deno.connectTls adds that store to `caCerts`; our client
  // must not.
  const tlsModule = new URL("../channel/tls/mod.ts", import.meta.url).href;
  const script = `
    import * as tls from "node:tls";
    import { tlsTransport } from ${JSON.stringify(tlsModule)};
    const read = (name) => Deno.readTextFileSync(${JSON.stringify(pki(""))} + name);
    const server = tls.createServer({
      ca: read("ca.pem"), cert: read("other_client.pem"), key: read("other_client.key"),
      requestCert: true, rejectUnauthorized: true,
    });
    server.on("secureConnection", (socket) => socket.on("error", () => {}));
    server.on("tlsClientError", (_error, socket) => socket.destroy());
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = server.address().port;
    const results = {};
    try {
      const conn = await Deno.connectTls({
        hostname: "127.0.0.1", port, caCerts: [read("ca.pem")],
        cert: read("client.pem"), key: read("client.key"),
        unsafelyDisableHostnameVerification: true,
      });
      await conn.handshake();
      conn.close();
      results.denoConnectTls = "accepted";
    } catch (error) { results.denoConnectTls = "refused: " + error.message; }
    try {
      const transport = tlsTransport({
        ca: read("ca.pem"), cert: read("client.pem"), key: read("client.key"),
        hostname: "client.denomas.test",
      });
      const conn = await transport.connect({ transport: "tcp", hostname: "127.0.0.1", port });
      conn.close();
      results.ours = "accepted";
    } catch (error) { results.ours = "refused: " + error.message; }
    server.close();
    console.log(JSON.stringify(results));
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", script],
    env: { DENO_CERT: pki("other_ca.pem"), NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = decoder.decode(output.stderr);
  assert(output.success, stderr);
  const results = JSON.parse(decoder.decode(output.stdout).trim().split("\n").at(-1)!);
  // The premise: Deno's own TLS client trusts the extra root.
  assertEquals(results.denoConnectTls, "accepted");
  assert(/^refused: .*certificate/.test(results.ours), results.ours);
});

// ---------------------------------------------------------------------------
// Helpers that speak TLS without our transport

/** Connects with node:tls (our test CA, the client certificate) and reports what was negotiated. */
function nodeClientProtocol(
  port: number,
  extra: nodeTls.ConnectionOptions,
): Promise<{ version: string; cipher: string }> {
  return new Promise((resolve, reject) => {
    const socket = nodeTls.connect({
      host: "127.0.0.1",
      port,
      ca: Deno.readTextFileSync(pki("ca.pem")),
      cert: Deno.readTextFileSync(pki("client.pem")),
      key: Deno.readTextFileSync(pki("client.key")),
      ...extra,
    });
    socket.once("secureConnect", () => {
      const result = {
        version: socket.getProtocol() ?? "",
        cipher: socket.getCipher().standardName,
      };
      socket.on("close", () => resolve(result));
      socket.end();
    });
    socket.once("error", reject);
  });
}

/** Runs `body` against a node:tls server with the test PKI; `socket` is its first verified connection. */
async function withNodeServer<T>(
  extra: nodeTls.TlsOptions,
  body: (port: number, socket: Promise<nodeTls.TLSSocket>) => Promise<T>,
): Promise<T> {
  const server = nodeTls.createServer({
    ca: Deno.readTextFileSync(pki("ca.pem")),
    cert: Deno.readTextFileSync(pki("server.pem")),
    key: Deno.readTextFileSync(pki("server.key")),
    requestCert: true,
    rejectUnauthorized: true,
    ...extra,
  });
  const sockets: nodeTls.TLSSocket[] = [];
  const first = new Promise<nodeTls.TLSSocket>((resolve) => {
    server.on("secureConnection", (socket: nodeTls.TLSSocket) => {
      sockets.push(socket);
      socket.on("error", () => {});
      socket.on("data", (data: Uint8Array) => socket.write(data));
      resolve(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  try {
    return await body(port, first);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Reads until the end of the stream (or a reset), discarding the bytes. */
async function drain(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(1024);
  try {
    while (await conn.read(buffer) !== null) { /* discard */ }
  } catch (error) {
    if (!(error instanceof Deno.errors.ConnectionReset)) throw error;
  }
}

/**
 * Sends a hand-built ClientHello that offers only `version` and `suites`
 * (as a Python aiomas client would: TLS 1.2, ECDHE-AES-GCM) and reads what
 * the server answers first.
 */
async function rawServerHello(
  port: number,
  version: number,
  suites: number[],
): Promise<{ kind: string; version?: number; cipher?: number }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(clientHello(version, suites));
    const header = await readRaw(conn, 5);
    if (header === null) return { kind: "closed" };
    const length = (header[3] << 8) | header[4];
    const body = await readRaw(conn, length);
    if (body === null) return { kind: "closed" };
    if (header[0] === 21) return { kind: `alert ${body[1]}` };
    if (header[0] !== 22 || body[0] !== 2) return { kind: `record ${header[0]}/${body[0]}` };
    // ServerHello: type(1) length(3) version(2) random(32) session_id(1+n) suite(2) compression(1) extensions
    let at = 4;
    let negotiated = (body[at] << 8) | body[at + 1];
    at += 2 + 32;
    at += 1 + body[at];
    const cipher = (body[at] << 8) | body[at + 1];
    at += 3;
    const end = at + 2 + ((body[at] << 8) | body[at + 1]);
    for (at += 2; at + 4 <= end;) {
      const type = (body[at] << 8) | body[at + 1];
      const size = (body[at + 2] << 8) | body[at + 3];
      // supported_versions: the real version of a TLS 1.3 ServerHello.
      if (type === 43) negotiated = (body[at + 4] << 8) | body[at + 5];
      at += 4 + size;
    }
    return { kind: "server_hello", version: negotiated, cipher };
  } finally {
    conn.close();
  }
}

async function readRaw(conn: Deno.Conn, length: number): Promise<Uint8Array | null> {
  const out = new Uint8Array(length);
  let filled = 0;
  try {
    while (filled < length) {
      const n = await conn.read(out.subarray(filled));
      if (n === null) return null;
      filled += n;
    }
  } catch (error) {
    if (error instanceof Deno.errors.ConnectionReset) return null;
    throw error;
  }
  return out;
}

function clientHello(version: number, suites: number[]): Uint8Array {
  const u16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
  const extension = (type: number, data: number[]) => [...u16(type), ...u16(data.length), ...data];
  const groups = [0x001d, 0x0017].flatMap(u16); // x25519, secp256r1
  const signatures = [0x0804, 0x0401, 0x0403, 0x0805, 0x0501].flatMap(u16);
  const extensions = [
    ...extension(0x000a, [...u16(groups.length), ...groups]), // supported_groups
    ...extension(0x000b, [1, 0]), // ec_point_formats: uncompressed
    ...extension(0x000d, [...u16(signatures.length), ...signatures]), // signature_algorithms
    ...extension(0x0017, []), // extended_master_secret
    ...extension(0xff01, [0]), // renegotiation_info
  ];
  const random = crypto.getRandomValues(new Uint8Array(32));
  const cipherSuites = suites.flatMap(u16);
  const body = [
    ...u16(version),
    ...random,
    0, // no session id
    ...u16(cipherSuites.length),
    ...cipherSuites,
    1,
    0, // compression: none
    ...u16(extensions.length),
    ...extensions,
  ];
  const handshake = [1, (body.length >> 16) & 0xff, ...u16(body.length & 0xffff), ...body];
  return new Uint8Array([22, 3, 1, ...u16(handshake.length), ...handshake]);
}
