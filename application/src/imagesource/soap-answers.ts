import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EncryptionError } from '../encryption/errors';
import { ENCRYPTION_HEADER, type ReleaseSealer } from '../encryption/release-sealer';
import { SignatureRejected, type UnclaimedSignature } from '../wire/http-signature';
import { faultEnvelope, SoapFault } from '../wire/iti43';
import { mtomMessage } from '../wire/mtom';
import type { ReleaseGate } from './release-gate';

/** A SOAP 1.2 fault, framed as MTOM like every answer of the SOAP endpoints. */
export function writeSoapFault(res: ServerResponse, fault: SoapFault): void {
  const { contentType, body } = mtomMessage(faultEnvelope(fault), { rootId: `fault.${randomUUID()}@isl` });
  res.writeHead(fault.httpStatus, { 'content-type': contentType }).end(body);
}

/**
 * Answers a SOAP request (ITI-43, RAD-69) whose signature was refused: a
 * SOAP 1.2 Sender fault with the WS-Security 1.1 fault code for the failure
 * (401), or a Receiver fault (503) when the replay cache has no room.
 */
export function refuseSignature(gate: ReleaseGate, res: ServerResponse, err: SignatureRejected, transaction: string): void {
  gate.log('warn', `${transaction} request refused`, { failure: err.failure, detail: err.message });
  const subcode = {
    missing: 'wsse:InvalidSecurity',
    malformed: 'wsse:InvalidSecurity',
    invalid: 'wsse:FailedCheck',
    stale: 'wsse:MessageExpired',
    replayed: 'wsse:FailedAuthentication',
    busy: undefined,
  }[err.failure];
  writeSoapFault(
    res,
    new SoapFault(
      err.message,
      err.failure === 'busy' ? { code: 'Receiver', httpStatus: 503 } : { subcode: subcode ?? 'wsse:InvalidSecurity', httpStatus: 401 },
    ),
  );
}

/**
 * The encryption a SOAP request asked for (isl-encryption, covered by its
 * signature): undefined for none. A request that cannot have it (a scheme
 * not offered, an unusable key, or a manifest, which is never encrypted:
 * docs/image-retrieval.md) gets a 400 fault before the grant check and any
 * byte of a release, its nonce spent: 'refused'.
 */
export function sealerOrFault(
  gate: ReleaseGate,
  req: IncomingMessage,
  res: ServerResponse,
  signer: UnclaimedSignature,
  transaction: string,
  encryptable: boolean,
): ReleaseSealer | undefined | 'refused' {
  try {
    if (!encryptable && req.headers[ENCRYPTION_HEADER] !== undefined) {
      throw new EncryptionError('ENCRYPTION_UNSUPPORTED', 'a manifest is not released encrypted: ask for it without isl-encryption');
    }
    return gate.sealer(req, signer);
  } catch (err) {
    if (!(err instanceof EncryptionError)) throw err;
    gate.log('warn', `${transaction} encrypted release refused`, { code: err.code, detail: err.message });
    try {
      gate.claim(signer, false);
    } catch (claimErr) {
      if (!(claimErr instanceof SignatureRejected)) throw claimErr;
      refuseSignature(gate, res, claimErr, transaction);
      return 'refused';
    }
    // WS-Security 1.1 fault codes; the reason starts with this source's code.
    const subcode = err.code === 'ENCRYPTION_KEY_UNUSABLE' ? 'wsse:InvalidSecurityToken' : 'wsse:UnsupportedAlgorithm';
    writeSoapFault(res, new SoapFault(`${err.code}: ${err.message}`, { subcode, httpStatus: 400 }));
    return 'refused';
  }
}
