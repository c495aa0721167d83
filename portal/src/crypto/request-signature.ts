import { randomBytes, toBase64, toBase64Url, utf8 } from './bytes';
import { signBytes, type BrowserKey } from './keys';

/**
 * The RFC 9421 request signature the image source requires (docs/protocol.md
 * §8.2), made in the browser with the recipient's key: label `isl`, covering
 * ("@method" "@target-uri" "isl-recipient-key") for a WADO-RS GET.
 */
export async function signedGetHeaders(key: BrowserKey, targetUri: string): Promise<Record<string, string>> {
  const recipientKey = toBase64Url(utf8(JSON.stringify(key.publicJwk)));
  const alg = key.alg === 'ES256' ? 'ecdsa-p256-sha256' : 'ed25519';
  const created = Math.floor(Date.now() / 1000);
  const params = `("@method" "@target-uri" "isl-recipient-key");created=${String(created)};nonce="${toBase64Url(randomBytes(16))}";keyid="${key.keyId}";alg="${alg}";tag="isl-retrieve"`;
  const base = [`"@method": GET`, `"@target-uri": ${targetUri}`, `"isl-recipient-key": ${recipientKey}`, `"@signature-params": ${params}`].join('\n');
  const signature = await signBytes(key, utf8(base));
  return { 'isl-recipient-key': recipientKey, 'signature-input': `isl=${params}`, signature: `isl=:${toBase64(signature)}:` };
}

/**
 * The canonical target URI of a WADO-RS study request (§8.2): the registered
 * URL's origin in lower case without the default port, then /studies/{ref}.
 * Study references are base64url, which needs no percent-encoding.
 */
export function wadoStudyUri(sourceUrl: string, study: string): string {
  const url = new URL(sourceUrl);
  const base = url.pathname.replace(/\/$/, '');
  return `${url.origin}${base}/studies/${study}`;
}
