import { P99_SUSTAINED_MS, withoutFailures, type AllowAccessResult, type MeasuredStep } from './sections/allow-access';
import type { BatchStep } from './sections/batch';
import type { CheckAccessResult } from './sections/check-access';
import type { PublishingResult } from './sections/publishing';
import type { RetrievalResult } from './sections/retrieval';
import type { OperationsResult } from './sections/operations';
import type { GroupFigures } from './procstat';
import type { StepResult } from './load';
import { comparisonConsole, comparisonMarkdown, type EarlierRun } from './compare';
import { hardwareThreads } from './figures';
import type { NetworkCommitFigures } from './network-commit';
import type { GrowthResult } from './sections/growth';
import { growthSection, growthSummary } from './growth/growth-report';

export interface BenchResults {
  readonly startedAt: string;
  readonly mode: 'quick' | 'full';
  readonly machine: {
    readonly cpus: number;
    /** os.availableParallelism(): the hardware threads this process may use (absent in runs before it was recorded: then cpus). */
    readonly hardwareThreads?: number;
    readonly memGiB: number;
    readonly loadBefore: readonly number[];
    readonly loadAfter?: readonly number[];
    readonly node: string;
  };
  readonly allowAccess?: AllowAccessResult;
  readonly checkAccess?: CheckAccessResult;
  readonly retrieval?: RetrievalResult;
  readonly publishing?: PublishingResult;
  readonly operations?: OperationsResult;
  readonly batches?: readonly BatchStep[];
  readonly growth?: GrowthResult;
  readonly errors: Record<string, string>;
}

/** Published figures each measurement is printed beside. */
export const References = {
  ethereum: 'Ethereum/IPFS prototype (Jabarulla & Lee, ../shared/seeds/jabarulla-lee-pcim-ethereum-ipfs.txt): 4.98–16.97 s per transaction',
  fabricDefault: 'Fabric with its default 2 s batch timeout: ≈ 2.1 s per transaction at low load',
  fabricNode: 'published Node-chaincode Fabric runs: 216–373 tx/s on 8 hardware threads',
  pcimImages: 'Ethereum/IPFS prototype: 1,142 images downloaded from IPFS in 6.19 s, 100 MB uploaded in 5.31 s (over the internet)',
  caliperPerThread:
    'Hyperledger Caliper, Node chaincode on Fabric: about 27 tx/s per hardware thread for a create-asset write, about 70 for an empty transaction (figures as issue 15 states them)',
} as const;

const f0 = (n: number | undefined): string => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(0));
const f1 = (n: number | undefined): string => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(1));
const f2 = (n: number | undefined): string => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(2));
const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function stepRow(s: StepResult): string[] {
  return [
    s.label,
    s.targetRate !== undefined ? f0(s.targetRate) : `${String(s.concurrency)} outstanding`,
    String(s.sent),
    f2(s.successPercent),
    f1(s.throughput),
    f0(s.latencyMs.p50),
    f0(s.latencyMs.p95),
    f0(s.latencyMs.p99),
    f0(s.latencyMs.max),
  ];
}

const STEP_HEAD = ['step', 'offered tx/s', 'sent', 'success %', 'committed tx/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'];

function processTable(steps: readonly { label: string; processes: Record<string, GroupFigures> }[]): string {
  const kinds = [...new Set(steps.flatMap((s) => Object.keys(s.processes)))].sort((a, b) =>
    a === 'consortium total' ? 1 : b === 'consortium total' ? -1 : a.localeCompare(b),
  );
  return table(
    ['step', ...kinds.map((k) => `${k} CPU % / RSS MB`)],
    steps.map((s) => [s.label, ...kinds.map((k) => (s.processes[k] ? `${f0(s.processes[k].cpuPercent)} / ${f0(s.processes[k].rssPeakMb)}` : '–'))]),
  );
}

/** CPU milliseconds per committed transaction by process kind: what each transaction costs whoever else shares the machine. */
function costTable(steps: readonly (StepResult & { processes: Record<string, GroupFigures> })[]): string {
  const kinds = ['gateway', 'chaincode', 'peer', 'orderer', 'consortium total'];
  return table(
    ['step', 'committed tx/s', ...kinds.map((k) => `${k} ms/tx`)],
    steps.map((s) => [
      s.label,
      f1(s.throughput),
      ...kinds.map((k) => (s.processes[k] && s.throughput > 0 ? f1((s.processes[k].cpuPercent * 10) / s.throughput) : '–')),
    ]),
  );
}

/** The Markdown report: every figure beside its goal and reference, and beside an earlier run's with `earlier`. */
/** Goal 1 holds only when the median ratio and the fastest-run ratio (where recorded) both reach 0.9. */
const retrievalMet = (median: number, fastest: number | undefined): boolean => median >= 0.9 && (fastest === undefined || fastest >= 0.9);

export function markdown(r: BenchResults, earlier?: EarlierRun): string {
  const out: string[] = [`# Image Sharing Ledger — benchmark (${r.mode})`, ''];
  out.push(
    `Started ${r.startedAt}. Machine: ${String(r.machine.cpus)} CPUs${r.machine.hardwareThreads === undefined ? '' : ` (${String(r.machine.hardwareThreads)} hardware threads available)`}, ${f1(r.machine.memGiB)} GiB RAM, Node ${r.machine.node}; load average before ${r.machine.loadBefore.map(f2).join(' ')}${r.machine.loadAfter ? `, after ${r.machine.loadAfter.map(f2).join(' ')}` : ''}.`,
    '',
  );
  out.push(
    "Method (after Hyperledger Caliper): warm-up, fixed-rate steps (transaction i sent at t0 + i/rate whatever the answers), a fixed-load step (constant backlog) to find the capacity, then fixed-rate search downwards from it; latency = submit → commit status known (the gateway application's REST answer), and for AllowAccess also submit → committed on every peer of the channel (block event streams on every peer). CPU is % of one core over the step, RSS the peak per process group (sum over a kind).",
    '',
  );
  if (earlier) out.push(...comparisonMarkdown(r, earlier));
  if (r.allowAccess) out.push(...allowAccessSection(r.allowAccess, hardwareThreads(r)));
  if (r.checkAccess) out.push(...checkAccessSection(r.checkAccess));
  if (r.retrieval) out.push(...retrievalSection(r.retrieval));
  if (r.publishing) out.push(...publishingSection(r.publishing));
  if (r.operations) out.push(...operationsSection(r.operations, r.allowAccess));
  if (r.batches) out.push(...batchSection(r.batches));
  if (r.growth) out.push(...growthSection(r.growth));
  for (const [section, message] of Object.entries(r.errors)) out.push(`**${section} failed:** ${message}`, '');
  return out.join('\n');
}

function batchSection(steps: readonly BatchStep[]): string[] {
  const single = steps.find((s) => s.size === 1);
  return [
    '## Statements per transaction (AllowAccess alone and in SubmitBatch, issue 15 goal 5)',
    '',
    'Fixed load of outstanding statements (max(2, ⌈128 / size⌉) requests) through the gateways (REST, member token, round-robin); a batch counts as its statements once every one applied.',
    '',
    '| statements per transaction | statements/s | × single | CPU ms per statement | p50 / p99 ms per request | failed |',
    '|---|---|---|---|---|---|',
    ...steps.map(
      (s) =>
        `| ${String(s.size)} | ${f1(s.statementsPerS)} | ${single && single.statementsPerS > 0 ? f2(s.statementsPerS / single.statementsPerS) : '–'} | ${f2(s.cpuMsPerStatement)} | ${s.step.latencyMs.p50.toFixed(0)} / ${s.step.latencyMs.p99.toFixed(0)} | ${String(s.step.failed)} |`,
    ),
    '',
  ];
}

/** Latency two ways per step: until the REST answer (commit status at the gateway's peer) and until committed on every peer. */
function latencyTwoWays(steps: readonly MeasuredStep[]): string[] {
  const measuredSteps = steps.filter((s) => s.networkCommit !== undefined);
  if (measuredSteps.length === 0) return [];
  const n = (s: MeasuredStep): NetworkCommitFigures | undefined => s.networkCommit;
  return [
    "Latency two ways: until the gateway application's REST answer (it answers once Fabric reports the commit status at its peer), and until the transaction is committed on every peer of the channel (the Hyperledger Performance and Scale Working Group's network-wide threshold latency, threshold = every peer; seen through a filtered block event stream per peer). Missing = answered as committed but not seen valid on every peer within the bound after the step's last answer.",
    '',
    table(
      ['step', 'REST answer p50 / p95 / p99 ms', 'every peer p50 / p95 / p99 ms', 'first → last peer p50 / p99 ms', 'tracked', 'missing', 'peers', 'bound s'],
      measuredSteps.map((s) => [
        s.label,
        `${f0(s.latencyMs.p50)} / ${f0(s.latencyMs.p95)} / ${f0(s.latencyMs.p99)}`,
        `${f0(n(s)?.latencyMs.p50)} / ${f0(n(s)?.latencyMs.p95)} / ${f0(n(s)?.latencyMs.p99)}`,
        `${f0(n(s)?.spreadMs.p50)} / ${f0(n(s)?.spreadMs.p99)}`,
        String(n(s)?.tracked ?? '–'),
        String(n(s)?.missing ?? '–'),
        String(n(s)?.peers ?? '–'),
        f0(n(s)?.boundS),
      ]),
    ),
    '',
    ...measuredSteps.flatMap((s) => (n(s)?.streamErrors?.length ? [`- block streams in ${s.label}: ${(n(s)?.streamErrors ?? []).join('; ')}`, ''] : [])),
  ];
}

function allowAccessSection(a: NonNullable<BenchResults['allowAccess']>, threads: number | undefined): string[] {
  const out: string[] = [];
  const at100 = a.steps.find((s) => s.targetRate === 100);
  const rated = [...a.steps, ...a.search];
  const noFailures = Math.max(0, ...rated.filter(withoutFailures).map((s) => s.targetRate ?? 0));
  const sustainedRate = Math.max(0, ...rated.filter((s) => withoutFailures(s) && s.latencyMs.p99 <= P99_SUSTAINED_MS).map((s) => s.targetRate ?? 0));
  const lowest = a.steps[0];
  out.push('## 1. AllowAccess (patient signature verified in chaincode, endorsement by ≥ 2 organisations, mutual TLS)', '');
  out.push(
    `Path: ${a.path}. Endorsement policy: \`${a.endorsementPolicy}\`; the grant key also carries a key-level policy (a peer of the source's organisation). Statements pre-signed (${f0(a.signingRatePerS)}/s signing rate), one patient key per study.`,
    '',
  );
  out.push(table(STEP_HEAD, [stepRow(a.warmup), ...a.steps.map(stepRow), stepRow(a.fixedLoad), ...a.search.map(stepRow)]), '');
  const fails = [...a.steps, a.fixedLoad, ...a.search].filter((s) => s.errors.length);
  for (const s of fails) out.push(`- failures in ${s.label}: ${s.errors.join('; ')}`);
  const backlogs = [...a.steps, ...a.search].filter((s) => s.backlog !== undefined);
  for (const s of backlogs) {
    out.push(
      `- ${s.label} left ${String(s.backlog?.unanswered)} transactions unanswered at its drain bound; the next step waited ${(s.backlog?.settledS ?? 0).toFixed(0)} s for them`,
    );
  }
  if (fails.length || backlogs.length) out.push('');
  out.push(
    table(
      ['figure', 'measured', 'goal', 'reference'],
      [
        [
          'highest fixed rate with 0 failures (≥ 95 % of offered committed, any latency)',
          `${f0(noFailures)} tx/s`,
          `≥ 200 tx/s: ${verdict(noFailures >= 200)}`,
          References.fabricNode,
        ],
        [
          `maximum sustained rate (0 failures and p99 ≤ ${f0(P99_SUSTAINED_MS / 1000)} s: the backlog does not grow)`,
          `${f0(sustainedRate)} tx/s`,
          `≥ 200 tx/s: ${verdict(sustainedRate >= 200)}`,
          References.fabricNode,
        ],
        ['capacity at fixed load', `${f1(a.fixedLoad.throughput)} tx/s`, '', References.fabricNode],
        [
          `capacity per hardware thread (${threads === undefined ? '–' : String(threads)} threads)`,
          `${f1(threads ? a.fixedLoad.throughput / threads : undefined)} tx/s`,
          '',
          References.caliperPerThread,
        ],
        ['maximum sustained rate per hardware thread', `${f1(threads ? sustainedRate / threads : undefined)} tx/s`, '', References.caliperPerThread],
        [
          'p50 at 100 tx/s',
          `${f0(at100?.latencyMs.p50)} ms`,
          `≤ 250 ms: ${verdict((at100?.latencyMs.p50 ?? Infinity) <= 250)}`,
          `${References.fabricDefault}; ${References.ethereum}`,
        ],
        ['p99 at 100 tx/s', `${f0(at100?.latencyMs.p99)} ms`, `≤ 800 ms: ${verdict((at100?.latencyMs.p99 ?? Infinity) <= 800)}`, References.fabricDefault],
        [`latency at ${f0(lowest?.targetRate)} tx/s (p50)`, `${f0(lowest?.latencyMs.p50)} ms`, '', `${References.ethereum}; ${References.fabricDefault}`],
      ],
    ),
    '',
  );
  out.push(...latencyTwoWays([...a.steps, a.fixedLoad, ...a.search]));
  out.push('CPU and RSS per process group:', '', processTable([...a.steps, a.fixedLoad, ...a.search]), '');
  out.push(
    'CPU cost per committed transaction (ms of one core; robust to other load on the machine):',
    '',
    costTable([...a.steps, a.fixedLoad, ...a.search]),
    '',
  );
  out.push('Latency chart: `allow-access-latency.svg`.', '');
  return out;
}

function checkAccessSection(c: NonNullable<BenchResults['checkAccess']>): string[] {
  const out: string[] = [];
  const best = [...c.steps].filter((s) => s.failed === 0).sort((x, y) => y.throughput - x.throughput)[0];
  const at1000 = c.steps.find((s) => s.targetRate === 1000);
  out.push('## 2. CheckAccess (evaluate)', '', `Path: ${c.path}.`, '');
  out.push(table(STEP_HEAD, c.steps.map(stepRow)), '');
  out.push(
    table(
      ['figure', 'measured', 'goal', 'reference'],
      [
        [
          'highest evaluate rate with 0 failures',
          `${f0(best?.throughput)} /s`,
          `≥ 1,000/s: ${verdict((best?.throughput ?? 0) >= 950)}`,
          'Ethereum prototype: access checks are contract calls (no figure published)',
        ],
        ['p50 at 1,000/s', `${f1(at1000?.latencyMs.p50)} ms`, `≤ 10 ms: ${verdict((at1000?.latencyMs.p50 ?? Infinity) <= 10)}`, ''],
        [
          "image source's grant decision p50 / p99",
          `${f2(c.grantDecision.latencyMs.p50)} / ${f2(c.grantDecision.latencyMs.p99)} ms (${String(c.grantDecision.latencyMs.count)} decisions, ${f0(c.grantDecision.allowedShare * 100)} % allowed)`,
          `p99 ≤ 2 ms: ${verdict(c.grantDecision.latencyMs.p99 <= 2)}`,
          c.grantDecision.path,
        ],
        ...(c.grantDecisionPeer === undefined
          ? []
          : [
              [
                'the same at its own peer (no view)',
                `${f2(c.grantDecisionPeer.latencyMs.p50)} / ${f2(c.grantDecisionPeer.latencyMs.p99)} ms (${String(c.grantDecisionPeer.latencyMs.count)} decisions; view ≠ peer: ${String(c.viewDisagreements ?? 0)})`,
                '',
                c.grantDecisionPeer.path,
              ],
            ]),
      ],
    ),
    '',
  );
  out.push('CPU and RSS per process group:', '', processTable(c.steps), '');
  return out;
}

function retrievalSection(t: NonNullable<BenchResults['retrieval']>): string[] {
  const out: string[] = [];
  out.push(`## 3. Retrieval of a ${f1(t.studyBytes / 1e6)} MB study (${String(t.instances)} instances), alternating in one run`, '');
  out.push(
    table(
      ['round', 'way', 'MB', 's', 'MB/s', 'CPU image source ms', 'CPU Orthanc ms'],
      // Runs recorded before the CPU columns existed have none.
      t.runs.map((x, i) => [
        String(Math.floor(i / 3) + 1),
        x.way,
        f1(x.bytes / 1e6),
        f2(x.seconds),
        f1(x.mbPerS),
        (x.imageSourceCpuMs as number | undefined) === undefined ? '–' : f0(x.imageSourceCpuMs),
        (x.orthancCpuMs as number | undefined) === undefined ? '–' : f0(x.orthancCpuMs),
      ]),
    ),
    '',
  );
  out.push(
    table(
      ['figure', 'measured', 'goal', 'reference'],
      [
        [
          'WADO-RS via image source / direct Orthanc DICOMweb (median MB/s)',
          `${f2(t.ratioWado)} (${f1(t.medianMbPerS['image source WADO-RS'])} / ${f1(t.medianMbPerS['direct DICOMweb (Orthanc)'])})`,
          `≥ 0.9: ${verdict(retrievalMet(t.ratioWado, t.ratioWadoFastest))}`,
          References.pcimImages,
        ],
        ...(t.fastestMbPerS === undefined
          ? []
          : [
              [
                'WADO-RS / direct, fastest run of each (MB/s)',
                `${f2(t.ratioWadoFastest ?? 0)} (${f1(t.fastestMbPerS['image source WADO-RS'])} / ${f1(t.fastestMbPerS['direct DICOMweb (Orthanc)'])})`,
                'the goal holds only if median and fastest both do',
                '',
              ],
              ['ITI-43 / direct, fastest run of each (MB/s)', `${f2(t.ratioIti43Fastest ?? 0)} (${f1(t.fastestMbPerS['image source ITI-43'])} MB/s)`, '', ''],
            ]),
        ['time to retrieve the study via WADO-RS (median)', `${f2(t.studyBytes / 1e6 / t.medianMbPerS['image source WADO-RS'])} s`, '', References.pcimImages],
        [
          'ITI-43 via image source / direct',
          `${f2(t.ratioIti43)} (${f1(t.medianMbPerS['image source ITI-43'])} MB/s)`,
          `≥ 0.9: ${verdict(retrievalMet(t.ratioIti43, t.ratioIti43Fastest))}`,
          '',
        ],
        ...((t.medianCpuMs as RetrievalResult['medianCpuMs'] | undefined) === undefined
          ? []
          : (['direct DICOMweb (Orthanc)', 'image source WADO-RS', 'image source ITI-43'] as const).map((w) => [
              `CPU per retrieval, ${w} (median): image source / Orthanc`,
              `${f0(t.medianCpuMs[w].imageSource)} / ${f0(t.medianCpuMs[w].orthanc)} ms`,
              '',
              '',
            ])),
        [
          'image source peak RSS while streaming',
          `${f0(t.imageSourcePeakRssMb)} MB (idle ${f0(t.imageSourceIdleRssMb)} MB)`,
          `≤ 200 MB: ${verdict(t.imageSourcePeakRssMb <= 200)}`,
          '',
        ],
        [
          'revocation stops release from the revoke block',
          t.revocation.refusedAfterRevokeBlock && t.revocation.allowedBefore ? 'yes' : 'NO',
          'yes',
          t.revocation.detail,
        ],
      ],
    ),
    '',
  );
  if (t.encryption) out.push(...encryptionTable(t.encryption));
  return out;
}

function encryptionTable(e: NonNullable<RetrievalResult['encryption']>): string[] {
  return [
    'End-to-end encryption (whole `isl retrieve`, files written and checked; encrypted includes encryption at the source and decryption and verification at the recipient):',
    '',
    table(
      ['round', 'way', 'MB', 's', 'MB/s'],
      e.runs.map((x, i) => [String(Math.floor(i / 4) + 1), x.way, f1(x.bytes / 1e6), f2(x.seconds), f1(x.mbPerS)]),
    ),
    '',
    table(
      ['figure', 'measured', 'goal'],
      [
        [
          'encrypted / plaintext, WADO-RS (median MB/s)',
          `${f2(e.ratioWado)} (${f1(e.medianMbPerS['isl retrieve WADO-RS encrypted'])} / ${f1(e.medianMbPerS['isl retrieve WADO-RS'])})`,
          `≥ 0.8: ${verdict(e.ratioWado >= 0.8)}`,
        ],
        [
          'encrypted / plaintext, ITI-43 (median MB/s)',
          `${f2(e.ratioIti43)} (${f1(e.medianMbPerS['isl retrieve ITI-43 encrypted'])} / ${f1(e.medianMbPerS['isl retrieve ITI-43'])})`,
          `≥ 0.8: ${verdict(e.ratioIti43 >= 0.8)}`,
        ],
      ],
    ),
    '',
  ];
}

function publishingSection(p: NonNullable<BenchResults['publishing']>): string[] {
  const out: string[] = [];
  out.push(`## 3b. Publishing a ${f1(p.studyBytes / 1e6)} MB study (${String(p.instances)} instances) over the gateway's REST API`, '');
  out.push(
    table(
      ['round', 'MB', 'REST upload s (MB/s)', 'direct Orthanc store s (MB/s)', 'consent → committed ms'],
      p.runs.map((x, i) => [
        String(i + 1),
        f1(x.bytes / 1e6),
        `${f2(x.uploadSeconds)} (${f1(x.bytes / 1e6 / x.uploadSeconds)})`,
        `${f2(x.directSeconds)} (${f1(x.bytes / 1e6 / x.directSeconds)})`,
        f0(x.consentMs),
      ]),
    ),
    '',
  );
  out.push(
    table(
      ['figure', 'measured', 'goal', 'reference'],
      [
        [
          'REST upload (spool, check, store in PACS) / direct store into Orthanc (median MB/s)',
          `${f2(p.ratio)} (${f1(p.medianUploadMbPerS)} / ${f1(p.medianDirectMbPerS)})`,
          '',
          References.pcimImages,
        ],
        ['consent posted → DefineStudy committed (median)', `${f0(p.medianConsentMs)} ms`, '', References.ethereum],
        ['gateway peak RSS while a study streams in', `${f0(p.gatewayPeakRssMb)} MB (idle ${f0(p.gatewayIdleRssMb)} MB)`, 'bounded: not the study size', ''],
      ],
    ),
    '',
  );
  return out;
}

function operationsSection(o: NonNullable<BenchResults['operations']>, a: BenchResults['allowAccess']): string[] {
  const out: string[] = [];
  const total = o.idle['consortium total'];
  const peakLoaded = Math.max(0, ...[...(a?.steps ?? []), ...(a ? [a.fixedLoad] : [])].map((s) => s.processes['consortium total']?.rssPeakMb ?? 0));
  out.push('## 4. Operations', '');
  out.push(
    table(
      ['figure', 'measured', 'goal', 'reference'],
      [
        [
          'cold start (new crypto, channel, chaincode, all processes)',
          o.coldStart ? `${f1(o.coldStart.seconds)} s wall (network reported ${f1(o.coldStart.reportedS)} s)${o.coldStart.ok ? '' : ' FAILED'}` : 'not run',
          '',
          '',
        ],
        [
          'warm restart: npm stop + npm start',
          o.warmStop && o.warmStart
            ? `${f1(o.warmStop.seconds)} s + ${f1(o.warmStart.seconds)} s (network reported ${f1(o.warmStart.reportedS)} s)${o.warmStart.ok ? '' : ' FAILED'}`
            : 'not run',
          '',
          '',
        ],
        ['total RSS of the running consortium, idle', `${f0(total?.rssPeakMb)} MB`, `≤ 3 GiB: ${verdict((total?.rssPeakMb ?? Infinity) <= 3072)}`, ''],
        ['total RSS, peak under AllowAccess load', peakLoaded ? `${f0(peakLoaded)} MB` : '–', `≤ 3 GiB: ${verdict(peakLoaded <= 3072)}`, ''],
      ],
    ),
    '',
  );
  out.push('Idle, per process group:', '', processTable([{ label: 'idle', processes: o.idle }]), '');
  return out;
}

/** The AllowAccess lines of the console summary: REST-answer latency, and on every peer where measured. */
function allowAccessConsole(a: NonNullable<BenchResults['allowAccess']>, threads: number | undefined): string[] {
  const lines = ['AllowAccess                        offered  ok %    tx/s   p50   p95   p99 (ms) | every peer p50   p95   p99 missing'];
  for (const s of [...a.steps, a.fixedLoad, ...a.search]) {
    const n = s.networkCommit;
    lines.push(
      `  ${s.label.padEnd(32)} ${(s.targetRate !== undefined ? f0(s.targetRate) : '-').padStart(7)} ${f2(s.successPercent).padStart(6)} ${f1(s.throughput).padStart(7)} ${f0(s.latencyMs.p50).padStart(5)} ${f0(s.latencyMs.p95).padStart(5)} ${f0(s.latencyMs.p99).padStart(5)}      | ${' '.repeat(10)}${f0(n?.latencyMs.p50).padStart(5)} ${f0(n?.latencyMs.p95).padStart(5)} ${f0(n?.latencyMs.p99).padStart(5)} ${(n ? String(n.missing) : '–').padStart(7)}`,
    );
  }
  lines.push(`  max sustained ${f0(a.maxSustainedRate)} tx/s (0 failures, p99 ≤ ${f0(P99_SUSTAINED_MS / 1000)} s; goal ≥ 200; ${References.fabricNode})`);
  if (threads)
    lines.push(
      `  per hardware thread (${String(threads)}): capacity ${f1(a.fixedLoad.throughput / threads)} tx/s, max sustained ${f1(a.maxSustainedRate / threads)} tx/s (${References.caliperPerThread})`,
    );
  return lines;
}

/** The console table: one line per figure, then the comparison with an earlier run. */
export function consoleSummary(r: BenchResults, earlier?: EarlierRun): string {
  const lines: string[] = [];
  const a = r.allowAccess;
  if (a) lines.push(...allowAccessConsole(a, hardwareThreads(r)));
  const c = r.checkAccess;
  if (c) {
    for (const s of c.steps)
      lines.push(
        `CheckAccess ${f0(s.targetRate)}/s: ${f1(s.throughput)}/s ok ${f2(s.successPercent)} % p50 ${f1(s.latencyMs.p50)} ms p99 ${f1(s.latencyMs.p99)} ms (goal ≥ 1,000/s, p50 ≤ 10 ms)`,
      );
    lines.push(
      `grant decision (view) p50 ${f2(c.grantDecision.latencyMs.p50)} ms p99 ${f2(c.grantDecision.latencyMs.p99)} ms (goal p99 ≤ 2 ms)${c.grantDecisionPeer ? `; at the peer p50 ${f2(c.grantDecisionPeer.latencyMs.p50)} ms p99 ${f2(c.grantDecisionPeer.latencyMs.p99)} ms` : ''}`,
    );
  }
  const t = r.retrieval;
  if (t)
    lines.push(
      `retrieval ${f1(t.studyBytes / 1e6)} MB: WADO-RS ${f2(t.ratioWado)}×, ITI-43 ${f2(t.ratioIti43)}× of direct ${f1(t.medianMbPerS['direct DICOMweb (Orthanc)'])} MB/s (medians; fastest runs ${t.ratioWadoFastest === undefined ? '–' : f2(t.ratioWadoFastest)}× and ${t.ratioIti43Fastest === undefined ? '–' : f2(t.ratioIti43Fastest)}×; goal ≥ 0.9); image source peak RSS ${f0(t.imageSourcePeakRssMb)} MB (goal ≤ 200); revocation enforced: ${String(t.revocation.refusedAfterRevokeBlock)}`,
    );
  if (t?.encryption)
    lines.push(
      `end-to-end encrypted isl retrieve / plaintext isl retrieve: WADO-RS ${f2(t.encryption.ratioWado)}×, ITI-43 ${f2(t.encryption.ratioIti43)}× (goal ≥ 0.8)`,
    );
  const p = r.publishing;
  if (p)
    lines.push(
      `publishing ${f1(p.studyBytes / 1e6)} MB over REST: ${f1(p.medianUploadMbPerS)} MB/s (${f2(p.ratio)}× of direct Orthanc store ${f1(p.medianDirectMbPerS)} MB/s), consent → committed ${f0(p.medianConsentMs)} ms, gateway peak RSS ${f0(p.gatewayPeakRssMb)} MB`,
    );
  const o = r.operations;
  if (o)
    lines.push(
      `operations: cold start ${f1(o.coldStart?.seconds)} s, warm restart ${f1(o.warmStop?.seconds)} + ${f1(o.warmStart?.seconds)} s, idle RSS ${f0(o.idle['consortium total']?.rssPeakMb)} MB (goal ≤ 3072)`,
    );
  if (r.growth) lines.push(...growthSummary(r.growth));
  for (const [section, message] of Object.entries(r.errors)) lines.push(`${section} FAILED: ${message}`);
  if (earlier) lines.push('', comparisonConsole(r, earlier));
  return lines.join('\n');
}

/** Latency (p50/p95/p99) against offered rate, and each step's latencies over time: a plain SVG. */
export function latencySvg(steps: readonly MeasuredStep[]): string {
  const W = 900;
  const H = 380;
  const pad = { l: 60, r: 20, t: 30, b: 40 };
  const rated = steps.filter((s) => s.targetRate !== undefined).sort((x, y) => (x.targetRate ?? 0) - (y.targetRate ?? 0));
  const maxX = Math.max(1, ...rated.map((s) => s.targetRate ?? 0)) * 1.05;
  const maxY = Math.max(1, ...rated.map((s) => s.latencyMs.p99).filter(Number.isFinite)) * 1.1;
  const x = (v: number): number => pad.l + (v / maxX) * (W - pad.l - pad.r);
  const y = (v: number): number => H - pad.b - (Math.min(v, maxY) / maxY) * (H - pad.t - pad.b);
  const line = (pick: (s: MeasuredStep) => number, colour: string, name: string, i: number): string =>
    `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${rated.map((s) => `${x(s.targetRate ?? 0).toFixed(1)},${y(pick(s)).toFixed(1)}`).join(' ')}"/>` +
    rated.map((s) => `<circle cx="${x(s.targetRate ?? 0).toFixed(1)}" cy="${y(pick(s)).toFixed(1)}" r="3" fill="${colour}"/>`).join('') +
    `<text x="${String(W - 140)}" y="${String(pad.t + 16 * i)}" fill="${colour}" font-size="12">${name}</text>`;
  const ticksX = rated
    .map((s) => `<text x="${x(s.targetRate ?? 0).toFixed(1)}" y="${String(H - pad.b + 16)}" font-size="11" text-anchor="middle">${f0(s.targetRate)}</text>`)
    .join('');
  const ticksY = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (k) =>
        `<text x="${String(pad.l - 6)}" y="${(y(maxY * k) + 4).toFixed(1)}" font-size="11" text-anchor="end">${f0(maxY * k)}</text><line x1="${String(pad.l)}" x2="${String(W - pad.r)}" y1="${y(maxY * k).toFixed(1)}" y2="${y(maxY * k).toFixed(1)}" stroke="#ddd"/>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${String(W)}" height="${String(H)}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${String(pad.l)}" y="18" font-size="14">AllowAccess latency (submit → commit status) by offered rate</text>
${ticksY}${ticksX}
<line x1="${String(pad.l)}" y1="${String(H - pad.b)}" x2="${String(W - pad.r)}" y2="${String(H - pad.b)}" stroke="black"/>
<line x1="${String(pad.l)}" y1="${String(pad.t)}" x2="${String(pad.l)}" y2="${String(H - pad.b)}" stroke="black"/>
<text x="${String(W / 2)}" y="${String(H - 6)}" font-size="12" text-anchor="middle">offered rate (tx/s)</text>
<text x="14" y="${String(H / 2)}" font-size="12" transform="rotate(-90 14 ${String(H / 2)})" text-anchor="middle">latency (ms)</text>
${line((s) => s.latencyMs.p50, '#1f77b4', 'p50', 0)}${line((s) => s.latencyMs.p95, '#ff7f0e', 'p95', 1)}${line((s) => s.latencyMs.p99, '#d62728', 'p99', 2)}
</svg>
`;
}
