import type { FastifyInstance } from 'fastify';
import type { LedgerCalls } from '../../ledger/ledger-client';
import type { ProblemCode } from '../problem';
import { wholeNumberParam } from './whole-number';

const id = { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$', description: 'key thumbprint or study reference (43-char base64url)' } as const;
const sourceStudy = { type: 'object', required: ['source', 'study'], properties: { source: id, study: id } } as const;

interface SourceStudy {
  readonly source: string;
  readonly study: string;
}

const read = (problems: readonly ProblemCode[] = []) =>
  ({ access: 'reader', admission: 'reads', minBlock: true, problems: ['ARGUMENT_INVALID', ...problems] }) as const;

/** Read-only endpoints: each evaluates one chaincode query at this organisation's peer. */
export function registerQueryRoutes(app: FastifyInstance, ledger: LedgerCalls): void {
  app.get('/api/v1/sources', { config: read(), schema: { tags: ['queries'], summary: 'The directory of image sources and their retrieval URLs' } }, () =>
    ledger.evaluate('ListSources', []),
  );
  app.get<{ Params: { source: string } }>(
    '/api/v1/sources/:source',
    {
      config: read(['SOURCE_NOT_FOUND']),
      schema: { tags: ['queries'], summary: 'One source', params: { type: 'object', required: ['source'], properties: { source: id } } },
    },
    (req) => ledger.evaluate('GetSource', [req.params.source]),
  );
  app.get<{ Params: SourceStudy }>(
    '/api/v1/sources/:source/studies/:study',
    { config: read(['STUDY_NOT_FOUND']), schema: { tags: ['queries'], summary: 'One study', params: sourceStudy } },
    (req) => ledger.evaluate('GetStudy', [req.params.source, req.params.study]),
  );
  for (const [path, transaction, summary] of [
    ['grants', 'ListGrants', "A study's grants, current and revoked"],
    ['requests', 'ListRequests', "A study's access requests and their answers"],
    ['disclosures', 'ListDisclosures', "Every release of a study's images (accounting of disclosures)"],
    ['break-glass', 'ListBreakGlass', "A study's break-glass leases, active and ended (docs/protocol.md §11)"],
  ] as const) {
    app.get<{ Params: SourceStudy }>(
      `/api/v1/sources/:source/studies/:study/${path}`,
      { config: read(), schema: { tags: ['queries'], summary, params: sourceStudy } },
      (req) => ledger.evaluate(transaction, [req.params.source, req.params.study]),
    );
  }
  app.get<{ Querystring: { source: string; study: string; recipient: string; at?: string } }>(
    '/api/v1/access',
    {
      config: read(),
      schema: {
        tags: ['queries'],
        summary: 'Whether a recipient may retrieve a study now (or at a given time), with the grant or the reason',
        querystring: {
          type: 'object',
          required: ['source', 'study', 'recipient'],
          additionalProperties: false,
          properties: { source: id, study: id, recipient: id, at: wholeNumberParam(12, 'seconds since the epoch (at most 253402300799, 9999-12-31)') },
        },
      },
    },
    (req) => ledger.evaluate('CheckAccess', [req.query.source, req.query.study, req.query.recipient, req.query.at ?? '']),
  );
  app.get<{ Querystring: { key: string } }>(
    '/api/v1/history',
    {
      config: read(),
      schema: {
        tags: ['audit'],
        summary: "A record's full history: every transaction that changed it, with time and value",
        querystring: { type: 'object', required: ['key'], additionalProperties: false, properties: { key: { type: 'string', minLength: 1, maxLength: 512 } } },
      },
    },
    (req) => ledger.evaluate('GetHistory', [req.query.key]),
  );
  app.get('/api/v1/stake', { config: read(), schema: { tags: ['audit'], summary: 'Stake of every organisation (studies its sources published)' } }, () =>
    ledger.evaluate('GetStake', ['']),
  );
  app.get<{ Params: { org: string } }>(
    '/api/v1/stake/:org',
    {
      config: read(),
      schema: {
        tags: ['audit'],
        summary: "One organisation's stake",
        params: { type: 'object', required: ['org'], properties: { org: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,128}$' } } },
      },
    },
    (req) => ledger.evaluate('GetStake', [req.params.org]),
  );
}
