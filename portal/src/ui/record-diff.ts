/** One field that differs between two versions of a record. */
export interface FieldChange {
  readonly field: string;
  /** Absent: the field was added. */
  readonly before?: string;
  /** Absent: the field was removed. */
  readonly after?: string;
}

/** Longest value shown in full; longer ones are cut (their whole text is in the record's JSON). */
const MAX_SHOWN = 80;

/** A field's value as a person reads it: strings bare, anything else as JSON, cut to MAX_SHOWN. */
export function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

const fields = (value: unknown): Readonly<Record<string, unknown>> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };

/**
 * The top-level fields that differ from `previous` to `current`, in the order
 * of `current`'s fields then the removed ones. Values are compared by their
 * JSON (the ledger writes canonical JSON, so equal values have equal text).
 */
export function recordChanges(previous: unknown, current: unknown): FieldChange[] {
  const before = fields(previous);
  const after = fields(current);
  const changes: FieldChange[] = [];
  for (const [field, value] of Object.entries(after)) {
    if (!Object.hasOwn(before, field)) changes.push({ field, after: shown(value) });
    else if (JSON.stringify(before[field]) !== JSON.stringify(value)) changes.push({ field, before: shown(before[field]), after: shown(value) });
  }
  for (const [field, value] of Object.entries(before)) {
    if (!Object.hasOwn(after, field)) changes.push({ field, before: shown(value) });
  }
  return changes;
}
