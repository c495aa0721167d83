import { createRequire } from 'node:module';

/** What this cache needs of @fidm/x509 (the copy fabric-shim's ClientIdentity parses the creator with). */
interface CertificateClass {
  fromPEM: (this: CertificateClass, pem: Buffer | string) => unknown;
}

/** Distinct creators kept: a consortium's clients are a few identities per member. */
export const CERTIFICATE_CACHE_SIZE = 256;

let installed = false;

/**
 * Makes fabric-shim parse each creator certificate once, not on every invocation.
 *
 * fabric-contract-api builds a ClientIdentity for every transaction and query, and its
 * constructor parses the creator's X.509 certificate with @fidm/x509's pure-JavaScript ASN.1
 * decoder. The same few certificates (each member's gateway identity) come again and again; in a
 * CPU profile under CheckAccess load the parse was about a seventh of the chaincode server's CPU
 * (docs/performance.md). The parsed certificate is only read by ClientIdentity, so one parse per
 * distinct PEM (the cache key is the whole certificate, never a part of it) serves every later
 * call. Bounded: the oldest entry goes first. Idempotent.
 */
export function installCertificateCache(): void {
  if (installed) return;
  const requireFromShim = createRequire(require.resolve('fabric-shim'));
  const { Certificate } = requireFromShim('@fidm/x509') as { Certificate: CertificateClass };
  const parse = Certificate.fromPEM;
  const parsed = new Map<string, unknown>();
  Certificate.fromPEM = function cachedFromPEM(this: CertificateClass, pem: Buffer | string): unknown {
    const key = typeof pem === 'string' ? pem : pem.toString('latin1');
    const hit = parsed.get(key);
    if (hit !== undefined) return hit;
    const certificate = parse.call(this, pem);
    if (parsed.size >= CERTIFICATE_CACHE_SIZE) {
      const oldest = parsed.keys().next();
      if (oldest.done !== true) parsed.delete(oldest.value);
    }
    parsed.set(key, certificate);
    return certificate;
  };
  installed = true;
}
