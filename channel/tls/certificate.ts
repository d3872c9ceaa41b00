/**
 * The peer's certificate: what the handshake proved ({@linkcode PeerCertificate}),
 * and, when it proved nothing, why. Both sides decide with the same
 * function, {@linkcode refusalOf}, so a certificate a server refuses is one
 * a client refuses too, for the same stated reason.
 *
 * Why X.509 v1 is refused: Deno's TLS engine does not check the handshake
 * signature of a peer that shows a v1 certificate, so the peer need not hold
 * the certificate's key. A certificate is public: anyone with a copy could
 * pose as its owner. Measured with handshakes signed by another key
 * (`tests/tls_forgery_test.ts`; a server side probe showed the same for the
 * client before this check). v3 certificates do not have the problem.
 *
 * @module
 */

import { checkServerIdentity, type PeerCertificate as NodePeerCertificate } from "node:tls";
import type { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import type { PeerCertificate } from "../transport.ts";
import type { TlsFailure } from "./options.ts";

/** Why a certificate is refused: the {@linkcode TlsFailure} and a sentence. */
export interface Refusal {
  readonly failure: TlsFailure;
  readonly reason: string;
}

/** The peer's certificate, or `undefined` when it sent none. */
export function peerCertificateOf(
  cert: NodePeerCertificate | Record<string, never> | null | undefined,
): PeerCertificate | undefined {
  if (!cert || !("fingerprint256" in cert) || !cert.fingerprint256) return undefined;
  return {
    subject: formatName(cert.subject),
    issuer: formatName(cert.issuer),
    subjectAltNames: cert.subjectaltname ? cert.subjectaltname.split(", ") : [],
    fingerprint256: cert.fingerprint256,
    validTo: new Date(cert.valid_to),
  };
}

/**
 * Why `cert` must not be trusted, or `undefined` if nothing is wrong with it
 * that denomas can name. `verified` is the engine's verdict on the chain:
 * a chain it verified is refused only for being v1.
 *
 * @param cert The peer's end-entity certificate, if it sent one.
 * @param cas The configured CA certificates.
 * @param role `"client"` or `"server"`: whose certificate it is.
 * @param verified Whether the TLS engine verified the chain.
 * @param now The time to check validity against.
 */
export function refusalOf(
  cert: X509Certificate | undefined,
  cas: readonly X509Certificate[],
  role: "client" | "server",
  verified: boolean,
  now: Date = new Date(),
): Refusal | undefined {
  if (cert === undefined) {
    return { failure: "no-certificate", reason: `the ${role} sent no certificate` };
  }
  const what = `the ${role} certificate "${oneLine(cert.subject)}"`;
  if (!verified) {
    // In an aiomas deployment the CA signs the peers itself; a chain through
    // an intermediate CA reaches here only if the engine refused it.
    if (!cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) {
      return {
        failure: "unknown-ca",
        reason: `${what} is not signed by the configured CA (its issuer is ` +
          `"${oneLine(cert.issuer)}"; the CA is ${
            cas.map((ca) => `"${oneLine(ca.subject)}"`).join(", ") || "not set"
          })`,
      };
    }
  }
  if (now < cert.validFromDate) {
    return {
      failure: "not-yet-valid",
      reason: `${what} is not valid yet: its validity starts ${cert.validFromDate.toISOString()}`,
    };
  }
  if (now > cert.validToDate) {
    return {
      failure: "expired",
      reason: `${what} expired ${cert.validToDate.toISOString()}`,
    };
  }
  if (x509Version(cert.raw) === 1) {
    return {
      failure: "v1-certificate",
      reason: `${what} is an X.509 v1 certificate (it has no extensions), which denomas ` +
        `refuses: Deno's TLS engine does not check that a peer showing one holds its key; ` +
        `sign it again with extensions (see "Certificates from an aiomas deployment" in ` +
        `docs/tls.md)`,
    };
  }
  return undefined;
}

/**
 * Why the server's certificate does not name `expected`, or `undefined` when
 * it does. DNS names are matched against DNS SANs, or the CN when the
 * certificate has no DNS SAN; IP addresses only against IP SANs; the rules
 * of Python's `ssl` and of `node:tls`.
 */
export function nameRefusal(cert: X509Certificate, expected: string): Refusal | undefined {
  const legacy = cert.toLegacyObject() as NodePeerCertificate;
  const error = checkServerIdentity(expected, legacy);
  if (error === undefined) return undefined;
  const sans = legacy.subjectaltname ?? "";
  const names = sans === "" ? `no SAN, only the subject "${oneLine(cert.subject)}"` : sans;
  const hint = isIP(expected) !== 0 && !sans.includes("IP Address:")
    ? "; an IP address must be in an IP SAN (a CN is only compared with DNS names)"
    : "";
  return {
    failure: "name-mismatch",
    reason: `the server certificate is not valid for "${expected}": it names ${names}${hint}`,
  };
}

/** The X.509 version (1, 2 or 3) of a DER certificate. */
export function x509Version(der: Uint8Array): number {
  // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] EXPLICIT version OPTIONAL, ... } }
  // A v1 certificate omits the version: its TBS starts with the serial number.
  let at = skipHeader(der, 0);
  at = skipHeader(der, at);
  if (der[at] !== 0xa0) return 1;
  at = skipHeader(der, at);
  // INTEGER, length 1, the version number minus one.
  return der[at] === 0x02 && der[at + 1] === 1 ? der[at + 2] + 1 : 1;
}

/** The offset just after the tag and length of the DER element at `at`. */
function skipHeader(der: Uint8Array, at: number): number {
  const first = der[at + 1];
  return first < 0x80 ? at + 2 : at + 2 + (first & 0x7f);
}

function oneLine(name: string): string {
  return name.split("\n").join(", ");
}

/** `{O: "x", CN: "y"}` → `"O=x, CN=y"`, in certificate order. */
function formatName(name: object | undefined): string {
  if (!name) return "";
  const parts: string[] = [];
  for (const [key, value] of Object.entries(name) as [string, string | string[]][]) {
    for (const item of Array.isArray(value) ? value : [value]) parts.push(`${key}=${item}`);
  }
  return parts.join(", ");
}
