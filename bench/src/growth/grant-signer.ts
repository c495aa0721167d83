import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { canonicalJson, createStatement, Limits, newNonce, thumbprint } from '@isl/chaincode';

/** What an AllowAccess grants: a recipient key id on a study of a source, until a time. */
export interface GrantFields {
  readonly source: string;
  readonly study: string;
  readonly recipient: string;
  /** Seconds since the epoch. */
  readonly until: number;
}

const b64 = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/**
 * Signs a patient's AllowAccess statements with Node's synchronous crypto: the
 * same compact JWS as `createStatement` (protected header {alg, typ, jwk}, the
 * canonical claims as payload, ES256 as r‖s), without jose's key import and
 * WebCrypto round trip per statement: 2–3× its rate (the section reports both),
 * so the growth section's generator outruns the ledger.
 * The key is imported once; only ES256 (P-256) patient keys.
 */
export class GrantSigner {
  readonly #key: KeyObject;
  readonly #header: string;
  readonly #iss: string;
  readonly #audience: string;

  private constructor(key: KeyObject, header: string, iss: string, audience: string) {
    this.#key = key;
    this.#header = header;
    this.#iss = iss;
    this.#audience = audience;
  }

  static async of(patient: JWK, audience: string): Promise<GrantSigner> {
    if (patient.kty !== 'EC' || patient.crv !== 'P-256' || patient.d === undefined) throw new Error('the growth generator signs with P-256 private JWKs only');
    const iss = await thumbprint(patient);
    // The protected header exactly as createStatement writes it for this key: taken from one statement it signed.
    const reference = await createStatement('AllowAccess', { source: iss, study: iss, recipient: iss, until: 0, purpose: 'TREAT' }, patient, { audience });
    const [header] = reference.split('.');
    if (header === undefined) throw new Error('createStatement made no compact JWS');
    return new GrantSigner(createPrivateKey({ key: patient, format: 'jwk' }), header, iss, audience);
  }

  /** A signed AllowAccess (purpose TREAT), issued now (or at `issuedAt`, seconds), valid for the protocol's longest lifetime (300 s). */
  allowAccess(fields: GrantFields, issuedAt = Math.floor(Date.now() / 1000)): string {
    const claims = {
      source: fields.source,
      study: fields.study,
      recipient: fields.recipient,
      until: fields.until,
      purpose: 'TREAT',
      type: 'AllowAccess',
      iss: this.#iss,
      aud: this.#audience,
      iat: issuedAt,
      exp: issuedAt + Limits.maxAgeSeconds,
      jti: newNonce(),
    };
    const input = `${this.#header}.${b64(canonicalJson(claims))}`;
    return `${input}.${b64(sign('sha256', Buffer.from(input), { key: this.#key, dsaEncoding: 'ieee-p1363' }))}`;
  }
}
