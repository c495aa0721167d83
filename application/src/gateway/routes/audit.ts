import type { FastifyInstance } from 'fastify';
import type { Network } from '@hyperledger/fabric-gateway';
import { auditLedger } from '../../audit/audit-report';
import { reviewBreakGlass } from '../../audit/break-glass-review';
import { recordHistory } from '../../audit/history';
import { BlockReader } from '../../audit/block-reader';
import { DisclosureDays, MAX_DAYS, dayRange } from '../../audit/disclosure-days';
import type { AuditedOrderer } from '../../audit/ordering';
import { HttpProblem, problem } from '../problem';
import { wholeNumberParam } from './whole-number';

/** Auditor tokens only (access.ts: names `auditor` or `auditor:<who>`). */
const config = { access: 'auditor', admission: 'reads', minBlock: true, problems: ['ARGUMENT_INVALID'] } as const;

const block = wholeNumberParam(15, 'a block number');
const day = (description: string) => ({ type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description }) as const;

const disclosuresPerDayResponse = {
  type: 'object',
  required: ['channel', 'chaincode', 'from', 'to', 'toBlock', 'total', 'days'],
  properties: {
    channel: { type: 'string' },
    chaincode: { type: 'string' },
    from: { type: 'string', description: 'first UTC day, YYYY-MM-DD' },
    to: { type: 'string', description: 'last UTC day, YYYY-MM-DD (inclusive)' },
    toBlock: { type: 'integer', description: 'blocks counted: [0, toBlock)' },
    total: { type: 'integer', description: 'disclosures recorded in [from, to]' },
    days: {
      type: 'array',
      description: 'every day of [from, to] in order, with 0 for a day without disclosures',
      items: { type: 'object', required: ['day', 'disclosures'], properties: { day: { type: 'string' }, disclosures: { type: 'integer' } } },
    },
  },
} as const;

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
  const disclosureDays = new DisclosureDays(new BlockReader(network), network.getName(), chaincode);
  app.get<{ Querystring: { from?: string; to?: string } }>(
    '/api/v1/audit/disclosures-per-day',
    {
      config,
      schema: {
        tags: ['audit'],
        summary: `Disclosures (valid RecordDisclosure transactions) recorded per UTC day, from the blocks; at most ${String(MAX_DAYS)} days`,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { from: day('first UTC day (default: 29 days before to)'), to: day('last UTC day, inclusive (default: today)') },
        },
        response: { 200: disclosuresPerDayResponse },
      },
    },
    (req) => {
      const range = dayRange(req.query.from, req.query.to, Date.now());
      if (typeof range === 'string') throw new HttpProblem(problem('ARGUMENT_INVALID', range));
      return disclosureDays.between(range);
    },
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
