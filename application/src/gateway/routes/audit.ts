import type { FastifyInstance } from 'fastify';
import type { Network } from '@hyperledger/fabric-gateway';
import { auditLedger } from '../../audit/audit-report';
import { reviewBreakGlass } from '../../audit/break-glass-review';
import { recordHistory } from '../../audit/history';
import type { AuditedOrderer } from '../../audit/ordering';
import { wholeNumberParam } from './whole-number';

/** Auditor tokens only (access.ts: names `auditor` or `auditor:<who>`). */
const config = { access: 'auditor', admission: 'reads', minBlock: true, problems: ['ARGUMENT_INVALID'] } as const;

const block = wholeNumberParam(15, 'a block number');

/**
 * The audit endpoints (auditors only): the per-organisation audit read from the
 * blocks, the recorded epochs, and any record's full history.
 */
export interface AuditScope {
  /** The consortium's members: reported even when the blocks read show nothing of them. */
  readonly members?: readonly string[];
  /** Orderers whose metrics give the Raft figures. */
  readonly orderers?: readonly AuditedOrderer[];
}

export function registerAuditRoutes(app: FastifyInstance, network: Network, chaincode: string, scope: AuditScope = {}): void {
  app.get<{ Querystring: { from?: string; to?: string } }>(
    '/api/v1/audit',
    {
      config,
      schema: {
        tags: ['audit'],
        summary: 'Per organisation: stake, endorsements given, endorsed transactions invalidated, blocks cut as Raft leader; and the epochs',
        querystring: { type: 'object', additionalProperties: false, properties: { from: block, to: block } },
      },
    },
    (req) =>
      auditLedger({
        network,
        chaincode,
        ...(scope.members === undefined ? {} : { members: scope.members }),
        ...(scope.orderers === undefined ? {} : { orderers: scope.orderers }),
        ...(req.query.from === undefined ? {} : { fromBlock: Number(req.query.from) }),
        ...(req.query.to === undefined ? {} : { toBlock: Number(req.query.to) }),
      }),
  );
  app.get(
    '/api/v1/audit/epochs',
    { config, schema: { tags: ['audit'], summary: 'Every recorded stake epoch (ListEpochs)' } },
    async () => JSON.parse(new TextDecoder().decode(await network.getContract(chaincode).evaluateTransaction('ListEpochs'))) as unknown,
  );
  app.get<{ Querystring: { since?: string } }>(
    '/api/v1/audit/break-glass',
    {
      config,
      schema: {
        tags: ['audit'],
        summary: 'Every break-glass lease (since a time), with who, which hospital, when, and what was released under it (AuditBreakGlass)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { since: { type: 'string', maxLength: 24, description: 'ISO 8601 UTC time as records show it, e.g. 2025-01-15T12:00:00.000Z' } },
        },
      },
    },
    (req) => reviewBreakGlass(network.getContract(chaincode), req.query.since ?? ''),
  );
  app.get<{ Querystring: { key: string } }>(
    '/api/v1/audit/history',
    {
      config,
      schema: {
        tags: ['audit'],
        summary: "A record's full history, e.g. key=epoch/0000000002",
        querystring: { type: 'object', required: ['key'], additionalProperties: false, properties: { key: { type: 'string', minLength: 1, maxLength: 512 } } },
      },
    },
    (req) => recordHistory(network.getContract(chaincode), req.query.key),
  );
}
