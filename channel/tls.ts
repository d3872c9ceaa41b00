/**
 * Mutual TLS transport. Placeholder until the TLS work lands: the channel layer
 * compiles against this signature.
 *
 * @module
 */
import type { Transport } from "./transport.ts";

/** Certificates and keys for mutual TLS. */
export interface TlsOptions {
  /** CA certificate(s) that peers must be signed by: PEM text or a file path. */
  readonly ca: string;
  /** This side's certificate chain: PEM text or a file path. */
  readonly cert: string;
  /** This side's private key: PEM text or a file path. */
  readonly key: string;
}

/** Creates a transport that speaks mutual TLS. */
export function tlsTransport(_options: TlsOptions): Transport {
  throw new Error("TLS is not available yet");
}
