import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { SignatureRejected } from '../wire/http-signature';
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
