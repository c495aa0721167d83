import { createStatement } from '@isl/chaincode';
import { privateJwkOf, type SigningAlgorithm, type Wallet } from '../wallet';
import type { ConsentSigner } from './publisher';

/**
 * The patient's consent from their wallet: a fresh per-study key (and its
 * recovery key), so the patient's studies stay unlinkable on the ledger.
 */
export class WalletConsentSigner implements ConsentSigner {
  readonly #wallet: Wallet;
  readonly #alg: SigningAlgorithm;

  constructor(wallet: Wallet, alg: SigningAlgorithm = 'ES256') {
    this.#wallet = wallet;
    this.#alg = alg;
  }

  async signConsent(source: string, study: string, audience: string): Promise<{ consent: string; patientKeyId: string }> {
    const context = await this.#wallet.newStudyContext('patient');
    const key = await this.#wallet.deriveKey('patient', context, this.#alg);
    const recovery = await this.#wallet.recoveryKey(context, this.#alg);
    const consent = await createStatement('PatientConsent', { source, study, recovery: recovery.keyId }, privateJwkOf(key), { audience, lifetime: 3600 });
    await this.#wallet.bindStudy('patient', context, study);
    return { consent, patientKeyId: key.keyId };
  }
}
