import { createHash } from 'node:crypto';

import { decodeBase32, encodeBase32 } from './base32';
import { MASTER_SECRET_LENGTH } from './derivation';
import { WalletError } from './errors';

const VERSION = 1;
const CHECKSUM_LENGTH = 4;
const PAYLOAD_LENGTH = 1 + MASTER_SECRET_LENGTH + CHECKSUM_LENGTH;
const GROUP = 5;

/**
 * The master secret as a code a patient can write down, e.g.
 * "04K3M-....-....". Layout and checksum are specified in docs/wallet.md.
 */
export function encodeRecoveryCode(masterSecret: Uint8Array): string {
  if (masterSecret.length !== MASTER_SECRET_LENGTH) {
    throw new WalletError('INVALID_ARGUMENT', `Master secret must be ${MASTER_SECRET_LENGTH} bytes`);
  }
  const body = Buffer.concat([Buffer.of(VERSION), masterSecret]);
  const symbols = encodeBase32(Buffer.concat([body, checksum(body)]));
  return symbols.match(new RegExp(`.{1,${GROUP}}`, 'g'))?.join('-') ?? symbols;
}

/** The master secret in a recovery code. Tolerates case, spaces, dashes and O/I/L look-alikes. */
export function decodeRecoveryCode(code: string): Uint8Array {
  const decoded = decodeBase32(code.replace(/[\s-]/g, ''), PAYLOAD_LENGTH);
  if (decoded === undefined) {
    throw new WalletError('INVALID_RECOVERY_CODE', 'Recovery code has the wrong length or an invalid character');
  }
  const body = decoded.subarray(0, 1 + MASTER_SECRET_LENGTH);
  // Checksum first: it covers the version byte, so a typo there reads as a typo.
  if (!checksum(body).equals(decoded.subarray(1 + MASTER_SECRET_LENGTH))) {
    throw new WalletError('INVALID_RECOVERY_CODE', 'Recovery code checksum does not match; check for a typo');
  }
  if (body[0] !== VERSION) {
    throw new WalletError('INVALID_RECOVERY_CODE', `Unsupported recovery code version ${String(body[0])}`);
  }
  return Uint8Array.from(body.subarray(1));
}

function checksum(body: Uint8Array): Buffer {
  return createHash('sha256').update('isl/v1/recovery-code').update(body).digest().subarray(0, CHECKSUM_LENGTH);
}
