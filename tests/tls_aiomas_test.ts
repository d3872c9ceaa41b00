/**
 * Certificates from an aiomas deployment, made with real openssl: the
 * manual's recipe gives X.509 v1 certificates, which both sides refuse for
 * that reason; the commands of docs/tls.md ("Certificates from an aiomas
 * deployment") sign the same request again, and the result works both ways.
 */

import { ok as assert, strictEqual as assertEquals } from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { type Channel, openConnection, startServer } from "../channel/mod.ts";
import { TlsHandshakeError, type TlsSettings, tlsTransport } from "../channel/tls/mod.ts";
import { x509Version } from "../channel/tls/certificate.ts";
import type { Conn, Listener } from "../channel/transport.ts";
import { HandshakeErrors } from "./_tls_pki.ts";

const decoder = new TextDecoder();

async function sh(dir: string, script: string): Promise<string> {
  const output = await new Deno.Command("bash", {
    args: ["-euo", "pipefail", "-c", script],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = decoder.decode(output.stdout);
  assert(output.success, `${script}\n${stdout}\n${decoder.decode(output.stderr)}`);
  return stdout;
}

/** The aiomas manual's commands, with the interactive answers given as -subj. */
async function aiomasDeployment(dir: string): Promise<void> {
  await sh(
    dir,
    `
    openssl genrsa -out ca.key 2048
    openssl req -new -x509 -nodes -key ca.key -out ca.pem -days 1000 -subj "/CN=my agents CA"
    openssl genrsa -out device.key 2048
    openssl req -new -key device.key -out device.csr -subj "/CN=host1.example"
    openssl x509 -CA ca.pem -CAkey ca.key -CAcreateserial -req -in device.csr -out device.pem
    `,
  );
}

/** The shell block under the heading "Certificates from an aiomas deployment". */
function docsRecipe(): string {
  const text = Deno.readTextFileSync(new URL("../docs/tls.md", import.meta.url));
  const section = text.split("## Certificates from an aiomas deployment")[1];
  const block = section?.match(/```sh\n([\s\S]*?)```/);
  assert(block, "docs/tls.md has no sh block in its aiomas section");
  return block[1];
}

function deviceSettings(dir: string, extra: Partial<TlsSettings> = {}): TlsSettings {
  return {
    ca: `${dir}/ca.pem`,
    cert: `${dir}/device.pem`,
    key: `${dir}/device.key`,
    hostname: "host1.example",
    ...extra,
  };
}

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "denomas_aiomas_pki_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The error a client sees, at connect or at its first read. */
async function clientFailure(settings: TlsSettings, port: number): Promise<Error> {
  let conn: Conn;
  try {
    conn = await tlsTransport(settings).connect({ transport: "tcp", hostname: "127.0.0.1", port });
  } catch (error) {
    return error as Error;
  }
  try {
    await conn.read(new Uint8Array(1));
    return new Error("the client was not refused");
  } catch (error) {
    return error as Error;
  } finally {
    conn.close();
  }
}

Deno.test("the aiomas manual's openssl recipe makes X.509 v1 certificates, which both sides refuse as such", async () => {
  await withDir(async (dir) => {
    await aiomasDeployment(dir);
    const device = new X509Certificate(await Deno.readTextFile(`${dir}/device.pem`));
    assertEquals(x509Version(device.raw), 1);
    assertEquals(device.subjectAltName, undefined);

    // A v3 certificate from the same CA for the other end.
    await sh(
      dir,
      `
      openssl genrsa -out v3.key 2048
      openssl req -new -key v3.key -out v3.csr -subj "/CN=v3.example"
      printf 'subjectAltName=DNS:v3.example\\n' > v3.ext
      openssl x509 -req -in v3.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out v3.pem \\
        -extfile v3.ext
      `,
    );
    const v3 = (extra: Partial<TlsSettings> = {}) =>
      deviceSettings(dir, { cert: `${dir}/v3.pem`, key: `${dir}/v3.key`, ...extra });

    // Our client refuses it as the server's certificate, and says why.
    const v1Server = await tlsTransport(deviceSettings(dir, { onError: () => {} }))
      .listen({ transport: "tcp", hostname: "127.0.0.1", port: 0 });
    try {
      const error = await clientFailure(v3(), portOf(v1Server));
      assert(error instanceof TlsHandshakeError, String(error));
      assertEquals(error.failure, "v1-certificate");
      assert(
        /server certificate "CN=host1\.example" is an X\.509 v1 certificate/.test(error.message),
        error.message,
      );
      (await v1Server.accept()).close();
    } finally {
      v1Server.close();
    }

    // Our server refuses it as a client certificate, for the same reason.
    const errors = new HandshakeErrors();
    const v3Server = await tlsTransport(v3({ onError: errors.push }))
      .listen({ transport: "tcp", hostname: "127.0.0.1", port: 0 });
    try {
      const error = await clientFailure(
        deviceSettings(dir, { hostname: "v3.example" }),
        portOf(v3Server),
      );
      assert(error instanceof TlsHandshakeError, String(error));
      assertEquals(error.failure, "refused-by-peer");
      const seen = await errors.nth(0);
      assert(seen instanceof TlsHandshakeError, String(seen));
      assertEquals(seen.side, "server");
      assertEquals(seen.failure, "v1-certificate");
      assert(
        /client certificate "CN=host1\.example" is an X\.509 v1 certificate/.test(seen.message),
        seen.message,
      );
    } finally {
      v3Server.close();
    }
  });
});

function portOf(listener: Listener): number {
  return listener.endpoint.transport === "tcp" ? listener.endpoint.port : 0;
}

Deno.test("the recipe in docs/tls.md turns an aiomas deployment's request into a certificate both sides accept", async () => {
  await withDir(async (dir) => {
    await aiomasDeployment(dir);
    const keyBefore = await Deno.readTextFile(`${dir}/device.key`);
    const shown = await sh(dir, docsRecipe());
    assert(shown.includes("Version: 3"), shown);
    assert(shown.includes("DNS:host1.example"), shown);
    assertEquals(await Deno.readTextFile(`${dir}/device.key`), keyBefore);

    const errors = new HandshakeErrors();
    await using server = await startServer(["127.0.0.1", 0], async (channel: Channel) => {
      const request = await channel.recv();
      await request.reply(`${request.content} from ${channel.peer.certificate?.subject}`);
    }, { tls: deviceSettings(dir, { onError: errors.push }) });
    // The same certificate serves as client certificate (both key usages).
    await using channel = await openConnection(server.address, { tls: deviceSettings(dir) });
    assertEquals(await channel.send("ohai"), "ohai from CN=host1.example");
    assertEquals(channel.peer.certificate?.subjectAltNames.includes("DNS:host1.example"), true);
    assertEquals(errors.errors.length, 0);
  });
});
