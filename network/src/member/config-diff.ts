const maxDifferences = 12;

/**
 * Where two decoded channel configurations (configtxlator JSON) differ, in
 * words: "Application › Hospital2MSP: value MSP (config.root_certs[0])".
 */
export function configDifferences(expected: unknown, actual: unknown): string[] {
  const out: string[] = [];
  walk(expected, actual, [], out);
  return out.slice(0, maxDifferences);
}

function walk(expected: unknown, actual: unknown, path: string[], out: string[]): void {
  if (out.length >= maxDifferences) {
    return;
  }
  if (isRecord(expected) && isRecord(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
    for (const k of keys) {
      if (!(k in actual)) {
        out.push(`${describe([...path, k])}: missing from the block`);
      } else if (!(k in expected)) {
        out.push(`${describe([...path, k])}: in the block, not in the bundles and charter`);
      } else {
        walk(expected[k], actual[k], [...path, k], out);
      }
    }
    return;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) {
      out.push(`${describe(path)}: ${String(actual.length)} entries in the block, ${String(expected.length)} expected`);
      return;
    }
    expected.forEach((e, i) => {
      walk(e, actual[i], [...path, String(i)], out);
    });
    return;
  }
  if (JSON.stringify(expected) !== JSON.stringify(actual)) {
    out.push(`${describe(path)}: differs`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** channel_group.groups.Application.groups.X.values.MSP.value.config.root_certs.0 → "Application › X: value MSP (config.root_certs[0])". */
export function describe(path: readonly string[]): string {
  const groups: string[] = [];
  let i = path[0] === 'channel_group' ? 1 : 0;
  while (path[i] === 'groups' && path[i + 1] !== undefined) {
    groups.push(path[i + 1] ?? '');
    i += 2;
  }
  const where = groups.length > 0 ? groups.join(' › ') : 'Channel';
  const kind = path[i];
  const name = path[i + 1];
  if ((kind === 'values' || kind === 'policies') && name !== undefined) {
    const rest = path
      .slice(i + 3)
      .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
      .join('')
      .replace(/^\./, '');
    return `${where}: ${kind === 'values' ? 'value' : 'policy'} ${name}${rest ? ` (${rest})` : ''}`;
  }
  const rest = path.slice(i).join('.');
  return rest ? `${where}: ${rest}` : where;
}
