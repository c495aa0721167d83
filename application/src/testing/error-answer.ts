import { FHIR_MEDIA_TYPE } from '../fhir/bundle';
import { PROBLEM_MEDIA_TYPE } from '../gateway/problem';
import type { RawAnswer } from './gateway-fixture';

/**
 * The protocol code of a gateway error answer: an RFC 9457 problem, or on a
 * FHIR route (docs/protocol.md §10.7) a FHIR OperationOutcome carrying the
 * code in issue[0].details.coding (system urn:isl:problem). Throws, saying
 * why, for anything else.
 */
export function errorCodeOf(answer: RawAnswer): string {
  const type = answer.headers['content-type'] ?? '';
  if (type.startsWith(PROBLEM_MEDIA_TYPE)) {
    const p = JSON.parse(answer.body) as { code?: unknown; status?: unknown };
    if (p.status !== answer.status || typeof p.code !== 'string') throw new Error(`a problem without its status or code: ${answer.body.slice(0, 200)}`);
    return p.code;
  }
  if (type.startsWith(FHIR_MEDIA_TYPE)) {
    const o = JSON.parse(answer.body) as { resourceType?: unknown; issue?: { details?: { coding?: { system?: string; code?: unknown }[] } }[] };
    const coding = o.issue?.[0]?.details?.coding?.[0];
    if (o.resourceType !== 'OperationOutcome' || coding?.system !== 'urn:isl:problem' || typeof coding.code !== 'string') {
      throw new Error(`not an OperationOutcome with a protocol code: ${answer.body.slice(0, 200)}`);
    }
    return coding.code;
  }
  throw new Error(`neither ${PROBLEM_MEDIA_TYPE} nor ${FHIR_MEDIA_TYPE}: ${type || 'no content type'}`);
}
