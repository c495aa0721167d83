import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '@isl/network';
import { GatewayCodes, PublishCodes, UploadCodes } from './problem';

describe('docs/protocol.md §10 and the gateway agree', () => {
  const doc = readFileSync(join(projectRoot, 'docs', 'protocol.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### 10.5 Errors'));

  it('lists every code the gateway itself answers, with the status and meaning it answers them with, and no other', () => {
    const rows = new Map([...section.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| (.+) \|$/gm)].map((m) => [m[1] ?? '', [Number(m[2]), m[3] ?? '']] as const));
    const catalogue = new Map([GatewayCodes, PublishCodes, UploadCodes].flatMap((t: Readonly<Record<string, readonly [number, string]>>) => Object.entries(t)));
    assert.deepEqual([...rows.keys()].sort(), [...catalogue.keys()].sort());
    for (const [code, [status, title]] of catalogue) assert.deepEqual(rows.get(code), [status, title], code);
  });
});
