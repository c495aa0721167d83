import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Limits } from '@isl/chaincode';
import { spoolDicomUpload, UPLOAD_MEDIA_TYPES, type UploadLimits } from '../../publishing/dicom-upload';
import { PublishError, type Publisher } from '../../publishing/publisher';
import type { ProblemCode } from '../problem';
import type { StudyMapping, StudyStore } from '../../imagesource/study-store';

export interface PublicationRoutesOptions {
  /** The organisation's publisher; rejects with ImageSourceUnavailable until its image source is set up. */
  readonly publisher: () => Promise<PublicationSteps>;
  readonly studies: Pick<StudyStore, 'all' | 'byReference'>;
  /** Where uploads are spooled until the PACS holds them (removed afterwards). */
  readonly spoolDir: string;
  readonly limits: UploadLimits;
  /** Told the outcome of every upload (`staged` or the error code) and its size. */
  readonly onUpload?: (outcome: string, bytes: number) => void;
}

/** The publisher's steps these routes take. */
export type PublicationSteps = Pick<Publisher, 'stage' | 'define' | 'withdraw'>;

/** Member tokens only: auditors read the ledger, they do not publish. */
const members = (admission: 'reads' | 'writes', problems: readonly ProblemCode[]) =>
  ({ access: 'member', admission, problems: ['IMAGE_SOURCE_UNAVAILABLE', ...problems] }) as const;

const Reference = { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$', description: 'The study reference (base64url of 32 random bytes)' } as const;

const publication = {
  type: 'object',
  properties: {
    reference: Reference,
    studyInstanceUid: { type: 'string', description: "The PACS's Study Instance UID (this hospital's records only; never on the ledger)" },
    state: { type: 'string', enum: ['awaiting-consent', 'defined'] },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

const stagedResponse = {
  type: 'object',
  properties: {
    reference: Reference,
    source: { type: 'string' },
    state: { type: 'string', enum: ['awaiting-consent'] },
    studyInstanceUid: { type: 'string' },
    instances: { type: 'integer' },
    stored: { type: 'integer', description: 'Instances the PACS did not hold before' },
    consentRequest: {
      type: 'object',
      description: 'What the patient signs (a PatientConsent, docs/protocol.md), e.g. with `isl consent --source <source> --study <reference>`',
      properties: { type: { type: 'string' }, source: { type: 'string' }, study: { type: 'string' }, aud: { type: 'string' } },
    },
  },
} as const;

const definedResponse = {
  type: 'object',
  properties: {
    reference: Reference,
    source: { type: 'string' },
    patientKey: { type: 'string' },
    state: { type: 'string', enum: ['defined'] },
    transactionId: { type: 'string' },
    blockNumber: { type: 'string' },
    alreadyApplied: { type: 'boolean' },
  },
} as const;

const stateOf = (m: StudyMapping): 'awaiting-consent' | 'defined' => (m.state === 'defined' ? 'defined' : 'awaiting-consent');
const view = (m: StudyMapping): Record<string, string> => ({
  reference: m.reference,
  studyInstanceUid: m.studyInstanceUid,
  state: stateOf(m),
  createdAt: m.createdAt,
});

/**
 * Publishing for the hospital's own systems (PACS workflow, front desk), in
 * two steps because the patient consents on their own device: upload the
 * study (DICOMweb STOW-RS body) → a reference and the consent to ask for;
 * post the patient's signed consent → DefineStudy is submitted and committed.
 * Member tokens only: auditors read, they do not publish.
 */
export function registerPublicationRoutes(app: FastifyInstance, o: PublicationRoutesOptions): void {
  registerUpload(app, o);
  registerConsent(app, o);
  registerWithdrawal(app, o);
  registerReads(app, o);
}

/** Step one: the study's instances are streamed to a spool directory, then staged into the PACS. */
function registerUpload(app: FastifyInstance, o: PublicationRoutesOptions): void {
  void app.register((scope, _opts, done) => {
    // The upload is streamed to disk by the handler, never parsed into memory by Fastify.
    scope.addContentTypeParser([...UPLOAD_MEDIA_TYPES], (_request, _payload, next) => {
      next(null);
    });

    scope.post(
      '/api/v1/publications',
      {
        config: members('writes', [
          'UNSUPPORTED_MEDIA_TYPE',
          'MALFORMED_MULTIPART',
          'PART_NOT_DICOM',
          'UPLOAD_TOO_LARGE',
          'TOO_MANY_INSTANCES',
          'UPLOAD_EMPTY',
          'NO_DICOM_FILES',
          'NOT_DICOM',
          'SEVERAL_STUDIES',
          'ALREADY_PUBLISHED',
          'PACS_REJECTED',
          'PACS_UNAVAILABLE',
        ]),
        schema: {
          tags: ['publications'],
          summary: 'Stage a study for publishing: its DICOM instances go into the PACS and it gets a study reference',
          description:
            'Body: multipart/related; type="application/dicom" (one part per instance, as DICOMweb STOW-RS) or one application/dicom instance. ' +
            'All instances must belong to one study. Answers 201 with the reference and the consent the patient must sign; 200 if this study was already staged and awaits consent.',
          response: { 200: stagedResponse, 201: stagedResponse },
        },
      },
      async (request, reply) => {
        const dir = join(o.spoolDir, randomUUID());
        let bytes = 0;
        try {
          const publisher = await o.publisher();
          bytes = (await spoolDicomUpload(request.raw, request.headers['content-type'], dir, o.limits)).bytes;
          const staged = await publisher.stage(dir);
          o.onUpload?.('staged', bytes);
          return await reply.code(staged.created ? 201 : 200).send({
            reference: staged.reference,
            source: staged.source,
            state: 'awaiting-consent',
            studyInstanceUid: staged.studyInstanceUid,
            instances: staged.instances,
            stored: staged.stored,
            consentRequest: { type: 'PatientConsent', source: staged.source, study: staged.reference, aud: staged.audience },
          });
        } catch (err) {
          const code = (err as { code?: unknown }).code;
          o.onUpload?.(typeof code === 'string' ? code : 'error', bytes);
          // The rest of a refused upload is not read: close the connection after answering.
          if (!request.raw.complete) void reply.header('connection', 'close');
          throw err;
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    );
    done();
  });
}

/** Step two: the patient's signed consent → DefineStudy, answered once committed. */
function registerConsent(app: FastifyInstance, o: PublicationRoutesOptions): void {
  app.post<{ Params: { reference: string }; Body: { consent: string } }>(
    '/api/v1/publications/:reference/consent',
    {
      config: {
        ...members('writes', [
          'ARGUMENT_INVALID',
          'REQUEST_INVALID',
          'PUBLICATION_NOT_FOUND',
          'CONSENT_INVALID',
          'CONSENT_MISMATCH',
          'ALREADY_PUBLISHED',
          'LEDGER_UNAVAILABLE',
          'TRANSACTION_INVALID',
          'STATEMENT_TOO_LARGE',
        ]),
        oversized: 'STATEMENT_TOO_LARGE',
      },
      schema: {
        tags: ['publications'],
        summary: "Publish a staged study with the patient's consent: submits DefineStudy and answers once it is committed",
        params: { type: 'object', required: ['reference'], properties: { reference: Reference } },
        body: {
          type: 'object',
          required: ['consent'],
          additionalProperties: false,
          properties: { consent: { type: 'string', minLength: 1, maxLength: Limits.maxConsentLength, description: 'The PatientConsent compact JWS' } },
        },
        response: { 200: definedResponse, 201: definedResponse },
      },
    },
    async (request, reply) => {
      const publisher = await o.publisher();
      const defined = await publisher.define(request.params.reference, request.body.consent);
      const applied = defined.transactionId !== undefined;
      return reply.code(applied ? 201 : 200).send({
        reference: defined.reference,
        source: defined.source,
        patientKey: defined.patientKeyId,
        state: 'defined',
        ...(applied ? { transactionId: defined.transactionId, blockNumber: defined.blockNumber?.toString() } : {}),
        alreadyApplied: !applied,
      });
    },
  );
}

function registerWithdrawal(app: FastifyInstance, o: PublicationRoutesOptions): void {
  app.delete<{ Params: { reference: string } }>(
    '/api/v1/publications/:reference',
    {
      config: members('writes', ['ARGUMENT_INVALID', 'PUBLICATION_NOT_FOUND', 'ALREADY_PUBLISHED']),
      schema: {
        tags: ['publications'],
        summary: 'Withdraw a study still awaiting consent (its reference is forgotten; the PACS keeps the images)',
        params: { type: 'object', required: ['reference'], properties: { reference: Reference } },
        response: { 204: { type: 'null' } },
      },
    },
    async (request, reply) => {
      await (await o.publisher()).withdraw(request.params.reference);
      return reply.code(204).send();
    },
  );
}

function registerReads(app: FastifyInstance, o: PublicationRoutesOptions): void {
  app.get(
    '/api/v1/publications',
    {
      config: members('reads', []),
      schema: {
        tags: ['publications'],
        summary: "This source's studies, staged and published, with their references",
        response: { 200: { type: 'object', properties: { publications: { type: 'array', items: publication } } } },
      },
    },
    () => ({ publications: o.studies.all().map(view) }),
  );

  app.get<{ Params: { reference: string } }>(
    '/api/v1/publications/:reference',
    {
      config: members('reads', ['ARGUMENT_INVALID', 'PUBLICATION_NOT_FOUND']),
      schema: {
        tags: ['publications'],
        summary: 'One staged or published study',
        params: { type: 'object', required: ['reference'], properties: { reference: Reference } },
        response: { 200: publication },
      },
    },
    (request) => {
      const found = o.studies.byReference(request.params.reference);
      if (!found) {
        throw new PublishError('PUBLICATION_NOT_FOUND', `no study staged here as ${request.params.reference}`);
      }
      return view(found);
    },
  );
}
