import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';

export const FHIR_MEDIA_TYPE = 'application/fhir+json';

/** A searchset Bundle of every match (no paging: a study has few grants and releases). */
export function searchset(self: string, base: string, resources: readonly (Resource & { id?: string })[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    link: [{ relation: 'self', url: self }],
    entry: resources.map((resource) => ({
      fullUrl: `${base}/${resource.resourceType}/${resource.id ?? ''}`,
      resource,
      search: { mode: 'match' },
    })),
  };
}

/** The FHIR issue type of an HTTP error status (R4 value set issue-type). */
function issueCode(status: number): OperationOutcome['issue'][number]['code'] {
  if (status === 401) return 'login';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 408 || status === 504 || status === 503) return 'transient';
  if (status === 429) return 'throttled';
  if (status === 413) return 'too-long';
  if (status >= 500) return 'exception';
  return 'invalid';
}

/** An error as a FHIR OperationOutcome: the protocol's code in `details`, the occurrence in `diagnostics`. */
export function operationOutcome(status: number, code: string, detail: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: status >= 500 ? 'fatal' : 'error',
        code: issueCode(status),
        details: { coding: [{ system: 'urn:isl:problem', code }], text: code },
        diagnostics: detail,
      },
    ],
  };
}
