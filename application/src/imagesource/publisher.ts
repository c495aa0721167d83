import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createStatement, newStudyReference } from '@isl/chaincode/dist/statement';
import { LedgerRejection } from '../ledger/errors';
import type { LedgerClient } from '../ledger/ledger-client';
import { readInstanceIdentifiers } from '../pacs/dicom-file';
import type { OrthancClient } from '../pacs/orthanc-client';
import type { SourceKey } from './source-key';
import type { StudyStore } from './study-store';

/** The patient's side of publishing: signs the PatientConsent naming this source and study. */
export interface ConsentSigner {
  /** Returns the compact JWS PatientConsent and the patient key that signed it. */
  signConsent(source: string, study: string, audience: string): Promise<{ readonly consent: string; readonly patientKeyId: string }>;
}

export class PublishError extends Error {
  readonly code: 'NO_DICOM_FILES' | 'SEVERAL_STUDIES' | 'ALREADY_PUBLISHED';
  constructor(code: PublishError['code'], message: string) {
    super(message);
    this.name = 'PublishError';
    this.code = code;
  }
}

export interface Published {
  readonly reference: string;
  readonly source: string;
  readonly patientKeyId: string;
  readonly instances: number;
  /** Instances Orthanc did not hold before. */
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
 * Publishes a study at its image source: the DICOM files go into the PACS
 * (if absent), a random study reference is mapped to the Study Instance UID
 * in the source's own store, the patient signs consent and the source
 * submits DefineStudy. Only identifiers reach the ledger.
 */
export class Publisher {
  readonly #o: PublisherOptions;

  constructor(options: PublisherOptions) {
    this.#o = options;
  }

  async publish(folder: string, patient: ConsentSigner): Promise<Published> {
    const files = dicomFilesIn(folder);
    const uids = new Set<string>();
    let stored = 0;
    for (const file of files) {
      const bytes = readFileSync(file);
      const ids = readInstanceIdentifiers(bytes, file);
      uids.add(ids.studyInstanceUid);
      if (uids.size > 1) {
        throw new PublishError('SEVERAL_STUDIES', `${folder} holds more than one study; publish one study per folder`);
      }
      if ((await this.#o.orthanc.lookup(ids.sopInstanceUid, 'Instance')) === undefined) {
        await this.#o.orthanc.storeInstance(bytes);
        stored++;
      }
    }
    const [studyInstanceUid] = [...uids];
    if (studyInstanceUid === undefined) {
      throw new PublishError('NO_DICOM_FILES', `no DICOM files in ${folder}`);
    }
    const existing = this.#o.studies.byUid(studyInstanceUid);
    if (existing?.state === 'defined') {
      throw new PublishError('ALREADY_PUBLISHED', `this study is already published as ${existing.reference}`);
    }
    // A pending mapping is an earlier attempt that did not reach the ledger: keep its reference.
    const reference = existing?.reference ?? newStudyReference();
    if (!existing) {
      this.#o.studies.put({ reference, studyInstanceUid, state: 'pending', createdAt: new Date().toISOString() });
    }
    const { consent, patientKeyId } = await patient.signConsent(this.#o.key.keyId, reference, this.#o.audience);
    const statement = await createStatement('DefineStudy', { study: reference, consent }, this.#o.key.privateJwk, { audience: this.#o.audience });
    try {
      await this.#o.ledger.submit('DefineStudy', [statement]);
    } catch (err) {
      if (!(err instanceof LedgerRejection && err.code === 'STUDY_EXISTS')) {
        throw err;
      }
    }
    this.#o.studies.put({ reference, studyInstanceUid, state: 'defined', createdAt: existing?.createdAt ?? new Date().toISOString() });
    return { reference, source: this.#o.key.keyId, patientKeyId, instances: files.length, stored };
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
