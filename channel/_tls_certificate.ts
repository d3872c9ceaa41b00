/**
 * Converts the certificate object of `node:tls` into a
 * {@linkcode PeerCertificate}.
 *
 * @module
 */

import type { PeerCertificate as NodePeerCertificate } from "node:tls";
import type { PeerCertificate } from "./transport.ts";

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

/** `{O: "x", CN: "y"}` → `"O=x, CN=y"`, in certificate order. */
function formatName(name: object | undefined): string {
  if (!name) return "";
  const parts: string[] = [];
  for (const [key, value] of Object.entries(name) as [string, string | string[]][]) {
    for (const item of Array.isArray(value) ? value : [value]) parts.push(`${key}=${item}`);
  }
  return parts.join(", ");
}
