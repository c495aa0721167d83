import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type FabricCAServicesType from 'fabric-ca-client';
import type { User as UserType } from 'fabric-common';
import { z } from 'zod';

const walletSchema = z.object({ enrollmentId: z.string(), secret: z.string(), certificate: z.string(), privateKey: z.string() });
export type GatewayIdentity = z.infer<typeof walletSchema>;

export interface IdentityOptions {
  readonly mspId: string;
  readonly caUrl: string;
  readonly caName: string;
  readonly caCertFile: string;
  /** The CA registrar's enrolled certificate and key (the organisation's operator holds them). */
  readonly registrar: { readonly cert: string; readonly key: string };
  readonly enrollmentId: string;
  /** File wallet: the gateway's own certificate and key (mode 0600, git-ignored run folder). */
  readonly walletFile: string;
  /** Re-enrol when the certificate expires within this many days. */
  readonly renewWithinDays?: number;
  readonly now?: () => Date;
}

function save(file: string, identity: GatewayIdentity): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(identity, null, 2), { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * The gateway's Fabric identity: registered and enrolled through the
 * organisation's Fabric CA (fabric-ca-client) on first start, kept in a file
 * wallet, re-enrolled when the certificate nears expiry.
 */
export async function ensureGatewayIdentity(o: IdentityOptions): Promise<GatewayIdentity & { renewed: boolean }> {
  // Loaded on use: fabric-common parses process.argv when loaded, and would answer the CLI's --help itself.
  const { default: FabricCAServices } = (await import('fabric-ca-client')) as { default: typeof FabricCAServicesType };
  const { User } = (await import('fabric-common')) as { User: typeof UserType };
  const ca = new FabricCAServices(o.caUrl, { trustedRoots: [readFileSync(o.caCertFile, 'utf8')], verify: true }, o.caName);
  const now = o.now?.() ?? new Date();
  if (existsSync(o.walletFile)) {
    const current = walletSchema.parse(JSON.parse(readFileSync(o.walletFile, 'utf8')));
    const notAfter = new Date(new X509Certificate(current.certificate).validTo);
    const renewAt = new Date(notAfter.getTime() - (o.renewWithinDays ?? 30) * 86_400_000);
    if (now < renewAt) {
      return { ...current, renewed: false };
    }
    const user = User.createUser(current.enrollmentId, current.secret, o.mspId, current.certificate, current.privateKey);
    const enrolment = await ca.reenroll(user, []);
    const renewed = { ...current, certificate: enrolment.certificate, privateKey: enrolment.key.toBytes() };
    save(o.walletFile, renewed);
    return { ...renewed, renewed: true };
  }
  const registrar = User.createUser('registrar', '', o.mspId, readFileSync(o.registrar.cert, 'utf8'), readFileSync(o.registrar.key, 'utf8'));
  let secret: string;
  try {
    secret = await ca.register({ enrollmentID: o.enrollmentId, role: 'client', affiliation: '', maxEnrollments: -1 }, registrar);
  } catch (err) {
    throw new Error(`registering ${o.enrollmentId} with ${o.caName}: ${(err as Error).message}`, { cause: err });
  }
  const enrolment = await ca.enroll({ enrollmentID: o.enrollmentId, enrollmentSecret: secret });
  const identity = { enrollmentId: o.enrollmentId, secret, certificate: enrolment.certificate, privateKey: enrolment.key.toBytes() };
  save(o.walletFile, identity);
  return { ...identity, renewed: false };
}
