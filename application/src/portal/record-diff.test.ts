import { strict as assert } from 'node:assert';
// The portal's browser code (plain TypeScript, no DOM), run here.
import { recordChanges, shown } from '../../../portal/src/ui/record-diff';

describe("the auditor's history timeline: what changed between two versions of a record", () => {
  const active = { kind: 'grant', status: 'active', until: '2026-12-01T00:00:00.000Z', purpose: 'TREAT', updatedAt: '2026-11-01T10:00:00.000Z' };

  it('names each changed field with its value before and after, and only those', () => {
    const revoked = { ...active, status: 'revoked', updatedAt: '2026-11-02T09:00:00.000Z', revokedAt: '2026-11-02T09:00:00.000Z' };
    assert.deepEqual(recordChanges(active, revoked), [
      { field: 'status', before: 'active', after: 'revoked' },
      { field: 'updatedAt', before: '2026-11-01T10:00:00.000Z', after: '2026-11-02T09:00:00.000Z' },
      { field: 'revokedAt', after: '2026-11-02T09:00:00.000Z' },
    ]);
    assert.deepEqual(recordChanges(revoked, active), [
      { field: 'status', before: 'revoked', after: 'active' },
      { field: 'updatedAt', before: '2026-11-02T09:00:00.000Z', after: '2026-11-01T10:00:00.000Z' },
      { field: 'revokedAt', before: '2026-11-02T09:00:00.000Z' },
    ]);
    assert.deepEqual(recordChanges(active, { ...active }), []);
  });

  it('compares nested values by content and shows them as JSON; a first version lists every field it set', () => {
    assert.deepEqual(recordChanges({ stakes: { A: 1, B: 2 } }, { stakes: { A: 1, B: 3 } }), [
      { field: 'stakes', before: '{"A":1,"B":2}', after: '{"A":1,"B":3}' },
    ]);
    assert.deepEqual(recordChanges({}, { kind: 'study', n: 4 }), [
      { field: 'kind', after: 'study' },
      { field: 'n', after: '4' },
    ]);
    assert.deepEqual(recordChanges(null, 'x'), [{ field: 'value', before: 'null', after: 'x' }]);
  });

  it('cuts a long value to 80 characters', () => {
    assert.equal(shown('a'.repeat(200)), `${'a'.repeat(79)}…`);
    assert.equal(shown('short'), 'short');
  });
});
