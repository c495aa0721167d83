import type { ChaincodeStub } from 'fabric-shim-api';
import { LedgerError } from '../errors';

/** The kinds of record the ledger holds, with the attributes that key each. */
const ATTRIBUTES = {
  source: ['source'],
  study: ['source', 'study'],
  grant: ['source', 'study', 'recipient'],
  request: ['source', 'study', 'recipient'],
  disclosure: ['source', 'study', 'statement'],
  stake: ['org', 'source', 'study'],
  used: ['statement'],
  // One per BreakGlass statement, under the chaincode policy (see CHAINCODE_POLICY_KINDS).
  breakglass: ['source', 'study', 'recipient', 'statement'],
  // A hospital's count of break-glass leases in one UTC hour.
  breakglassrate: ['org', 'hour'],
  epoch: ['sequence'],
  // The singleton naming the last recorded epoch, so RecordEpoch needs no range read.
  epochhead: ['head'],
} as const;

export type RecordKind = keyof typeof ATTRIBUTES;

/**
 * Kinds never given a key-level endorsement policy, so the chaincode's (stake-weighted)
 * policy governs every write to them. Every other kind carries its source organisation's
 * key-level policy, which in Fabric *replaces* the chaincode policy for that key. So a
 * transaction is held to the chaincode policy only if it writes one of these kinds:
 * Changes.apply enforces that every write transaction does (docs/protocol.md §4).
 * Break-glass records and counters are among them on purpose: under a key-level policy of the
 * hospital (or the source) that organisation alone could endorse rewriting its own record of an
 * emergency access, or resetting its hourly count (docs/protocol.md §11.3).
 */
export const CHAINCODE_POLICY_KINDS: ReadonlySet<RecordKind> = new Set<RecordKind>(['used', 'epoch', 'epochhead', 'breakglass', 'breakglassrate']);

/**
 * A record's key. Its id ("grant/<source>/<study>/<recipient>") is what results
 * and events show and GetHistory takes; the state key is the Fabric composite key.
 */
export class RecordKey {
  readonly kind: RecordKind;
  readonly attributes: readonly string[];

  constructor(kind: RecordKind, attributes: readonly string[]) {
    if (attributes.length !== ATTRIBUTES[kind].length || attributes.some((a) => a === '' || a.includes('/') || a.includes('\u0000'))) {
      throw new Error(`bad ${kind} key attributes`);
    }
    this.kind = kind;
    this.attributes = attributes;
  }

  get id(): string {
    return [this.kind, ...this.attributes].join('/');
  }

  stateKey(stub: ChaincodeStub): string {
    return stub.createCompositeKey(this.kind, [...this.attributes]);
  }

  /** Parses a record id given by a client. */
  static parse(id: string): RecordKey {
    const [kind, ...attributes] = id.split('/');
    if (kind === undefined || !Object.hasOwn(ATTRIBUTES, kind) || id.length > 512) {
      throw new LedgerError('ARGUMENT_INVALID', `record id must be <kind>/<attributes...> with kind one of ${Object.keys(ATTRIBUTES).join(', ')}`);
    }
    const recordKind = kind as RecordKind;
    if (attributes.length !== ATTRIBUTES[recordKind].length || attributes.some((a) => !/^[A-Za-z0-9_.-]+$/.test(a))) {
      throw new LedgerError('ARGUMENT_INVALID', `${kind} id must be ${[kind, ...ATTRIBUTES[recordKind]].join('/')}`);
    }
    return new RecordKey(recordKind, attributes);
  }
}

export const Keys = {
  source: (source: string) => new RecordKey('source', [source]),
  study: (source: string, study: string) => new RecordKey('study', [source, study]),
  grant: (source: string, study: string, recipient: string) => new RecordKey('grant', [source, study, recipient]),
  request: (source: string, study: string, recipient: string) => new RecordKey('request', [source, study, recipient]),
  disclosure: (source: string, study: string, statement: string) => new RecordKey('disclosure', [source, study, statement]),
  stake: (org: string, source: string, study: string) => new RecordKey('stake', [org, source, study]),
  used: (statement: string) => new RecordKey('used', [statement]),
  breakGlass: (source: string, study: string, recipient: string, statement: string) => new RecordKey('breakglass', [source, study, recipient, statement]),
  /** hour: whole hours since the epoch, zero-padded so composite-key order is time order. */
  breakGlassRate: (org: string, hour: number) => new RecordKey('breakglassrate', [org, String(hour).padStart(8, '0')]),
  /** Zero-padded so composite-key order is sequence order. */
  epoch: (sequence: number) => new RecordKey('epoch', [String(sequence).padStart(10, '0')]),
  epochHead: () => new RecordKey('epochhead', ['latest']),
};
