import type { FastifyInstance, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import { Limits } from '@isl/chaincode/dist/statement/limits';
import type { LedgerClient } from '../../ledger/ledger-client';
import { LedgerRejection } from '../../ledger/errors';
import { originalTransaction } from '../http-errors';

/** Statement type → the transaction that takes it, and the REST resource it is posted to. */
export const statementRoutes = [
  { type: 'DefineSource', path: '/sources', summary: 'Define an image source (signed by the source key)' },
  { type: 'UpdateSourceUrl', path: '/source-url-updates', summary: "Change a source's retrieval URL (source-signed)" },
  { type: 'DeactivateSource', path: '/source-deactivations', summary: 'Deactivate a source (source-signed)' },
  { type: 'DefineStudy', path: '/studies', summary: "Define a study (source-signed, embedding the patient's consent)" },
  { type: 'AllowAccess', path: '/grants', summary: 'Grant a recipient time-limited access (patient-signed)' },
  { type: 'RevokeAccess', path: '/revocations', summary: 'Revoke a grant (patient-signed)' },
  { type: 'RequestAccess', path: '/requests', summary: 'Ask a patient for access (recipient-signed)' },
  { type: 'DenyAccess', path: '/denials', summary: 'Deny an access request (patient-signed)' },
  { type: 'RotateOwnerKey', path: '/rotations', summary: "Move a study to a new patient key (signed by the study's recovery key)" },
  { type: 'RecordDisclosure', path: '/disclosures', summary: 'Record a release of images (source-signed)' },
] as const;

const byType = new Map<string, string>(statementRoutes.map((r) => [r.type, r.type]));

const bodySchema = {
  type: 'object',
  required: ['statement'],
  additionalProperties: false,
  properties: { statement: { type: 'string', minLength: 1, maxLength: Limits.maxStatementLength, description: 'Compact JWS (docs/protocol.md)' } },
} as const;

const writeResponse = {
  type: 'object',
  properties: {
    transactionId: { type: 'string' },
    blockNumber: { type: 'string' },
    alreadyApplied: { type: 'boolean' },
    record: {},
  },
} as const;

interface StatementBody {
  readonly statement: string;
}

/**
 * Endpoints that relay a signed statement into its transaction. The statement's
 * signature is the authority (the chaincode verifies it), so anonymous callers
 * are allowed here, rate-limited by the server.
 */
export function registerStatementRoutes(app: FastifyInstance, ledger: LedgerClient, anonymousRate: number): void {
  const relay = async (transaction: string, statement: string): Promise<{ status: number; body: unknown }> => {
    try {
      const s = await ledger.submit(transaction, [statement]);
      return { status: 201, body: { transactionId: s.transactionId, blockNumber: s.blockNumber.toString(), alreadyApplied: false, record: s.result } };
    } catch (err) {
      // A retried submit of a statement that already took effect: the same answer, not an error.
      if (err instanceof LedgerRejection && err.code === 'STATEMENT_REPLAYED') {
        return { status: 200, body: { transactionId: originalTransaction(err), alreadyApplied: true } };
      }
      throw err;
    }
  };
  // The limit is for anonymous relays: a member's own systems (valid bearer token, set by the
  // server's onRequest hook, which runs before this route-level one) relay at the ledger's pace.
  const rateLimit = { max: anonymousRate, timeWindow: '1 minute', allowList: (request: FastifyRequest) => request.caller !== undefined };
  for (const route of statementRoutes) {
    app.post<{ Body: StatementBody }>(
      `/api/v1${route.path}`,
      {
        config: { rateLimit, anonymous: true },
        schema: { tags: ['statements'], summary: route.summary, body: bodySchema, response: { 200: writeResponse, 201: writeResponse } },
      },
      async (request, reply) => {
        const { status, body } = await relay(route.type, request.body.statement);
        return reply.code(status).send(body);
      },
    );
  }
  app.post<{ Body: StatementBody }>(
    '/api/v1/statements',
    {
      config: { rateLimit, anonymous: true },
      schema: {
        tags: ['statements'],
        summary: 'Relay any statement: the transaction is chosen by its `type` claim',
        body: bodySchema,
        response: { 200: writeResponse, 201: writeResponse },
      },
    },
    async (request: FastifyRequest<{ Body: StatementBody }>, reply) => {
      const transaction = statementType(request.body.statement);
      if (transaction === undefined) {
        return reply.code(400).send({ error: { code: 'STATEMENT_TYPE_UNKNOWN', message: 'the statement payload has no known type claim' } });
      }
      const { status, body } = await relay(transaction, request.body.statement);
      return reply.code(status).send(body);
    },
  );
}

/** Reads the unverified `type` claim only to route; the chaincode verifies everything. */
function statementType(jws: string): string | undefined {
  try {
    const type = decodeJwt(jws).type;
    return typeof type === 'string' ? byType.get(type) : undefined;
  } catch {
    return undefined;
  }
}
