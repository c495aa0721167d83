import type { AuditReport } from './audit-report';

/** The audit as tables for people (`--json` gives the report itself). */
export function formatAudit(report: AuditReport): string {
  const lines = [
    `Audit of ${report.chaincode} on ${report.channel}, blocks ${String(report.fromBlock)}–${String(report.toBlock - 1)}: ${String(report.transactions)} transactions, ${String(report.invalidTransactions)} invalidated`,
    '',
    'organisation      stake  endorsed  endorsed-invalid  submitted  cut-as-leader',
  ];
  for (const o of report.organisations) {
    const codes = Object.entries(o.endorsedInvalidByCode)
      .map(([c, n]) => `${c}=${String(n)}`)
      .join(' ');
    lines.push(
      `${o.mspId.padEnd(17)} ${String(o.stake).padStart(5)}  ${String(o.endorsements).padStart(8)}  ${String(o.endorsedInvalid).padStart(16)}  ${String(o.submitted).padStart(9)}  ${(o.blocksCutAsLeader === null ? 'n/a' : String(o.blocksCutAsLeader)).padStart(13)}${codes ? `  (${codes})` : ''}`,
    );
  }
  if (report.ordering.length > 0) {
    lines.push('', 'orderers (their own metrics, since each last started)');
    for (const a of report.ordering) {
      lines.push(
        a.reachable
          ? `  ${a.orderer.padEnd(20)} ${a.isLeader === true ? 'leader  ' : 'follower'}  blocks cut as leader ${String(a.blocksCutAsLeader)}, leader changes ${String(a.leaderChanges)}, failed proposals ${String(a.proposalFailures)}`
          : `  ${a.orderer.padEnd(20)} unreachable`,
      );
    }
  }
  lines.push('', 'epochs (chaincode definition commits)');
  if (report.epochs.length === 0) {
    lines.push('  none in these blocks');
  }
  for (const e of report.epochs) {
    lines.push(
      `  block ${String(e.block)} by ${e.committedBy}: ${e.sequence === null ? 'no epoch record' : `sequence ${String(e.sequence)}, ${e.policy ?? ''}`}`,
    );
    if (e.stakes) {
      lines.push(
        `    stakes ${Object.entries(e.stakes)
          .map(([m, n]) => `${m}=${String(n)}`)
          .join(', ')}`,
      );
    }
    for (const f of e.findings) {
      lines.push(`    finding: ${f}`);
    }
  }
  return lines.join('\n');
}
