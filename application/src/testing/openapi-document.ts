import { strict as assert } from 'node:assert';
import { errorCodeOf } from './error-answer';
import type { RawAnswer } from './gateway-fixture';

/** The parts of the gateway's OpenAPI document the tests read. */
export interface OpenApiOperation {
  readonly 'x-isl-access'?: string;
  readonly parameters?: readonly { readonly in: string; readonly name: string; readonly schema?: { readonly type?: string; readonly pattern?: string } }[];
  readonly requestBody?: unknown;
  readonly responses: Readonly<
    Record<
      string,
      {
        readonly content?: Readonly<Record<string, { readonly schema?: OpenApiSchema }>>;
      }
    >
  >;
}

/** As much of a JSON schema as the tests walk. */
export interface OpenApiSchema {
  readonly enum?: readonly string[];
  readonly properties?: Readonly<Record<string, OpenApiSchema>>;
  readonly items?: OpenApiSchema;
}

export interface OpenApiDocument {
  readonly paths: Readonly<Record<string, Readonly<Record<string, OpenApiOperation>>>>;
}

/** Routes the document hides on purpose (operations endpoints); any other matched route must be in it. */
const hidden = new Set(['/api/v1/openapi.json', '/healthz', '/readyz', '/metrics']);

/** The codes an operation documents for a status: the enum of its problem body's `code` (on FHIR routes, of its OperationOutcome's coding). */
export function documentedCodes(op: OpenApiOperation, status: number): readonly string[] | undefined {
  const content = op.responses[String(status)]?.content;
  return content?.['application/problem+json']?.schema?.properties?.code?.enum ?? fhirCodes(content?.['application/fhir+json']?.schema);
}

/** The enum of an OperationOutcome schema's issue.details.coding.code. */
function fhirCodes(schema: OpenApiSchema | undefined): readonly string[] | undefined {
  const coding = schema?.properties?.issue?.items?.properties?.details?.properties?.coding;
  return coding?.items?.properties?.code?.enum;
}

/**
 * The answer's status is one the matched operation's responses list, and an error answer's
 * code is among the codes documented for that status. `route`: the route the request matched
 * (undefined: none, so no operation describes the answer).
 */
export function assertDocumented(doc: OpenApiDocument, route: string | undefined, method: string, what: string, answer: RawAnswer): void {
  if (route === undefined || hidden.has(route)) return;
  const op = doc.paths[route]?.[method.toLowerCase()];
  assert.ok(op, `${what}: matched ${method} ${route}, which the OpenAPI document does not describe`);
  assert.ok(
    Object.hasOwn(op.responses, String(answer.status)),
    `${what}: answered ${String(answer.status)}, not among the responses of ${method} ${route} (${Object.keys(op.responses).join(', ')})`,
  );
  if (answer.status < 400) return;
  const code = errorCodeOf(answer);
  const codes = documentedCodes(op, answer.status) ?? [];
  assert.ok(
    codes.includes(code),
    `${what}: answered ${String(answer.status)} ${code}; ${method} ${route} documents ${String(answer.status)} with ${codes.join(', ')}`,
  );
}
