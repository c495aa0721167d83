import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DenyReason, Purpose } from '@isl/chaincode';
import type { Wallet, SigningKey } from '../../wallet';
import type { WriteResult } from '../../client/gateway-client';
import { CliError, type CliContext } from '../context';
import type { RegisterCommand } from '.';
import { gateway, parseUntil, signStatement, withWallet } from '../session';

const CONSENT_LIFETIME_SECONDS = 3600;

interface Target {
  readonly source: string;
  readonly study: string;
}

/** The patient key the wallet used for this study (its consent), or a clear error. */
export async function patientKey(w: Wallet, study: string): Promise<{ key: SigningKey; context: string }> {
  const rec = w.labels.find((k) => k.role === 'patient' && k.purpose === 'study' && k.studyRef === study);
  if (!rec) {
    throw new CliError(`this wallet holds no patient key for study ${study} (see \`isl wallet show\`)`);
  }
  return { key: await w.deriveKey('patient', rec.context, rec.alg), context: rec.context };
}

/** The recipient's key for this study: the one used before, else a fresh one bound to it. */
export async function recipientKey(w: Wallet, study: string): Promise<SigningKey> {
  const rec = w.labels.find((k) => k.role === 'recipient' && k.purpose === 'study' && k.studyRef === study);
  if (rec) {
    return w.deriveKey('recipient', rec.context, rec.alg);
  }
  const context = await w.newStudyContext('recipient');
  const key = await w.deriveKey('recipient', context);
  await w.bindStudy('recipient', context, study);
  return key;
}

/** Relays the statement unless --sign-only, and prints the outcome. */
export async function finish(ctx: CliContext, statement: string, signOnly: boolean, extra: Record<string, unknown> = {}): Promise<void> {
  if (signOnly) {
    ctx.print({ statement, ...extra }, () => statement);
    return;
  }
  const result: WriteResult = await gateway(ctx).relay(statement);
  ctx.print({ ...result, ...extra }, () =>
    result.alreadyApplied
      ? `Already on the ledger (transaction ${result.transactionId}).`
      : `Committed in block ${result.blockNumber ?? '?'}, transaction ${result.transactionId}.`,
  );
}

function purpose(value: string): Purpose {
  const parsed = Purpose.safeParse(value);
  if (!parsed.success) {
    throw new CliError(`--purpose must be one of ${Purpose.options.join(', ')}`, 2);
  }
  return parsed.data;
}

export const withTarget = (cmd: Command): Command =>
  cmd
    .requiredOption('--source <keyId>', "the image source's key id")
    .requiredOption('--study <ref>', 'the study reference')
    .option('--sign-only', 'print the signed statement instead of submitting it', false);

/** Statement verbs: consent, allow, revoke, request, deny, rotate, submit. */
export const registerStatements: RegisterCommand = (program, context) => {
  registerConsent(program, context);
  registerPatientAccessVerbs(program, context);
  registerRecipientVerbs(program, context);
  program
    .command('submit <statement>')
    .description('relay a signed statement (a compact JWS, or - to read it from stdin) through the gateway')
    .action(async (arg: string) => {
      const ctx = context();
      const statement = (arg === '-' ? readFileSync(0, 'utf8') : arg).trim();
      await finish(ctx, statement, false);
    });
};

const registerConsent: RegisterCommand = (program, context) => {
  program
    .command('consent')
    .description('as a patient, consent to a study: signs with a fresh key for it (and its recovery key); give the output to the hospital within the hour')
    .requiredOption('--source <keyId>', "the image source's key id")
    .requiredOption('--study <ref>', 'the study reference the hospital gave you')
    .option('--no-recovery', 'do not name a recovery key')
    .option('--no-break-glass', 'forbid break-glass (emergency) access to this study; change it later with isl break-glass-consent')
    .action(async (o: Target & { recovery: boolean; breakGlass: boolean }) => {
      const ctx = context();
      await withWallet(ctx, async (w) => {
        const label = await w.newStudyContext('patient');
        const key = await w.deriveKey('patient', label);
        const recovery = o.recovery ? await w.recoveryKey(label) : undefined;
        // An hour for the hospital to submit it (the chaincode accepts up to Limits.maxConsentAgeSeconds).
        const consent = await signStatement(
          ctx,
          'PatientConsent',
          { source: o.source, study: o.study, ...(recovery ? { recovery: recovery.keyId } : {}), ...(o.breakGlass ? {} : { breakGlass: false }) },
          key,
          CONSENT_LIFETIME_SECONDS,
        );
        await w.bindStudy('patient', label, o.study);
        ctx.print({ consent, patientKey: key.keyId, recoveryKey: recovery?.keyId ?? null, context: label }, () => consent);
      });
    });
};

/** The patient's answers about a recipient: allow (grant), revoke, deny. */
const registerPatientAccessVerbs: RegisterCommand = (program, context) => {
  withTarget(program.command('allow'))
    .alias('grant')
    .description('as a patient, grant a recipient time-limited access to a study')
    .requiredOption('--recipient <keyId>', "the recipient's key id")
    .option('--until <when>', 'expiry: a duration (30d, 12h), a date, or seconds since the epoch', '30d')
    .option('--purpose <code>', 'HL7 purpose of use, e.g. TREAT')
    .action(async (o: Target & { recipient: string; until: string; purpose?: string; signOnly: boolean }) => {
      const ctx = context();
      await withWallet(ctx, async (w) => {
        const { key } = await patientKey(w, o.study);
        const fields = {
          source: o.source,
          study: o.study,
          recipient: o.recipient,
          until: parseUntil(o.until),
          ...(o.purpose !== undefined ? { purpose: purpose(o.purpose) } : {}),
        };
        await finish(ctx, await signStatement(ctx, 'AllowAccess', fields, key), o.signOnly, { until: fields.until });
      });
    });

  withTarget(program.command('revoke'))
    .description("as a patient, revoke a recipient's access (from the block it commits in)")
    .requiredOption('--recipient <keyId>', "the recipient's key id")
    .action(async (o: Target & { recipient: string; signOnly: boolean }) => {
      const ctx = context();
      await withWallet(ctx, async (w) => {
        const { key } = await patientKey(w, o.study);
        await finish(ctx, await signStatement(ctx, 'RevokeAccess', { source: o.source, study: o.study, recipient: o.recipient }, key), o.signOnly);
      });
    });

  withTarget(program.command('deny'))
    .description("as a patient, deny a recipient's access request")
    .requiredOption('--recipient <keyId>', "the recipient's key id")
    .option('--reason <code>', `one of ${DenyReason.options.join(', ')}`, 'OTHER')
    .action(async (o: Target & { recipient: string; reason: string; signOnly: boolean }) => {
      const ctx = context();
      const reason = DenyReason.safeParse(o.reason);
      if (!reason.success) {
        throw new CliError(`--reason must be one of ${DenyReason.options.join(', ')}`, 2);
      }
      await withWallet(ctx, async (w) => {
        const { key } = await patientKey(w, o.study);
        await finish(
          ctx,
          await signStatement(ctx, 'DenyAccess', { source: o.source, study: o.study, recipient: o.recipient, reason: reason.data }, key),
          o.signOnly,
        );
      });
    });
};

/** A recipient's request, and a key rotation signed by the study's recovery key (after the patient lost theirs). */
const registerRecipientVerbs: RegisterCommand = (program, context) => {
  withTarget(program.command('request'))
    .description('as a recipient (doctor, PHR), ask the patient for access; signs with your key for this study')
    .requiredOption('--purpose <code>', 'HL7 purpose of use, e.g. TREAT')
    .action(async (o: Target & { purpose: string; signOnly: boolean }) => {
      const ctx = context();
      await withWallet(ctx, async (w) => {
        const key = await recipientKey(w, o.study);
        await finish(ctx, await signStatement(ctx, 'RequestAccess', { source: o.source, study: o.study, purpose: purpose(o.purpose) }, key), o.signOnly, {
          recipient: key.keyId,
        });
      });
    });

  withTarget(program.command('rotate'))
    .description("move a study to a new patient key, signed by the study's recovery key (after losing the old one)")
    .requiredOption('--context <label>', 'the study-N context the study was consented under (see the wallet or your records)')
    .action(async (o: Target & { context: string; signOnly: boolean }) => {
      const ctx = context();
      await withWallet(ctx, async (w) => {
        const recovery = await w.recoveryKey(o.context);
        const label = await w.newStudyContext('patient');
        const fresh = await w.deriveKey('patient', label);
        const nextRecovery = await w.recoveryKey(label);
        const statement = await signStatement(
          ctx,
          'RotateOwnerKey',
          { source: o.source, study: o.study, patient: fresh.keyId, recovery: nextRecovery.keyId },
          recovery,
        );
        await finish(ctx, statement, o.signOnly, { patientKey: fresh.keyId });
        if (!o.signOnly) {
          await w.bindStudy('patient', label, o.study);
        }
      });
    });
};
