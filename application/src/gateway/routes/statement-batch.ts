import type { FastifyInstance } from 'fastify';
import { type ErrorCode, ErrorCodes, Limits } from '@isl/chaincode';
import type { LedgerCalls } from '../../ledger/ledger-client';
import type { CommittedBlocks } from '../peer-blocks';
import { problem, type ProblemCode } from '../problem';
import { replayAnswer } from './statements';

/** One statement's outcome as the chaincode's SubmitBatch returns it (docs/protocol.md §4, "Batches"). */
interface ChaincodeOutcome {
  readonly index: number;
  readonly type?: string;
  readonly applied: boolean;
  readonly record?: unknown;
  readonly code?: ErrorCode;
  readonly message?: string;
}

/** A body of at most maxBatchStatements statements, each at most a statement's length: the chaincode's batch limit. */
export const BATCH_BODY_LIMIT = 448 * 1024;

const bodySchema = {
  type: 'object',
  required: ['statements'],
  additionalProperties: false,
  properties: {
    statements: {
      type: 'array',
      minItems: 1,
      maxItems: Limits.maxBatchStatements,
      items: { type: 'string', minLength: 1, maxLength: Limits.maxStatementLength, description: 'Compact JWS (docs/protocol.md)' },
    },
  },
} as const;

const batchResponse = {
  type: 'object',
  properties: {
    transactionId: { type: 'string', description: 'The one transaction the batch was recorded in' },
    blockNumber: { type: 'string', description: 'Its block: pass it as ?minBlock= to reads at any gateway' },
    results: {
      type: 'array',
      description: 'One per statement, in the order sent: what POST /api/v1/statements would have answered for it alone',
      items: {
        type: 'object',
        properties: {
          index: { type: 'integer' },
          status: { type: 'integer', description: '201 applied in this transaction, 200 already applied before, else the refusal status' },
          body: {
            description:
              'For 201 and 200 the body POST /api/v1/statements answers (transactionId, blockNumber, alreadyApplied, record or detail); otherwise its problem (type, title, status, detail, code)',
          },
        },
      },
    },
  },
} as const;

/** The batch as a whole: a malformed body, or the ledger failing the transaction; each statement's refusal is in its result. */
const batchProblems: readonly ProblemCode[] = ['REQUEST_INVALID', 'STATEMENT_TOO_LARGE', 'BATCH_INVALID', 'TRANSACTION_INVALID'];

interface BatchBody {
  readonly statements: readonly string[];
}

/**
 * Several statements in one transaction, for an organisation's own systems relaying many at once
 * (member token only: a batch may carry statements in the organisation's name, and anonymous relays
 * are rate-limited per statement). Answered once the transaction committed, per statement.
 */
export function registerStatementBatchRoute(app: FastifyInstance, ledger: LedgerCalls, blocks: CommittedBlocks): void {
  app.post<{ Body: BatchBody }>(
    '/api/v1/statements/batch',
    {
      bodyLimit: BATCH_BODY_LIMIT,
      config: { admission: 'writes', oversized: 'STATEMENT_TOO_LARGE', access: 'member', problems: batchProblems },
      schema: {
        tags: ['statements'],
        summary: `Relay 1 to ${String(Limits.maxBatchStatements)} statements of any types in one transaction, each applied or refused on its own`,
        description:
          'Each statement is verified and applied or refused as if relayed alone; a statement that touches a record an earlier statement of the batch changes is refused BATCH_KEY_CONFLICT (send it in a later batch). Sending the same batch again is safe: what applied answers alreadyApplied.',
        body: bodySchema,
        response: { 200: batchResponse },
      },
    },
    async (request, reply) => {
      const submitted = await ledger.submit<{ results: ChaincodeOutcome[] }>('SubmitBatch', [JSON.stringify(request.body.statements)]);
      blocks.observe(submitted.blockNumber);
      const transactionId = submitted.transactionId;
      const blockNumber = submitted.blockNumber.toString();
      const results = await Promise.all(
        submitted.result.results.map(async (outcome) => ({ index: outcome.index, ...(await answerOf(outcome, transactionId, blockNumber, blocks)) })),
      );
      return reply.code(200).send({ transactionId, blockNumber, results });
    },
  );
}

/** The answer the statement would have had alone (§10.2): applied, already applied, or refused. */
async function answerOf(
  outcome: ChaincodeOutcome,
  transactionId: string,
  blockNumber: string,
  blocks: CommittedBlocks,
): Promise<{ status: number; body: unknown }> {
  if (outcome.applied) {
    return { status: 201, body: { transactionId, blockNumber, alreadyApplied: false, record: outcome.record } };
  }
  const message = outcome.message ?? '';
  if (outcome.code === 'STATEMENT_REPLAYED') return { status: 200, body: await replayAnswer(message, blocks) };
  const code: ErrorCode = outcome.code !== undefined && Object.hasOwn(ErrorCodes, outcome.code) ? outcome.code : 'ARGUMENT_INVALID';
  const body = problem(code, message);
  return { status: body.status, body };
}
