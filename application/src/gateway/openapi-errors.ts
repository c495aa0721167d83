import type { FastifyContextConfig, FastifySchema, RouteOptions } from 'fastify';
import { FHIR_MEDIA_TYPE } from '../fhir/bundle';
import { problemCatalogue, PROBLEM_MEDIA_TYPE, problemSchema, type ProblemCode } from './problem';

/** The refusals of a route's access rule (access.ts). */
function accessCodes(access: FastifyContextConfig['access']): readonly ProblemCode[] {
  switch (access) {
    case 'relay':
      return ['UNAUTHENTICATED', 'MEMBER_REQUIRED', 'RATE_LIMITED'];
    case 'reader':
      return ['UNAUTHENTICATED'];
    case 'member':
      return ['UNAUTHENTICATED', 'MEMBER_REQUIRED'];
    case 'auditor':
      return ['UNAUTHENTICATED', 'AUDITOR_REQUIRED'];
    default:
      return [];
  }
}

/**
 * Every route's error answers, for its OpenAPI operation: those of its access
 * (401/403), its admission (503), its input (400/408/413/415), its declared
 * problems, and 500. Each status lists its codes; the body is a Problem.
 */
export function errorResponses(route: Pick<RouteOptions, 'method' | 'schema' | 'config'>): Record<string, unknown> {
  const config = route.config ?? {};
  const codes = new Set<ProblemCode>([...(config.problems ?? []), ...accessCodes(config.access)]);
  if (config.access !== 'public') codes.add('TOO_MANY_CONNECTIONS').add('REQUEST_TIMEOUT').add('INTERNAL');
  // drain.ts: any request arriving while the gateway shuts down.
  codes.add('SHUTTING_DOWN');
  const schema: FastifySchema = route.schema ?? {};
  if (schema.params !== undefined || schema.querystring !== undefined) codes.add('ARGUMENT_INVALID');
  // Fastify reads a DELETE's body too (a client may send one): the same refusals as a POST's.
  if (route.method === 'POST' || route.method === 'DELETE') codes.add('REQUEST_INVALID').add('BODY_TOO_LARGE').add('UNSUPPORTED_MEDIA_TYPE');
  if (config.admission !== undefined) codes.add('OVERLOADED').add('LEDGER_UNAVAILABLE');
  if (config.admission === 'writes') codes.add('OUTCOME_UNKNOWN');
  if (config.minBlock === true) codes.add('BLOCK_NOT_REACHED');
  if (config.oversized !== undefined) codes.delete('BODY_TOO_LARGE');

  const fhir = config.fhir === true;
  const byStatus = new Map<number, string[]>();
  for (const code of codes) {
    const status = problemCatalogue.get(code)?.status ?? 500;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) => [
        String(status),
        fhir
          ? {
              description: `FHIR OperationOutcome, issue.details.coding (system urn:isl:problem) code one of: ${list.sort().join(', ')}`,
              // The codes machine-readable too, as the enum of the coding's code.
              content: { [FHIR_MEDIA_TYPE]: { schema: operationOutcomeWith(list) } },
            }
          : {
              description: `Problem (RFC 9457), code one of: ${list.sort().join(', ')}`,
              // The codes also as an enum, so a client (and the tests) can read them from the document.
              content: {
                [PROBLEM_MEDIA_TYPE]: {
                  schema: { ...problemSchema, properties: { ...problemSchema.properties, code: { ...problemSchema.properties.code, enum: list } } },
                },
              },
            },
      ]),
  );
}

/** The shape of the OperationOutcome a FHIR route answers errors with (FHIR R4), its protocol codes one of `codes`. */
function operationOutcomeWith(codes: readonly string[]): object {
  return {
    type: 'object',
    required: ['resourceType', 'issue'],
    properties: {
      resourceType: { type: 'string', enum: ['OperationOutcome'] },
      issue: {
        type: 'array',
        items: {
          type: 'object',
          required: ['severity', 'code'],
          properties: {
            severity: { type: 'string' },
            code: { type: 'string', description: 'FHIR issue type (login, forbidden, invalid, transient, ...)' },
            details: {
              type: 'object',
              properties: {
                coding: {
                  type: 'array',
                  items: { type: 'object', properties: { system: { type: 'string', enum: ['urn:isl:problem'] }, code: { type: 'string', enum: codes } } },
                },
              },
            },
            diagnostics: { type: 'string' },
          },
        },
      },
    },
  };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Codes this route answers beyond those of its access, admission and input (for the OpenAPI document). */
    problems?: readonly ProblemCode[];
    /** The code of an oversized body (e.g. STATEMENT_TOO_LARGE): a statement's size is the protocol's limit. */
    oversized?: ProblemCode;
    /** The route reads the ledger and accepts ?minBlock= (read your writes across gateways). */
    minBlock?: boolean;
  }
}
