import { CompactSign, type CompactJWSHeaderParameters } from 'jose';

import type { SigningKey } from './signing-key';

/** Header members the caller may add; alg and kid always come from the key. */
export type ExtraHeader = Readonly<Omit<CompactJWSHeaderParameters, 'alg' | 'kid'>>;

/**
 * Sign a payload as a JWS compact serialization with kid = the key's
 * thumbprint, so a verifier can find the public key by id.
 */
export async function signCompact(key: SigningKey, payload: Uint8Array | string, header: ExtraHeader = {}): Promise<string> {
    const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    return new CompactSign(bytes)
        .setProtectedHeader({ ...header, alg: key.alg, kid: key.keyId })
        .sign(key.privateKey);
}
