import type { JWK } from 'jose';
import { createStatement, generateStatementKey, newStudyReference, thumbprint } from '@isl/chaincode';
import type { BenchNetwork, BenchOrg } from './network';

/** A study the benchmark defined at one organisation's source, with its patient's key. */
export interface BenchStudy {
  readonly org: BenchOrg;
  readonly source: string;
  readonly study: string;
  readonly patient: JWK;
  readonly patientId: string;
}

/**
 * Defines `perOrg` studies at every organisation's image source (a fresh
 * patient key per study, as the protocol recommends), relayed by the
 * source's own gateway. Only references and keys reach the ledger; no images.
 */
export async function defineStudies(net: BenchNetwork, perOrg: number): Promise<BenchStudy[]> {
  const jobs: Promise<BenchStudy>[] = [];
  for (const org of net.orgs) {
    for (let i = 0; i < perOrg; i++) jobs.push(defineStudy(net, org));
  }
  return Promise.all(jobs);
}

export async function defineStudy(net: BenchNetwork, org: BenchOrg, study = newStudyReference()): Promise<BenchStudy> {
  const { privateJwk: patient } = await generateStatementKey('ES256');
  const source = org.source.keyId;
  const consent = await createStatement('PatientConsent', { source, study }, patient, { audience: net.audience });
  const define = await createStatement('DefineStudy', { study, consent }, org.source.privateJwk, { audience: net.audience });
  await org.rest.relay(define);
  return { org, source, study, patient, patientId: await thumbprint(patient) };
}

/** A signed AllowAccess for a fresh recipient key id (valid for 300 s from now, lease 30 days). */
export async function allowAccessStatement(
  net: BenchNetwork,
  s: BenchStudy,
  recipient = newStudyReference(),
  leaseS = 30 * 86_400,
): Promise<{ statement: string; recipient: string }> {
  const until = Math.floor(Date.now() / 1000) + leaseS;
  const statement = await createStatement('AllowAccess', { source: s.source, study: s.study, recipient, until, purpose: 'TREAT' }, s.patient, {
    audience: net.audience,
  });
  return { statement, recipient };
}
