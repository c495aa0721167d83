import { randomUUID } from 'node:crypto';

/** This implementation's Implementation Class UID (PS3.7 §D.3.3.2), in the files it writes. */
export const IMPLEMENTATION_CLASS_UID = '2.25.253542391286937425187155127620356436631';

/** A fresh UID under the 2.25 root (ITU-T X.667: a UUID as a decimal integer), no registry needed. */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}
