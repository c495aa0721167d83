import type { FastifyInstance, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import { type ErrorCode, ErrorCodes, Limits } from '@isl/chaincode';
import type { LedgerCalls } from '../../ledger/ledger-client';
import { LedgerRejection } from '../../ledger/errors';
import { refusal } from '../access';
import { originalTransaction } from '../http-errors';
import type { CommittedBlocks } from '../peer-blocks';
import { HttpProblem, problem, type ProblemCode } from '../problem';
import { statementAccess } from '../statement-access';

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
  {
    type: 'BreakGlass',
    path: '/break-glass',
    summary: "Open an emergency lease of a study (clinician-signed; only the clinician's own hospital, with its member token)",
  },
  { type: 'BreakGlassConsent', path: '/break-glass-consents', summary: 'Forbid or allow again break-glass access to a study (patient-signed)' },
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
    transactionId: { type: 'string', description: 'The transaction the statement took effect in (for a replay: the original one)' },
    blockNumber: { type: 'string', description: 'Its block: pass it as ?minBlock= to reads at any gateway' },
    alreadyApplied: { type: 'boolean', description: 'true: the statement had already taken effect, in transactionId; nothing was applied again' },
    detail: { type: 'string' },
    record: {},
  },
} as const;

/** What a relay can be refused with: any of the chaincode's codes except the epoch ones. */
const ledgerCodes = (Object.keys(ErrorCodes) as ErrorCode[]).filter((c) => !c.startsWith('EPOCH_') && c !== 'ADMIN_REQUIRED' && c !== 'STATEMENT_REPLAYED');
const relayProblems: readonly ProblemCode[] = [...ledgerCodes, 'REQUEST_INVALID', 'TRANSACTION_INVALID'];

interface StatementBody {
  readonly statement: string;
}

/**
 * Endpoints that relay a signed statement into its transaction. Patients' and
 * recipients' statements carry their own authority (the chaincode verifies the
 * signature), so anyone may relay them, rate-limited; statements an
 * organisation makes need its member token (statement-access.ts).
 */
export function registerStatementRoutes(app: FastifyInstance, ledger: LedgerCalls, blocks: CommittedBlocks, anonymousRate: number): void {
  const relay = async (transaction: string, statement: string): Promise<{ status: number; body: unknown }> => {
    try {
      const s = await ledger.submit(transaction, [statement]);
      blocks.observe(s.blockNumber);
      return { status: 201, body: { transactionId: s.transactionId, blockNumber: s.blockNumber.toString(), alreadyApplied: false, record: s.result } };
    } catch (err) {
      // A retried submit of a statement that already took effect: the same answer, naming the original transaction.
      if (err instanceof LedgerRejection && err.code === 'STATEMENT_REPLAYED') {
        const original = originalTransaction(err);
        const block = original === undefined ? undefined : await blocks.blockOf(original);
        return {
          status: 200,
          body: {
            alreadyApplied: true,
            ...(original === undefined ? {} : { transactionId: original }),
            ...(block === undefined ? {} : { blockNumber: block.toString() }),
            detail:
              `this statement already took effect${original === undefined ? '' : ` in transaction ${original}`}${block === undefined ? '' : ` (block ${block.toString()})`}; ` +
              'it was not applied again, and what it did may have changed since (e.g. a grant revoked): read the record to know the current state',
          },
        };
      }
      throw err;
    }
  };
  // Anonymous relays are limited per client address, on all relay resources together (one limiter,
  // one store); a member's own systems relay at the ledger's pace. After authentication (a route hook).
  const rateLimited = app.rateLimit({ max: anonymousRate, timeWindow: '1 minute', allowList: (request: FastifyRequest) => request.caller?.role === 'member' });
  const config = { admission: 'writes', oversized: 'STATEMENT_TOO_LARGE', problems: relayProblems } as const;
  for (const route of statementRoutes) {
    app.post<{ Body: StatementBody }>(
      `/api/v1${route.path}`,
      {
        config: { ...config, access: statementAccess(route.type) },
        onRequest: rateLimited,
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
      config: { ...config, access: 'relay', problems: [...relayProblems, 'STATEMENT_TYPE_UNKNOWN', 'MEMBER_REQUIRED'] },
      onRequest: rateLimited,
      schema: {
        tags: ['statements'],
        summary: 'Relay any statement: the transaction is chosen by its `type` claim',
        description:
          "Source-signed statements (DefineSource, UpdateSourceUrl, DeactivateSource, DefineStudy, RecordDisclosure) and BreakGlass need this organisation's member token; the others may be relayed without a token.",
        body: bodySchema,
        response: { 200: writeResponse, 201: writeResponse },
      },
    },
    async (request: FastifyRequest<{ Body: StatementBody }>, reply) => {
      const transaction = statementType(request.body.statement);
      if (transaction === undefined) {
        throw new HttpProblem(problem('STATEMENT_TYPE_UNKNOWN', 'the statement payload has no known type claim'));
      }
      // The same rule as the statement's own resource (the server's hook already refused invalid tokens).
      const refused = refusal(statementAccess(transaction), request.caller, false);
      if (refused) throw refused;
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
