import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Resource } from '@medplum/fhirtypes';
import type { StudyStore } from '../../imagesource/study-store';
import { LedgerRejection } from '../../ledger/errors';
import type { LedgerCalls } from '../../ledger/ledger-client';
import { ledgerChangeEvent, releaseEvent, type DisclosureView, type GrantChange } from '../../fhir/audit-event';
import { FHIR_MEDIA_TYPE, searchset } from '../../fhir/bundle';
import { consentOf, type GrantView } from '../../fhir/consent';
import { imagingStudyOf, type StudyView } from '../../fhir/imaging-study';

const id = { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$', description: 'key thumbprint or study reference (43-char base64url)' } as const;
const byStudy = {
  type: 'object',
  required: ['source', 'study'],
  additionalProperties: false,
  properties: { source: { ...id, description: "the study's source (key thumbprint)" }, study: { ...id, description: 'the study reference at that source' } },
} as const;

interface ByStudy {
  readonly source: string;
  readonly study: string;
}

export interface FhirRoutesOptions {
  readonly ledger: LedgerCalls;
  /** This gateway's organisation. */
  readonly mspId: string;
  /** The organisation's own image source's studies (UIDs), when it has one. */
  readonly studies?: Pick<StudyStore, 'byReference'>;
}

/** Members and auditors read, as every ledger read; errors are OperationOutcomes (`fhir`). */
const config = { access: 'reader', admission: 'reads', minBlock: true, fhir: true, problems: ['ARGUMENT_INVALID'] } as const;

const searchSchema = (resource: string, summary: string) => ({
  tags: ['fhir'],
  summary,
  querystring: byStudy,
  response: {
    200: {
      description: `FHIR R4 Bundle (searchset) of ${resource}`,
      content: { [FHIR_MEDIA_TYPE]: { schema: { type: 'object', additionalProperties: true } } },
    },
  },
});

/** An empty answer for a study or source the ledger does not know: a search with no match, not an error. */
async function orNone<T>(read: Promise<T>, none: T): Promise<T> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof LedgerRejection && err.code.endsWith('_NOT_FOUND')) return none;
    throw err;
  }
}

/**
 * Read-only FHIR R4 views of the ledger (docs/protocol.md §10.7): a study's
 * grants as Consent, its releases and grant changes as AuditEvent, and the
 * study itself as an ImagingStudy reference stub. Searched by the study's
 * ledger reference; each answer is a searchset Bundle.
 */
export function registerFhirRoutes(app: FastifyInstance, o: FhirRoutesOptions): void {
  // FHIR's lenient handling: parameters other than these are ignored, and the self link names only those applied.
  const answer = (request: FastifyRequest<{ Querystring: ByStudy }>, resource: string, resources: readonly Resource[]) => {
    const base = `${request.protocol}://${request.host}/fhir`;
    const applied = new URLSearchParams({ source: request.query.source, study: request.query.study });
    return searchset(`${base}/${resource}?${applied.toString()}`, base, resources);
  };

  app.get<{ Querystring: ByStudy }>(
    '/fhir/Consent',
    { config, schema: searchSchema('Consent', "A study's grants as Consent resources (provision period and actor), current and past") },
    async (request, reply) => {
      const { source, study } = request.query;
      const grants = await orNone(o.ledger.evaluate<GrantView[]>('ListGrants', [source, study]), []);
      const now = new Date();
      return reply.type(FHIR_MEDIA_TYPE).send(
        answer(
          request,
          'Consent',
          grants.map((g) => consentOf(g, now)),
        ),
      );
    },
  );

  app.get<{ Querystring: ByStudy }>(
    '/fhir/AuditEvent',
    {
      config,
      schema: searchSchema('AuditEvent', "A study's releases (DICOM Instances Transferred) and grant changes (Security Alert) as AuditEvent resources"),
    },
    async (request, reply) => {
      const { source, study } = request.query;
      const [disclosures, grants] = await Promise.all([
        orNone(o.ledger.evaluate<DisclosureView[]>('ListDisclosures', [source, study]), []),
        orNone(o.ledger.evaluate<GrantView[]>('ListGrants', [source, study]), []),
      ]);
      const histories = await Promise.all(grants.map((g) => o.ledger.evaluate<{ history: GrantChange[] }>('GetHistory', [g.id])));
      const events = [
        ...disclosures.map((d) => releaseEvent(d, o.mspId)),
        ...histories.flatMap((h) => h.history.map((c) => ledgerChangeEvent(c, o.mspId)).filter((e) => e !== undefined)),
      ].sort((a, b) => a.recorded.localeCompare(b.recorded));
      return reply.type(FHIR_MEDIA_TYPE).send(answer(request, 'AuditEvent', events));
    },
  );

  app.get<{ Querystring: ByStudy }>(
    '/fhir/ImagingStudy',
    {
      config,
      schema: searchSchema('ImagingStudy', "The study as an ImagingStudy reference stub (its Study Instance UID only for the source's own organisation)"),
    },
    async (request, reply) => {
      const { source, study } = request.query;
      const found = await orNone(o.ledger.evaluate<StudyView | undefined>('GetStudy', [source, study]), undefined);
      const uid = found === undefined || request.caller?.role !== 'member' ? undefined : await ownUid(o, source, study);
      return reply.type(FHIR_MEDIA_TYPE).send(answer(request, 'ImagingStudy', found === undefined ? [] : [imagingStudyOf(found, uid)]));
    },
  );
}

/**
 * The study's UID when this organisation is its source: the ledger says the
 * source is this organisation's (only it relays the source's DefineStudy),
 * and its own image source's records map the reference.
 */
async function ownUid(o: FhirRoutesOptions, source: string, study: string): Promise<string | undefined> {
  const mapping = o.studies?.byReference(study);
  if (mapping === undefined) return undefined;
  const record = await orNone(o.ledger.evaluate<{ org?: string } | undefined>('GetSource', [source]), undefined);
  return record?.org === o.mspId ? mapping.studyInstanceUid : undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A FHIR route: its errors are FHIR OperationOutcomes (application/fhir+json), not problems. */
    fhir?: boolean;
  }
}
