import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { organisationSchema } from '../topology/topology';
import { MemberError } from './member-error';
import { privateKeysInJson, privateKeysInText } from './private-keys';

/** The largest bundle accepted: a few certificates and endpoints fit in a fraction of it. */
export const maxBundleBytes = 256 * 1024;

export const bundleFormat = 'isl-member-bundle/1';

const pemCertificate = z
  .string()
  .max(16 * 1024)
  .regex(/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n$/, 'exactly one PEM CERTIFICATE block');

const endpointSchema = z.strictObject({
  host: z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, 'a host name or IPv4 address'),
  port: z.number().int().min(1).max(65_535),
});

const bundleSchema = z.strictObject({
  format: z.literal(bundleFormat),
  name: organisationSchema.shape.name,
  mspId: organisationSchema.shape.mspId,
  description: z.string().max(200),
  msp: z.strictObject({
    /** The root CA that issues the member's identities. */
    caCert: pemCertificate,
    /** The CA that issues its TLS certificates (the same Fabric CA here, stated apart as the channel's MSP holds it apart). */
    tlsCaCert: pemCertificate,
    /** The MSP's config.yaml (NodeOUs: the role of an identity is its certificate's OU). */
    nodeOUs: z.string().max(4096),
  }),
  anchorPeers: z.array(endpointSchema).min(1).max(3),
  orderer: z.strictObject({ endpoint: endpointSchema, tlsCert: pemCertificate }),
});

/** What one member publishes so that others can admit it: public material only. */
export type MemberBundle = z.infer<typeof bundleSchema>;

/** Refuses a bundle that carries private key material, naming where (never the key). */
export function assertNoPrivateKey(bundle: unknown, source: string): void {
  const found = privateKeysInJson(bundle);
  if (found.length > 0) {
    throw new MemberError(
      'BUNDLE_PRIVATE_KEY',
      `${source} carries private key material: ${found.join('; ')}. A bundle is public: send only certificates and endpoints, and treat that key as disclosed.`,
    );
  }
}

/** A bundle as its JSON text (what export writes and import reads). */
export function serialiseBundle(bundle: MemberBundle): string {
  assertNoPrivateKey(bundle, `the bundle of ${bundle.mspId}`);
  return `${JSON.stringify(bundle, null, 2)}\n`;
}

/**
 * Reads a bundle another member sent: bounded, scanned for private keys before
 * anything else, then checked field by field; every certificate must parse.
 */
export function parseBundle(text: string, source: string): MemberBundle {
  if (Buffer.byteLength(text) > maxBundleBytes) {
    throw new MemberError('BUNDLE_TOO_LARGE', `${source}: ${String(Buffer.byteLength(text))} bytes; a member bundle is at most ${String(maxBundleBytes)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // Even text that is not JSON must not slip a key past the scan's message.
    const keys = privateKeysInText(text);
    if (keys.length > 0) {
      throw new MemberError('BUNDLE_PRIVATE_KEY', `${source} carries private key material: ${keys.join('; ')}`);
    }
    throw new MemberError('BUNDLE_INVALID', `${source}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  assertNoPrivateKey(json, source);
  const result = bundleSchema.safeParse(json);
  if (!result.success) {
    throw new MemberError('BUNDLE_INVALID', `${source}: ${z.prettifyError(result.error)}`);
  }
  const bundle = result.data;
  for (const [field, pem] of [
    ['msp.caCert', bundle.msp.caCert],
    ['msp.tlsCaCert', bundle.msp.tlsCaCert],
    ['orderer.tlsCert', bundle.orderer.tlsCert],
  ] as const) {
    try {
      new X509Certificate(pem);
    } catch (err) {
      throw new MemberError('BUNDLE_INVALID', `${source}: ${field} is not a valid X.509 certificate (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  const ordererCert = new X509Certificate(bundle.orderer.tlsCert);
  if (!ordererCert.checkIssued(new X509Certificate(bundle.msp.tlsCaCert))) {
    throw new MemberError('BUNDLE_INVALID', `${source}: orderer.tlsCert was not issued by msp.tlsCaCert`);
  }
  const host = bundle.orderer.endpoint.host;
  if ((isIP(host) ? ordererCert.checkIP(host) : ordererCert.checkHost(host)) === undefined) {
    throw new MemberError('BUNDLE_INVALID', `${source}: orderer.tlsCert does not name the orderer's host ${bundle.orderer.endpoint.host}`);
  }
  return bundle;
}
