import { address, type NetworkStatus, type Topology } from '@isl/network';
import type { OrganisationServices } from './service-directory';

export interface StartupSummaryInput {
  readonly topology: Topology;
  readonly status: NetworkStatus;
  readonly services: readonly OrganisationServices[];
  readonly elapsedMs: number;
  readonly nodeVersion: string;
  readonly connectionProfile: string;
  readonly memberTokens: string;
  readonly logs: string;
}

/** What npm start prints when the consortium is up: every organisation's endpoints, then where to look next. */
export function startupSummary(s: StartupSummaryInput): string {
  const { topology } = s;
  const out: string[] = [
    `\nThe consortium is up (${(s.elapsedMs / 1000).toFixed(1)} s): channel ${topology.channel}, chaincode ${topology.chaincode.name}, Node ${s.nodeVersion}.\n`,
  ];
  for (const org of topology.organisations) {
    const leader = s.status.orderers.find((o) => o.org === org.mspId)?.leader === true ? '  (Raft leader)' : '';
    const entry = s.services.find((d) => d.org === org.mspId);
    out.push(`${org.mspId} — ${org.description}`);
    if (entry) {
      out.push(`  web portal      ${entry.gateway.portal}   (patients, clinicians, auditors)`);
      out.push(`  gateway (REST)  ${entry.gateway.api}   docs ${entry.gateway.docs}`);
      const source = entry.imageSource;
      out.push(`  image source    ITI-43 POST ${source.iti43}   RAD-69 POST ${source.rad69}   WADO-RS GET ${source.wadoRs}   TLS CA ${source.tlsCaCert}`);
      out.push(
        `  Orthanc (PACS)  ${entry.orthanc.http}   DICOMweb ${entry.orthanc.dicomWeb}   DICOM ${entry.orthanc.dicom}   credentials ${entry.orthanc.credentials}`,
      );
    }
    out.push(`  CA              https://${address(org.ca.endpoint)}`);
    out.push(`  orderer         ${address(org.orderer.endpoint)}   admin ${address(org.orderer.admin)}${leader}`);
    for (const p of org.peers) {
      out.push(`  ${p.name.padEnd(15)} ${address(p.endpoint)}   operations http://${address(p.operations)}`);
    }
  }
  out.push('');
  out.push(`Connection profile: ${s.connectionProfile}`);
  out.push(`Member token of each gateway: ${s.memberTokens}`);
  out.push(`Logs: ${s.logs}`);
  out.push('Next: npm run --silent status | npx isl --help | npm stop | npm run reset');
  return `${out.join('\n')}\n`;
}
