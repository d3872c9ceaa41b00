/**
 * A minimal TLS 1.2 client (ECDHE-RSA-AES128-GCM-SHA256, x25519) that shows
 * a certificate and signs the handshake (CertificateVerify) with any key it
 * is given: it poses as the certificate's owner without its key. Test use
 * only; it checks nothing of the server.
 *
 * @module
 */

import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  sign,
  X509Certificate,
} from "node:crypto";
import { concat } from "./_bytes.ts";

/** What the server did with the forged handshake. */
export type ForgeryOutcome =
  | { readonly kind: "accepted"; readonly data: Uint8Array }
  | { readonly kind: "alert"; readonly description: number }
  | { readonly kind: "closed" };

/** The DER SubjectPublicKeyInfo of an x25519 key, without the 32 key bytes. */
const X25519_SPKI_PREFIX = Uint8Array.from(
  [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00],
);

/**
 * Connects to `port`, shows `certPem`, signs with `signingKeyPem`, and
 * reports whether the server let application data through.
 */
export async function forgeClientHandshake(
  port: number,
  certPem: string,
  signingKeyPem: string,
): Promise<ForgeryOutcome> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const records = new RecordReader(conn);
  const transcript: Uint8Array[] = [];
  const handshake = (type: number, body: Uint8Array) => {
    const message = concat([Uint8Array.of(type), u24(body.length), body]);
    transcript.push(message);
    return message;
  };
  const send = (type: number, data: Uint8Array) =>
    writeAll(conn, concat([Uint8Array.of(type, 3, 3), u16(data.length), data]));
  try {
    const clientRandom = crypto.getRandomValues(new Uint8Array(32));
    const extensions = concat([
      extension(0x000a, concat([u16(2), u16(0x001d)])), // supported_groups: x25519
      extension(0x000b, Uint8Array.of(1, 0)), // ec_point_formats
      extension(0x000d, concat([u16(4), u16(0x0804), u16(0x0401)])), // signature_algorithms
      extension(0xff01, Uint8Array.of(0)), // renegotiation_info
    ]);
    await send(
      22,
      handshake(
        1,
        concat([
          u16(0x0303),
          clientRandom,
          Uint8Array.of(0),
          u16(2),
          u16(0xc02f),
          Uint8Array.of(1, 0),
          u16(extensions.length),
          extensions,
        ]),
      ),
    );

    // ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone.
    let serverRandom: Uint8Array | undefined;
    let serverPublic: Uint8Array | undefined;
    let pending: Uint8Array = new Uint8Array(0);
    for (let done = false; !done;) {
      const record = await records.next();
      if (record === null) return { kind: "closed" };
      if (record.type === 21) return { kind: "alert", description: record.data[1] };
      pending = concat([pending, record.data]);
      while (pending.length >= 4) {
        const length = (pending[1] << 16) | (pending[2] << 8) | pending[3];
        if (pending.length < 4 + length) break;
        const message = pending.subarray(0, 4 + length);
        pending = pending.slice(4 + length);
        transcript.push(message.slice());
        if (message[0] === 2) serverRandom = message.slice(6, 38);
        if (message[0] === 12) serverPublic = message.slice(8, 8 + message[7]);
        if (message[0] === 14) done = true;
      }
    }
    if (serverRandom === undefined || serverPublic === undefined) return { kind: "closed" };

    const ours = generateKeyPairSync("x25519");
    const preMaster = new Uint8Array(diffieHellman({
      privateKey: ours.privateKey,
      publicKey: createPublicKey({
        key: concat([X25519_SPKI_PREFIX, serverPublic]) as unknown as string,
        format: "der",
        type: "spki",
      }),
    }));
    const ourPublic = new Uint8Array(
      ours.publicKey.export({ format: "der", type: "spki" }),
    ).slice(-32);
    const der = new Uint8Array(new X509Certificate(certPem).raw);
    let flight = handshake(11, concat([u24(der.length + 3), u24(der.length), der]));
    flight = concat([flight, handshake(16, concat([Uint8Array.of(ourPublic.length), ourPublic]))]);
    const signature = new Uint8Array(sign("sha256", concat(transcript), {
      key: createPrivateKey(signingKeyPem),
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    }));
    flight = concat([
      flight,
      handshake(15, concat([u16(0x0804), u16(signature.length), signature])),
    ]);
    await send(22, flight);
    await send(20, Uint8Array.of(1));

    const master = prf(preMaster, "master secret", concat([clientRandom, serverRandom]), 48);
    const keys = prf(master, "key expansion", concat([serverRandom, clientRandom]), 40);
    const [clientKey, serverKey] = [keys.slice(0, 16), keys.slice(16, 32)];
    const [clientSalt, serverSalt] = [keys.slice(32, 36), keys.slice(36, 40)];
    const verifyData = prf(
      master,
      "client finished",
      new Uint8Array(createHash("sha256").update(concat(transcript)).digest()),
      12,
    );
    const finished = concat([Uint8Array.of(20), u24(12), verifyData]);
    const explicit = new Uint8Array(8);
    const cipher = createCipheriv("aes-128-gcm", clientKey, concat([clientSalt, explicit]));
    cipher.setAAD(concat([explicit, Uint8Array.of(22, 3, 3), u16(finished.length)]));
    const sealed = concat([cipher.update(finished), cipher.final(), cipher.getAuthTag()]);
    await send(22, concat([explicit, sealed]));

    let sequence = 0n;
    for (;;) {
      const record = await records.next();
      if (record === null) return { kind: "closed" };
      if (record.type === 20) continue;
      if (record.type === 21 && sequence === 0n && record.data.length === 2) {
        return { kind: "alert", description: record.data[1] };
      }
      const nonce = record.data.subarray(0, 8);
      const body = record.data.subarray(8, record.data.length - 16);
      const decipher = createDecipheriv("aes-128-gcm", serverKey, concat([serverSalt, nonce]));
      const seq = new Uint8Array(8);
      new DataView(seq.buffer).setBigUint64(0, sequence++);
      decipher.setAAD(concat([seq, Uint8Array.of(record.type, 3, 3), u16(body.length)]));
      decipher.setAuthTag(record.data.subarray(record.data.length - 16));
      const plain = concat([decipher.update(body), decipher.final()]);
      if (record.type === 21) return { kind: "alert", description: plain[1] };
      if (record.type === 23) return { kind: "accepted", data: plain };
    }
  } finally {
    conn.close();
  }
}

class RecordReader {
  #buffer: Uint8Array = new Uint8Array(0);
  readonly #conn: Deno.Conn;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  async next(): Promise<{ type: number; data: Uint8Array } | null> {
    if (!await this.#fill(5)) return null;
    const length = (this.#buffer[3] << 8) | this.#buffer[4];
    if (!await this.#fill(5 + length)) return null;
    const record = { type: this.#buffer[0], data: this.#buffer.slice(5, 5 + length) };
    this.#buffer = this.#buffer.slice(5 + length);
    return record;
  }

  async #fill(size: number): Promise<boolean> {
    const chunk = new Uint8Array(16 * 1024);
    while (this.#buffer.length < size) {
      let n: number | null;
      try {
        n = await this.#conn.read(chunk);
      } catch (error) {
        if (error instanceof Deno.errors.ConnectionReset) return false;
        throw error;
      }
      if (n === null) return false;
      this.#buffer = concat([this.#buffer, chunk.subarray(0, n)]);
    }
    return true;
  }
}

/** The TLS 1.2 PRF with SHA-256. */
function prf(secret: Uint8Array, label: string, seed: Uint8Array, size: number): Uint8Array {
  const labelled = concat([new TextEncoder().encode(label), seed]);
  const hmac = (data: Uint8Array) =>
    new Uint8Array(createHmac("sha256", secret).update(data).digest());
  const out: Uint8Array[] = [];
  let a = labelled;
  for (let total = 0; total < size; total += 32) {
    a = hmac(a);
    out.push(hmac(concat([a, labelled])));
  }
  return concat(out).slice(0, size);
}

function extension(type: number, data: Uint8Array): Uint8Array {
  return concat([u16(type), u16(data.length), data]);
}

function u16(n: number): Uint8Array {
  return Uint8Array.of((n >> 8) & 0xff, n & 0xff);
}

function u24(n: number): Uint8Array {
  return Uint8Array.of((n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  for (let written = 0; written < data.length;) written += await conn.write(data.subarray(written));
}
