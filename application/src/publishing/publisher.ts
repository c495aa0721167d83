import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createStatement, LedgerError, Limits, newStudyReference, verifyStatement } from '@isl/chaincode';
import { CodedError } from '@isl/platform';
import { LedgerRejection } from '../ledger/errors';
import type { LedgerClient } from '../ledger/ledger-client';
import { DicomFileError, readInstanceIdentifiers } from '../pacs/dicom-file';
import type { OrthancClient } from '../pacs/orthanc-client';
import type { SourceKey } from '../imagesource/source-key';
import type { StudyMapping, StudyStore } from '../imagesource/study-store';

/** Instances sent to the PACS at once while staging. */
const STORE_CONCURRENCY = 4;

/** The patient's side of publishing: signs the PatientConsent naming this source and study. */
export interface ConsentSigner {
  /** Returns the compact JWS PatientConsent and the patient key that signed it. */
  signConsent(source: string, study: string, audience: string): Promise<{ readonly consent: string; readonly patientKeyId: string }>;
}

export type PublishErrorCode =
  'NO_DICOM_FILES' | 'NOT_DICOM' | 'SEVERAL_STUDIES' | 'ALREADY_PUBLISHED' | 'PUBLICATION_NOT_FOUND' | 'CONSENT_INVALID' | 'CONSENT_MISMATCH';

/** An expected refusal to publish: the input is wrong, and nothing was changed. */
export class PublishError extends CodedError<PublishErrorCode> {}

/** A study in the PACS with its reference, waiting for the patient's consent. */
export interface Staged {
  readonly reference: string;
  readonly source: string;
  /** The audience the patient's consent must name. */
  readonly audience: string;
  readonly studyInstanceUid: string;
  readonly instances: number;
  /** Instances Orthanc did not hold before. */
  readonly stored: number;
  /** False when an earlier, unfinished attempt had already staged this study (same reference). */
  readonly created: boolean;
}

export interface Defined {
  readonly reference: string;
  readonly source: string;
  readonly patientKeyId: string;
  /** Absent when DefineStudy had already committed (a retried consent). */
  readonly transactionId?: string;
  readonly blockNumber?: bigint;
}

export interface Published extends Defined {
  readonly instances: number;
  readonly stored: number;
}

export interface PublisherOptions {
  readonly orthanc: OrthancClient;
  readonly studies: StudyStore;
  readonly ledger: LedgerClient;
  readonly key: SourceKey;
  readonly audience: string;
}

/**
 * Publishes a study at its image source in two steps, so the patient's
 * consent can come from another device: `stage` checks the DICOM files, puts
 * them into the PACS (if absent) and maps a random study reference to the
 * Study Instance UID in the source's own store; `define` checks the patient's
 * consent for that reference and submits the source-signed DefineStudy. Only
 * identifiers reach the ledger. Calls are serialised, so two uploads of the
 * same study get the same reference.
 */
export class Publisher {
  readonly #o: PublisherOptions;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: PublisherOptions) {
    this.#o = options;
  }

  /** Both steps at the hospital's desk, the patient's wallet signing consent. */
  async publish(folder: string, patient: ConsentSigner): Promise<Published> {
    const staged = await this.stage(folder);
    const { consent } = await patient.signConsent(this.#o.key.keyId, staged.reference, this.#o.audience);
    const defined = await this.define(staged.reference, consent);
    return { ...defined, instances: staged.instances, stored: staged.stored };
  }

  /**
   * Checks every file of the folder first (DICOM, one study), then stores the
   * absent instances in the PACS and records the reference as pending. Bad
   * input is refused before anything is stored.
   */
  stage(folder: string): Promise<Staged> {
    return this.#serially(async () => {
      const files = dicomFilesIn(folder);
      let studyInstanceUid: string | undefined;
      for (const file of files) {
        let ids;
        try {
          ids = readInstanceIdentifiers(readFileSync(file), file.slice(folder.length + 1) || file);
        } catch (err) {
          if (err instanceof DicomFileError) throw new PublishError('NOT_DICOM', err.message, { cause: err });
          throw err;
        }
        studyInstanceUid ??= ids.studyInstanceUid;
        if (ids.studyInstanceUid !== studyInstanceUid) {
          throw new PublishError('SEVERAL_STUDIES', 'the files belong to more than one study; publish one study at a time');
        }
      }
      if (studyInstanceUid === undefined) {
        throw new PublishError('NO_DICOM_FILES', 'no DICOM files were given');
      }
      const published = this.#o.studies.byUid(studyInstanceUid);
      if (published?.state === 'defined') {
        throw new PublishError('ALREADY_PUBLISHED', `this study is already published as ${published.reference}`);
      }
      // Orthanc keeps the copy it holds (OverwriteInstances false) and says so: one request per
      // instance, a few at once so its threads overlap (at most STORE_CONCURRENCY files in memory).
      let stored = 0;
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let file = files[next++]; file !== undefined; file = files[next++]) {
          if (!(await this.#o.orthanc.storeInstance(readFileSync(file))).alreadyStored) stored++;
        }
      };
      await Promise.all(Array.from({ length: Math.min(STORE_CONCURRENCY, files.length) }, worker));
      // A mapping already there is an earlier attempt (or another process's): keep its reference.
      const fresh = { reference: newStudyReference(), studyInstanceUid, state: 'pending', createdAt: new Date().toISOString() } as const;
      const mapping = await this.#o.studies.claim(fresh);
      if (mapping.state === 'defined') {
        throw new PublishError('ALREADY_PUBLISHED', `this study is already published as ${mapping.reference}`);
      }
      return {
        reference: mapping.reference,
        source: this.#o.key.keyId,
        audience: this.#o.audience,
        studyInstanceUid,
        instances: files.length,
        stored,
        created: mapping === fresh,
      };
    });
  }

  /**
   * Checks the patient's consent (signature, audience, freshness, and that it
   * names this source and study) before submitting DefineStudy; a consent for
   * anything else is refused and the study stays pending. Idempotent: a study
   * already on the ledger is recorded as defined and answered with its patient
   * key and no transaction, so a commit whose answer was lost is not lost.
   */
  define(reference: string, consent: string): Promise<Defined> {
    return this.#serially(async () => {
      const mapping = this.#o.studies.byReference(reference);
      if (!mapping) {
        throw new PublishError('PUBLICATION_NOT_FOUND', `no study staged here as ${reference}`);
      }
      // Already on the ledger (an earlier answer was lost, or the consent was
      // posted twice): record it and answer the same, whatever this consent is.
      const committed = await this.#onLedger(reference);
      if (committed) {
        if (mapping.state !== 'defined') await this.#o.studies.put({ ...mapping, state: 'defined' });
        return { reference, source: this.#o.key.keyId, patientKeyId: committed.patient };
      }
      const patientKeyId = await this.#checkConsent(mapping, consent);
      const statement = await createStatement('DefineStudy', { study: reference, consent }, this.#o.key.privateJwk, { audience: this.#o.audience });
      let submitted: { transactionId: string; blockNumber: bigint } | undefined;
      try {
        submitted = await this.#o.ledger.submit('DefineStudy', [statement]);
      } catch (err) {
        // An earlier attempt committed but its answer was lost: the study is on the ledger either way.
        if (!(err instanceof LedgerRejection && err.code === 'STUDY_EXISTS')) {
          throw err;
        }
      }
      await this.#o.studies.put({ ...mapping, state: 'defined' });
      return {
        reference,
        source: this.#o.key.keyId,
        patientKeyId,
        ...(submitted ? { transactionId: submitted.transactionId, blockNumber: submitted.blockNumber } : {}),
      };
    });
  }

  /**
   * Abandons a study staged but never consented to: its reference is
   * forgotten (the PACS keeps the instances; they are the hospital's).
   * A study on the ledger cannot be withdrawn here: its patient revokes grants.
   */
  withdraw(reference: string): Promise<void> {
    return this.#serially(async () => {
      const mapping = this.#o.studies.byReference(reference);
      if (!mapping) {
        throw new PublishError('PUBLICATION_NOT_FOUND', `no study staged here as ${reference}`);
      }
      if (mapping.state === 'pending' && (await this.#onLedger(reference))) {
        await this.#o.studies.put({ ...mapping, state: 'defined' });
      }
      const outcome = await this.#o.studies.withdraw(reference);
      if (outcome === 'defined') {
        throw new PublishError('ALREADY_PUBLISHED', `${reference} is published on the ledger and cannot be withdrawn; its patient can revoke every grant`);
      }
      if (outcome === 'absent') {
        throw new PublishError('PUBLICATION_NOT_FOUND', `no study staged here as ${reference}`);
      }
    });
  }

  async #onLedger(reference: string): Promise<{ readonly patient: string } | undefined> {
    try {
      return await this.#o.ledger.evaluate<{ patient: string }>('GetStudy', [this.#o.key.keyId, reference]);
    } catch (err) {
      if (err instanceof LedgerRejection && err.code === 'STUDY_NOT_FOUND') return undefined;
      throw err;
    }
  }

  async #checkConsent(mapping: StudyMapping, consent: string): Promise<string> {
    let verified;
    try {
      verified = await verifyStatement(consent, 'PatientConsent', { audience: this.#o.audience, nowMs: Date.now(), maxLength: Limits.maxConsentLength });
    } catch (err) {
      if (err instanceof LedgerError) {
        throw new PublishError('CONSENT_INVALID', `the consent is not valid (${err.code}): ${err.message}`, { cause: err });
      }
      throw err;
    }
    if (verified.claims.source !== this.#o.key.keyId) {
      throw new PublishError('CONSENT_MISMATCH', `the consent names source ${verified.claims.source}, not this source ${this.#o.key.keyId}`);
    }
    if (verified.claims.study !== mapping.reference) {
      throw new PublishError('CONSENT_MISMATCH', `the consent names study ${verified.claims.study}, not ${mapping.reference}`);
    }
    return verified.signer;
  }

  #serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** Regular files of the folder (recursively), except hidden ones and DICOMDIR. */
export function dicomFilesIn(folder: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(folder).sort()) {
    if (name.startsWith('.') || name.toUpperCase() === 'DICOMDIR') continue;
    const path = join(folder, name);
    const st = statSync(path);
    if (st.isDirectory()) out.push(...dicomFilesIn(path));
    else if (st.isFile()) out.push(path);
  }
  return out;
}
