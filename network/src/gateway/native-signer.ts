import { sign, type KeyObject } from 'node:crypto';
import type { Signer } from '@hyperledger/fabric-gateway';

/** Order of the P-256 group: Fabric accepts only signatures with s ≤ n/2 ("low-S"). */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_N = P256_N >> 1n;

function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  // A leading 1 bit would read as negative: DER needs a 0x00 in front.
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/** ECDSA (r, s) as DER, with s normalised to the low half as Fabric's verifier requires. */
export function lowSDer(p1363: Uint8Array): Uint8Array {
  const raw = Buffer.from(p1363);
  const r = BigInt(`0x${raw.subarray(0, 32).toString('hex')}`);
  let s = BigInt(`0x${raw.subarray(32, 64).toString('hex')}`);
  if (s > HALF_N) s = P256_N - s;
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/**
 * A Fabric Gateway signer for a P-256 key on Node's native crypto (OpenSSL),
 * to be used with `hash.none`: it hashes (SHA-256) and signs the message
 * itself. fabric-gateway's own `newPrivateKeySigner` signs in pure JavaScript
 * (@noble/curves), which was the gateway application's largest CPU cost
 * under load (three signatures per transaction; docs/performance.md).
 * Returns undefined for any other key, so the caller keeps the library's.
 */
export function nativeP256Signer(key: KeyObject): Signer | undefined {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    return undefined;
  }
  return (message) => Promise.resolve(lowSDer(sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' })));
}
