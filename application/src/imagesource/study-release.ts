import type { IncomingMessage } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { OrthancClient, OrthancInstance } from '../pacs/orthanc-client';
import type { ManifestStudy } from '../pacs/kos-manifest';
import type { AccessPolicy } from './access-policy';
import type { DisclosureOutbox } from './disclosure-outbox';
import type { StudyStore } from './study-store';

export type Authorisation =
  | {
      readonly granted: true;
      readonly reference: string;
      readonly instances: readonly OrthancInstance[];
      /** Granted under this break-glass lease (its statement digest): the disclosure record names it. */
      readonly breakGlass?: string;
    }
  /** `reason` is for this source's log only: the requester never learns it. */
  | { readonly granted: false; readonly reason: string };

export type Granted = Extract<Authorisation, { granted: true }>;

const ID32 = /^[A-Za-z0-9_-]{43}$/;
/** A well-formed reference that no study has (references are random, protocol.md §3): what an unknown Study Instance UID is checked as. */
const UNKNOWN_REFERENCE = 'A'.repeat(43);

/**
 * The checks and the release of one study, whatever the protocol: the study
 * is one this source published, the recipient holds a grant now (its own
 * peer), then the instances stream from Orthanc, and the release is written
 * to the disclosure outbox.
 */
export class StudyRelease {
  readonly #studies: StudyStore;
  readonly #orthanc: OrthancClient;
  readonly #policy: AccessPolicy;
  readonly #outbox: DisclosureOutbox;

  constructor(options: { readonly studies: StudyStore; readonly orthanc: OrthancClient; readonly policy: AccessPolicy; readonly outbox: DisclosureOutbox }) {
    this.#studies = options.studies;
    this.#orthanc = options.orthanc;
    this.#policy = options.policy;
    this.#outbox = options.outbox;
  }

  /**
   * Both checks always run, so an unknown study and an ungranted one take
   * the same path (and about the same time) and look the same to the requester.
   */
  async authorise(reference: string, recipient: string): Promise<Authorisation> {
    if (!ID32.test(reference) || !ID32.test(recipient)) {
      return { granted: false, reason: 'MALFORMED_REFERENCE' };
    }
    const mapping = this.#studies.byReference(reference);
    const decision = await this.#policy.check(reference, recipient);
    // A pending mapping with a grant on the ledger was published (only this
    // source signs its DefineStudy) but its publisher never heard the commit.
    if (mapping === undefined) {
      return { granted: false, reason: 'NOT_PUBLISHED_HERE' };
    }
    if (!decision.allowed) {
      return { granted: false, reason: decision.reason ?? 'NO_GRANT' };
    }
    const studyId = await this.#orthanc.lookup(mapping.studyInstanceUid, 'Study');
    if (studyId === undefined) {
      throw new Error(`study ${reference} is published but Orthanc no longer holds it`);
    }
    const instances = await this.#orthanc.studyInstances(studyId);
    return decision.breakGlass === undefined
      ? { granted: true, reference, instances }
      : { granted: true, reference, instances, breakGlass: decision.breakGlass };
  }

  /**
   * The grant check for a study named by its Study Instance UID (RAD-69). An
   * unknown UID still asks the ledger, for a reference no study has, so it
   * takes the path (and about the time) of a study not granted.
   */
  async authoriseStudy(studyInstanceUid: string, recipient: string): Promise<Authorisation> {
    const mapping = this.#studies.byUid(studyInstanceUid);
    return this.authorise(mapping?.reference ?? UNKNOWN_REFERENCE, recipient);
  }

  /** What the manifest of a granted study names (series, instances, SOP classes, transfer syntaxes), read from Orthanc now. */
  async describe(auth: Granted): Promise<ManifestStudy> {
    const mapping = this.#studies.byReference(auth.reference);
    const studyId = mapping ? await this.#orthanc.lookup(mapping.studyInstanceUid, 'Study') : undefined;
    if (studyId === undefined) {
      throw new Error(`study ${auth.reference} is published but Orthanc no longer holds it`);
    }
    return this.#orthanc.describeStudy(studyId);
  }

  /** Asks Orthanc for one instance's stored file (a stream the caller must consume or destroy). */
  openInstance(instance: OrthancInstance): Promise<IncomingMessage> {
    return this.#orthanc.openInstanceFile(instance.id);
  }

  /** Streams an instance's file, opened with openInstance, into `out` (with back-pressure); returns its size. */
  async pipeInstance(file: Readable, out: Writable): Promise<number> {
    let size = 0;
    try {
      for await (const chunk of file) {
        const bytes = chunk as Buffer;
        size += bytes.length;
        await write(out, bytes);
      }
    } finally {
      file.destroy();
    }
    return size;
  }

  /** Durably records a completed (or cut-off) release, then tries the ledger in the background. */
  recordRelease(disclosure: {
    readonly study: string;
    readonly recipient: string;
    readonly size: number;
    readonly requestId: string;
    readonly encrypted?: boolean;
    readonly breakGlass?: string;
  }): void {
    this.#outbox.add({ ...disclosure, disclosedAt: Math.floor(Date.now() / 1000) });
  }

  flushDisclosures(): void {
    void this.#outbox.flush();
  }
}

/** Writes a chunk, waiting for 'drain' when the socket is full; fails if the peer goes away. */
export async function write(out: Writable, chunk: Buffer | string): Promise<void> {
  if (out.destroyed) {
    throw new Error('the recipient closed the connection');
  }
  if (!out.write(chunk)) {
    // Plain listeners rather than events.once with an AbortController: aborting
    // builds a DOMException with a stack for every full socket buffer, a
    // measurable share of the CPU of a 100 MB release (docs/performance.md).
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        out.off('drain', onDrain);
        out.off('close', onClose);
      };
      const onDrain = (): void => {
        done();
        resolve();
      };
      const onClose = (): void => {
        done();
        reject(new Error('the recipient closed the connection'));
      };
      out.on('drain', onDrain);
      out.on('close', onClose);
    });
  }
}
