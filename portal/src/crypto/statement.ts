import canonicalize from 'canonicalize';
import { randomBytes, toBase64Url, utf8 } from './bytes';
import { signBytes, type BrowserKey } from './keys';

/** Statement lifetime: the chaincode accepts at most 300 s for every type but PatientConsent (docs/protocol.md §2). */
const LIFETIME_SECONDS = 300;

/**
 * A statement as docs/protocol.md §2 defines it: a compact JWS whose payload
 * is the RFC 8785 canonical JSON of the claims, with the protected header
 * {alg, typ: "isl-statement+jws", jwk}. Signed here, in the browser.
 */
export async function signStatement(type: string, fields: Record<string, string | number>, key: BrowserKey, audience: string): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  const claims = { ...fields, type, iss: key.keyId, aud: audience, iat, exp: iat + LIFETIME_SECONDS, jti: toBase64Url(randomBytes(16)) };
  const header = { alg: key.alg, typ: 'isl-statement+jws', jwk: key.publicJwk };
  const signingInput = `${toBase64Url(utf8(JSON.stringify(header)))}.${toBase64Url(utf8(canonicalize(claims) ?? ''))}`;
  return `${signingInput}.${toBase64Url(await signBytes(key, utf8(signingInput)))}`;
}
