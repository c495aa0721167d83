import { deriveKey, type Alg, type BrowserKey } from './keys';

/** Contexts tried when looking for a lost wallet's recovery key (study-1 … study-N, as wallets hand them out). */
const MAX_CONTEXTS = 64;

/**
 * The recovery key, derived from a lost wallet's master secret, whose id a
 * study names: contexts are a counter precisely so that a wallet rebuilt from
 * its recovery code alone can find its keys again (docs/wallet.md, Recovery).
 */
export async function findRecoveryKey(secret: Uint8Array<ArrayBuffer>, recoveryKeyId: string): Promise<BrowserKey | undefined> {
  for (let n = 1; n <= MAX_CONTEXTS; n++) {
    for (const alg of ['ES256', 'EdDSA'] as const satisfies readonly Alg[]) {
      const key = await deriveKey(secret, 'patient', 'recovery', `study-${String(n)}`, alg);
      if (key.keyId === recoveryKeyId) return key;
    }
  }
  return undefined;
}
