import { setTimeout as pause } from 'node:timers/promises';
import type { JWK } from 'jose';
import { audienceFor, createStatement, generateStatementKey, newStudyReference, thumbprint } from '@isl/chaincode';
import { connectGateway, type GatewayConnection, organisationOf } from '@isl/network';
import { GatewayClient } from '../client/gateway-client';
import { judge, type LedgerVerdict } from './ledger-verdict';
import { PeerChain } from './peer-chain';
import { recoveryOf, type Recovery } from './recovery';
import type { FaultContext, Scenario } from './scenarios';
import { runStatementLoad, type LoadStatement, type LoadTarget } from './statement-load';

/** A study the harness grants access to: defined at one organisation's source, with its patient's key. */
interface HarnessStudy {
  readonly source: string;
  readonly study: string;
  readonly patient: JWK;
}

export interface ScenarioResult {
  readonly id: number;
  readonly name: string;
  readonly detail: string;
  readonly rate: number;
  readonly durationMs: number;
  readonly holdMs: number;
  /** The load stopped at the fault (power loss): recovery is the restart, not a throughput. */
  readonly stopsLoad: boolean;
  /** When the fault happened and when it was healed, from the load's start (ms). */
  readonly faultAtMs: number;
  readonly healedAtMs: number;
  readonly verdict: LedgerVerdict;
  readonly recovery: Recovery;
  /** Writes sent in this window (ms from the load's start) must have been refused at once: [from, to). */
  readonly refusalWindowMs?: readonly [number, number];
  /** Every statement: sent (ms from the load's start), answered after (ms), what it was told. */
  readonly statements: readonly {
    readonly sentAtMs: number;
    readonly latencyMs: number;
    readonly kind: string;
    readonly code?: string;
    readonly detail?: string;
  }[];
}

export interface HarnessOptions {
  /** Offered statements per second (over all gateways). */
  readonly rate: number;
  /** Load before the fault, and after the heal (ms). */
  readonly beforeMs: number;
  readonly afterMs: number;
  /** Per request, the client's deadline (ms). */
  readonly requestTimeoutMs?: number;
}

/**
 * The fault harness: a steady load of unique AllowAccess statements over
 * every gateway while one fault happens, then the statement-by-statement
 * proof (ledger-verdict.ts) and the recovery times. One per consortium;
 * `close()` ends its connections to the peers.
 */
export class FaultHarness {
  readonly #ctx: FaultContext;
  readonly #o: HarnessOptions;
  readonly #targets: LoadTarget[];
  readonly #connections: GatewayConnection[] = [];
  readonly #chains: PeerChain[];
  readonly #audience: string;
  #studies: HarnessStudy[] = [];

  constructor(ctx: FaultContext, options: HarnessOptions) {
    this.#ctx = ctx;
    this.#o = options;
    const { topology } = ctx.consortium;
    this.#audience = audienceFor(topology.channel, topology.chaincode.name);
    this.#targets = topology.organisations.map((org) => ({
      name: org.name,
      url: ctx.services.gatewayUrl(org),
      token: ctx.services.memberToken(org),
    }));
    const profile = ctx.consortium.connectionProfile();
    // Every peer of the channel, each read through a connection to it alone.
    this.#chains = topology.organisations.flatMap((org) =>
      org.peers.map((p, peerIndex) => {
        const conn = connectGateway({ org: organisationOf(profile, org.mspId), peerIndex });
        this.#connections.push(conn);
        return new PeerChain(p.name, conn.gateway.getNetwork(topology.channel));
      }),
    );
  }

  /** Defines one source and one study per organisation, each relayed by its own gateway with its member token. */
  async setUp(): Promise<void> {
    this.#studies = await Promise.all(
      this.#targets.map(async (t, i) => {
        const rest = new GatewayClient({ baseUrl: t.url, token: t.token, timeoutMs: 60_000 });
        const { privateJwk: sourceKey } = await generateStatementKey('ES256');
        const url = `https://source${String(i + 1)}.harness.example/isl`;
        await rest.relay(await createStatement('DefineSource', { url }, sourceKey, { audience: this.#audience }));
        const source = await thumbprint(sourceKey);
        const { privateJwk: patient } = await generateStatementKey('ES256');
        const study = newStudyReference();
        const consent = await createStatement('PatientConsent', { source, study }, patient, { audience: this.#audience });
        await rest.relay(await createStatement('DefineStudy', { study, consent }, sourceKey, { audience: this.#audience }));
        return { source, study, patient };
      }),
    );
  }

  /** A fresh AllowAccess (a new recipient key id) on the studies in turn, signed now. */
  async #statement(index: number): Promise<LoadStatement> {
    const s = this.#studies[index % this.#studies.length];
    if (!s) throw new Error('set the harness up first');
    const recipient = newStudyReference();
    const until = Math.floor(Date.now() / 1000) + 30 * 86_400;
    const fields = { source: s.source, study: s.study, recipient, until, purpose: 'TREAT' as const };
    return { statement: await createStatement('AllowAccess', fields, s.patient, { audience: this.#audience }), source: s.source, study: s.study, recipient };
  }

  /** Runs one scenario: load, fault at `beforeMs`, heal after its hold, load until `afterMs` past the heal, then the proof. */
  async run(scenario: Scenario): Promise<ScenarioResult> {
    const durationMs = this.#o.beforeMs + scenario.holdMs + this.#o.afterMs;
    const stop = new AbortController();
    const started = Date.now();
    const load = runStatementLoad({
      targets: this.#targets,
      rate: this.#o.rate,
      durationMs,
      statement: (i) => this.#statement(i),
      requestTimeoutMs: this.#o.requestTimeoutMs ?? 90_000,
      signal: stop.signal,
    });
    // The schedule of the scenario (fault at a fixed point of the load), not a wait for a condition.
    await pause(this.#o.beforeMs);
    const faultAt = Date.now();
    const fault = await scenario.inject(this.#ctx);
    if (scenario.stopsLoad === true) stop.abort();
    await pause(Math.max(0, faultAt + scenario.holdMs - Date.now()));
    await fault.heal();
    const healedAt = Date.now();
    const sent = await load;
    const verdict = await judge(sent, { gateways: this.#targets, chains: this.#chains });
    return {
      id: scenario.id,
      name: scenario.name,
      detail: fault.detail,
      rate: this.#o.rate,
      durationMs,
      holdMs: scenario.holdMs,
      stopsLoad: scenario.stopsLoad === true,
      faultAtMs: faultAt - started,
      healedAtMs: healedAt - started,
      verdict,
      recovery: recoveryOf(sent, faultAt),
      ...(scenario.refusesWritesAfterMs === undefined
        ? {}
        : { refusalWindowMs: [faultAt - started + scenario.refusesWritesAfterMs, faultAt - started + scenario.holdMs] as const }),
      statements: sent.map((s) => ({
        sentAtMs: s.sentAt - started,
        latencyMs: s.answeredAt - s.sentAt,
        kind: s.answer.kind,
        ...(s.answer.code === undefined ? {} : { code: s.answer.code }),
        ...(s.answer.detail === undefined ? {} : { detail: s.answer.detail }),
      })),
    };
  }

  close(): void {
    for (const c of this.#connections) c.close();
  }
}
