import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { reviewBreakGlass } from './breakglass/audit';
import { breakGlass, type BreakGlassRecord } from './breakglass/break-glass';
import { breakGlassConsent } from './breakglass/consent';
import { deactivateSource, defineSource, updateSourceUrl, type SourceRecord } from './source/source';
import { recordDisclosure, type DisclosureRecord } from './disclosure/disclosure';
import { LedgerError } from './errors';
import { checkAccess } from './grant/check';
import { allowAccess, revokeAccess, type GrantRecord } from './grant/grant';
import type { Outcome } from './ledger/changes';
import { Keys, RecordKey } from './ledger/keys';
import { toJson } from './ledger/marshal';
import { LedgerState } from './ledger/state';
import { Tx } from './ledger/tx';
import { denyAccess, requestAccess } from './request/request';
import { isAdmin, recordEpoch, type EpochRecord } from './stake/epoch';
import { getStakeActivity } from './stake/activity';
import { getStake } from './stake/stake';
import { Id32 } from './statement/claims';
import { rotateOwnerKey } from './study/rotate';
import { defineStudy, type StudyRecord } from './study/study';

/**
 * The image-sharing ledger. Transactions take compact JWS statements and return
 * the changed record as canonical JSON; queries return canonical JSON.
 * Rules live in the per-concept modules; this class only routes.
 */
@Info({ title: 'ImageSharingLedger', description: "Patel's image sharing blockchain: sources, studies, grants" })
export class LedgerContract extends Contract {
  constructor() {
    super('ImageSharingLedger');
  }

  @Transaction()
  @Returns('string')
  async DefineSource(ctx: Context, statement: string): Promise<string> {
    return submit(ctx, defineSource, statement);
  }

  @Transaction()
  @Returns('string')
  async UpdateSourceUrl(ctx: Context, statement: string): Promise<string> {
    return submit(ctx, updateSourceUrl, statement);
  }

  @Transaction()
  @Returns('string')
  async DeactivateSource(ctx: Context, statement: string): Promise<string> {
    return submit(ctx, deactivateSource, statement);
  }

  @Transaction()
  @Returns('string')
  async DefineStudy(ctx: Context, statement: string): Promise<string> {
    return submit(ctx, defineStudy, statement);
  }

  @Transaction()
  @Returns('string')
  async AllowAccess(ctx: Context, statement: string): Promise<string> {
    return submit(ctx, allowAccess, statement);
  }

  @Transaction()
  @Returns('string')
  async RevokeAccess(ctx: Context, statement: string): Promise<string> {
    return submit(ctx, revokeAccess, statement);
  }

  @Transaction()
  @Returns('string')
  async RequestAccess(ctx: Context, statement: string): Promise<string> {
    return submit(ctx, requestAccess, statement);
  }

  @Transaction()
  @Returns('string')
  async DenyAccess(ctx: Context, statement: string): Promise<string> {
    return submit(ctx, denyAccess, statement);
  }

  @Transaction()
  @Returns('string')
  async RotateOwnerKey(ctx: Context, statement: string): Promise<string> {
    return submit(ctx, rotateOwnerKey, statement);
  }

  @Transaction()
  @Returns('string')
  async RecordDisclosure(ctx: Context, statement: string): Promise<string> {
    return submit(ctx, recordDisclosure, statement);
  }

  /** An emergency lease without the patient's grant, submitted by the clinician's own hospital (docs/protocol.md §11). */
  @Transaction()
  @Returns('string')
  async BreakGlass(ctx: Context, statement: string): Promise<string> {
    return submit(ctx, breakGlass, statement);
  }

  /** The patient forbids or allows again break-glass access to a study. */
  @Transaction()
  @Returns('string')
  async BreakGlassConsent(ctx: Context, statement: string): Promise<string> {
    return submit(ctx, breakGlassConsent, statement);
  }

  /** `epoch`: JSON {sequence, block, compiled}; only an organisation admin may record one (docs/protocol.md). */
  @Transaction()
  @Returns('string')
  async RecordEpoch(ctx: Context, epoch: string): Promise<string> {
    const { record, changes } = await recordEpoch(new Tx(ctx), isAdmin(ctx), epoch);
    await changes.apply(ctx.stub);
    return toJson(record);
  }

  @Transaction(false)
  @Returns('string')
  async GetSource(ctx: Context, source: string): Promise<string> {
    return toJson(await found(new LedgerState(ctx.stub).get<SourceRecord>(Keys.source(id('source', source))), 'SOURCE_NOT_FOUND', `no source ${source}`));
  }

  @Transaction(false)
  @Returns('string')
  async ListSources(ctx: Context): Promise<string> {
    return toJson(await new LedgerState(ctx.stub).list<SourceRecord>('source', []));
  }

  @Transaction(false)
  @Returns('string')
  async GetStudy(ctx: Context, source: string, study: string): Promise<string> {
    const key = Keys.study(id('source', source), id('study', study));
    return toJson(await found(new LedgerState(ctx.stub).get<StudyRecord>(key), 'STUDY_NOT_FOUND', `no study ${study} at source ${source}`));
  }

  /** `at`: NumericDate seconds, or empty for the transaction timestamp. */
  @Transaction(false)
  @Returns('string')
  async CheckAccess(ctx: Context, source: string, study: string, recipient: string, at: string): Promise<string> {
    const tx = new Tx(ctx);
    if (typeof at !== 'string' || !/^(|0|[1-9][0-9]{0,11})$/.test(at)) {
      throw new LedgerError('ARGUMENT_INVALID', 'at must be empty or NumericDate seconds');
    }
    const atMs = at === '' ? tx.nowMs : Number(at) * 1000;
    return toJson(await checkAccess(tx.state, id('source', source), id('study', study), id('recipient', recipient), atMs));
  }

  @Transaction(false)
  @Returns('string')
  async ListGrants(ctx: Context, source: string, study: string): Promise<string> {
    return toJson(await new LedgerState(ctx.stub).list<GrantRecord>('grant', [id('source', source), id('study', study)]));
  }

  @Transaction(false)
  @Returns('string')
  async ListRequests(ctx: Context, source: string, study: string): Promise<string> {
    return toJson(await new LedgerState(ctx.stub).list('request', [id('source', source), id('study', study)]));
  }

  @Transaction(false)
  @Returns('string')
  async ListDisclosures(ctx: Context, source: string, study: string): Promise<string> {
    return toJson(await new LedgerState(ctx.stub).list<DisclosureRecord>('disclosure', [id('source', source), id('study', study)]));
  }

  /** A study's break-glass leases, active and ended (what its patient is shown). */
  @Transaction(false)
  @Returns('string')
  async ListBreakGlass(ctx: Context, source: string, study: string): Promise<string> {
    return toJson(await new LedgerState(ctx.stub).list<BreakGlassRecord>('breakglass', [id('source', source), id('study', study)]));
  }

  /** `since`: as GetStakeActivity. Every break-glass lease since then with what was released under it, for review. */
  @Transaction(false)
  @Returns('string')
  async AuditBreakGlass(ctx: Context, since: string): Promise<string> {
    return toJson(await reviewBreakGlass(new LedgerState(ctx.stub), sinceMs(since)));
  }

  /** `key`: a record id as shown in results and events, e.g. grant/<source>/<study>/<recipient>. */
  @Transaction(false)
  @Returns('string')
  async GetHistory(ctx: Context, key: string): Promise<string> {
    if (typeof key !== 'string') {
      throw new LedgerError('ARGUMENT_INVALID', 'key must be a record id');
    }
    const recordKey = RecordKey.parse(key);
    return toJson({ key: recordKey.id, history: await new LedgerState(ctx.stub).history(recordKey) });
  }

  /** `org`: an MSP ID, or empty for every organisation. */
  @Transaction(false)
  @Returns('string')
  async GetStake(ctx: Context, org: string): Promise<string> {
    if (typeof org !== 'string' || !/^[A-Za-z0-9_.-]{0,128}$/.test(org)) {
      throw new LedgerError('ARGUMENT_INVALID', 'org must be empty or an MSP ID');
    }
    return toJson(await getStake(new LedgerState(ctx.stub), org));
  }

  /**
   * `since`: ISO 8601 time (e.g. the last epoch's recordedAt), or empty for all time. Per organisation:
   * studies, studies defined since, and of those the ones granted or released (docs/stake-and-audit.md).
   */
  @Transaction(false)
  @Returns('string')
  async GetStakeActivity(ctx: Context, since: string): Promise<string> {
    return toJson(await getStakeActivity(new LedgerState(ctx.stub), sinceMs(since)));
  }

  /** Every recorded stake epoch, in sequence order. */
  @Transaction(false)
  @Returns('string')
  async ListEpochs(ctx: Context): Promise<string> {
    return toJson(await new LedgerState(ctx.stub).list<EpochRecord>('epoch', []));
  }

  /** `sequence`: a chaincode definition sequence that was recorded as an epoch. */
  @Transaction(false)
  @Returns('string')
  async GetEpoch(ctx: Context, sequence: string): Promise<string> {
    if (typeof sequence !== 'string' || !/^[1-9][0-9]{0,9}$/.test(sequence)) {
      throw new LedgerError('ARGUMENT_INVALID', 'sequence must be a positive integer');
    }
    return toJson(await found(new LedgerState(ctx.stub).get<EpochRecord>(Keys.epoch(Number(sequence))), 'EPOCH_NOT_FOUND', `no epoch at sequence ${sequence}`));
  }
}

async function submit<T>(ctx: Context, rule: (tx: Tx, statement: unknown) => Promise<Outcome<T>>, statement: string): Promise<string> {
  const { record, changes } = await rule(new Tx(ctx), statement);
  await changes.apply(ctx.stub);
  return toJson(record);
}

/** A `since` argument: empty for all time, or a time as records show it. */
function sinceMs(since: unknown): number {
  if (typeof since !== 'string' || (since !== '' && !isRecordTime(since))) {
    throw new LedgerError('ARGUMENT_INVALID', 'since must be empty or an ISO 8601 UTC time as records show it, like 2025-01-15T12:00:00.000Z');
  }
  return since === '' ? 0 : Date.parse(since);
}

/** A time as records carry it (Date.toISOString); the round trip refuses dates like 02-31 that Date.parse rolls over. */
function isRecordTime(value: string): boolean {
  return /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$/.test(value) && new Date(Date.parse(value)).toISOString() === value;
}

/** Validates a key thumbprint or study reference argument of a query. */
function id(name: string, value: unknown): string {
  const result = Id32.safeParse(value);
  if (!result.success) {
    throw new LedgerError('ARGUMENT_INVALID', `${name} must be 43-character base64url of 32 bytes`);
  }
  return result.data;
}

async function found<T>(
  value: Promise<T | undefined> | T | undefined,
  code: 'SOURCE_NOT_FOUND' | 'STUDY_NOT_FOUND' | 'EPOCH_NOT_FOUND',
  detail: string,
): Promise<T> {
  const resolved = await value;
  if (resolved === undefined) {
    throw new LedgerError(code, detail);
  }
  return resolved;
}
