import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { JWK } from 'jose';
import type { BenchNetwork, BenchOrg } from '../network';
import { defineStudies } from '../fixtures';
import { GrantSigner } from './grant-signer';
import { recipientId, studyIndex } from './recipients';

/** A study the generator grants on, with its patient's key (bench data, kept in the git-ignored results folder). */
export interface GrowthStudy {
  readonly org: string;
  readonly source: string;
  readonly study: string;
  readonly patient: JWK;
}

/**
 * What the generator has loaded into this consortium's ledger, kept across runs
 * so sizes stay cumulative: the studies, the seed its recipients derive from,
 * the next statement index and how many grants were applied.
 */
export interface GrowthState {
  readonly audience: string;
  readonly seed: string;
  readonly studies: readonly GrowthStudy[];
  next: number;
  granted: number;
}

/** The state's studies with their signers, and where each grant goes. */
export class GrowthFixture {
  readonly state: GrowthState;
  readonly #file: string;
  readonly #signers: readonly GrantSigner[];

  private constructor(file: string, state: GrowthState, signers: readonly GrantSigner[]) {
    this.#file = file;
    this.state = state;
    this.#signers = signers;
  }

  /**
   * The fixture of `file` if it belongs to this consortium (same audience, its first study defined
   * on the ledger); otherwise `studiesPerOrg` new studies at every organisation's source.
   */
  static async open(net: BenchNetwork, file: string, studiesPerOrg: number, log: (m: string) => void): Promise<GrowthFixture> {
    const kept = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as GrowthState) : undefined;
    if (kept && kept.audience === net.audience && (await studyDefined(net, kept.studies[0]))) {
      log(`resuming the growth fixture: ${String(kept.granted)} grants already loaded on ${String(kept.studies.length)} studies`);
      return GrowthFixture.#make(file, kept, net.audience);
    }
    log(`defining ${String(studiesPerOrg)} studies per organisation for the growth load`);
    const studies = (await defineStudies(net, studiesPerOrg)).map((s) => ({ org: s.org.profile.mspId, source: s.source, study: s.study, patient: s.patient }));
    const state: GrowthState = { audience: net.audience, seed: randomBytes(8).toString('hex'), studies, next: 0, granted: 0 };
    const fixture = await GrowthFixture.#make(file, state, net.audience);
    fixture.save();
    return fixture;
  }

  static async #make(file: string, state: GrowthState, audience: string): Promise<GrowthFixture> {
    return new GrowthFixture(file, state, await Promise.all(state.studies.map((s) => GrantSigner.of(s.patient, audience))));
  }

  /** Grant number `index`: its study and recipient. */
  grant(index: number): { study: GrowthStudy; signer: GrantSigner; recipient: string } {
    const k = studyIndex(index, this.state.studies.length);
    const study = this.state.studies[k];
    const signer = this.#signers[k];
    if (!study || !signer) throw new Error(`no study ${String(k)}`);
    return { study, signer, recipient: recipientId(this.state.seed, index) };
  }

  /** Signs grant `index` (a lease of `leaseS` from now) to `recipient` (default: the index's own). */
  sign(index: number, leaseS: number, recipient?: string): string {
    const g = this.grant(index);
    const until = Math.floor(Date.now() / 1000) + leaseS;
    return g.signer.allowAccess({ source: g.study.source, study: g.study.study, recipient: recipient ?? g.recipient, until });
  }

  save(): void {
    writeFileSync(this.#file, JSON.stringify(this.state), { mode: 0o600 });
  }
}

async function studyDefined(net: BenchNetwork, s: GrowthStudy | undefined): Promise<boolean> {
  const org: BenchOrg | undefined = net.orgs.find((o) => o.profile.mspId === s?.org);
  if (!s || !org) return false;
  return org.rest.get(`/sources/${s.source}/studies/${s.study}`).then(
    () => true,
    () => false,
  );
}
