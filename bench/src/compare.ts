import { at, headlineFigures, type Figure } from './figures';

/** An earlier run to print each figure beside (`--compare <run.json>`). */
export interface EarlierRun {
  /** Where it was read from, as given on the command line. */
  readonly file: string;
  /** Its results JSON as parsed: any version of the benchmark's schema. */
  readonly results: unknown;
}

export interface ComparedFigure {
  readonly key: string;
  readonly label: string;
  readonly unit: string;
  readonly digits: number;
  readonly now: number | undefined;
  readonly before: number | undefined;
  /** now / before; undefined when either is missing or before is 0. */
  readonly ratio: number | undefined;
}

/**
 * Every headline figure of this run beside the earlier run's, matched by key (fixed-rate steps by
 * their offered rate, batches by size, …). Figures only the earlier run has follow, so a figure that
 * disappeared shows too.
 */
export function compareRuns(now: unknown, before: unknown): ComparedFigure[] {
  const mine = headlineFigures(now);
  const theirs = new Map(headlineFigures(before).map((f) => [f.key, f]));
  const row = (f: Figure, n: number | undefined, b: number | undefined): ComparedFigure => ({
    key: f.key,
    label: f.label,
    unit: f.unit,
    digits: f.digits,
    now: n,
    before: b,
    ratio: n === undefined || b === undefined || b === 0 ? undefined : n / b,
  });
  const rows = mine.map((f) => row(f, f.value, theirs.get(f.key)?.value));
  const seen = new Set(mine.map((f) => f.key));
  for (const f of theirs.values()) if (!seen.has(f.key)) rows.push(row(f, undefined, f.value));
  return rows;
}

const show = (n: number | undefined, digits: number): string => (n === undefined ? '–' : n.toFixed(digits));
const withUnit = (n: number | undefined, r: ComparedFigure): string => (n === undefined ? '–' : `${show(n, r.digits)} ${r.unit}`);
const ratio = (r: ComparedFigure): string => (r.ratio === undefined ? '–' : `${r.ratio.toFixed(2)}×`);

/** When and on what load each run started (the quiet-machine rule: compare runs of a quiet machine). */
function runLine(results: unknown): string {
  const started = at(results, 'startedAt');
  const load = at(results, 'machine', 'loadBefore');
  const loadText = Array.isArray(load) && load.every((x) => typeof x === 'number') ? load.map((x) => x.toFixed(2)).join(' ') : '–';
  const mode = at(results, 'mode');
  return `${typeof started === 'string' ? started : '–'} (${typeof mode === 'string' ? mode : '–'}, load average before ${loadText})`;
}

/** The comparison as a section of the Markdown report. */
export function comparisonMarkdown(now: unknown, earlier: EarlierRun): string[] {
  const rows = compareRuns(now, earlier.results);
  return [
    `## Compared with an earlier run`,
    '',
    `This run: ${runLine(now)}. Earlier run: ${runLine(earlier.results)}, \`${earlier.file}\`. Ratio = this run / earlier run; "–" where a run has no such figure.`,
    '',
    '| figure | this run | earlier run | ratio |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.label} | ${withUnit(r.now, r)} | ${withUnit(r.before, r)} | ${ratio(r)} |`),
    '',
  ];
}

/** The comparison for the console: one line per figure. */
export function comparisonConsole(now: unknown, earlier: EarlierRun): string {
  const rows = compareRuns(now, earlier.results);
  const width = Math.max(20, ...rows.map((r) => r.label.length + r.unit.length + 3));
  return [
    `compared with ${earlier.file}: ${runLine(earlier.results)}`,
    `  ${'figure'.padEnd(width)} ${'this run'.padStart(10)} ${'earlier'.padStart(10)} ${'ratio'.padStart(8)}`,
    ...rows.map(
      (r) =>
        `  ${`${r.label} (${r.unit})`.padEnd(width)} ${show(r.now, r.digits).padStart(10)} ${show(r.before, r.digits).padStart(10)} ${ratio(r).padStart(8)}`,
    ),
  ].join('\n');
}
