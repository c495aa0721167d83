import type { IncomingMessage } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { OrthancClient, OrthancInstance } from '../pacs/orthanc-client';
import type { AccessPolicy } from './access-policy';
import type { DisclosureOutbox } from './disclosure-outbox';
import type { StudyStore } from './study-store';

export type Authorisation =
  | { readonly granted: true; readonly reference: string; readonly instances: readonly OrthancInstance[] }
  /** `reason` is for this source's log only: the requester never learns it. */
  | { readonly granted: false; readonly reason: string };

const ID32 = /^[A-Za-z0-9_-]{43}$/;

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
    return { granted: true, reference, instances: await this.#orthanc.studyInstances(studyId) };
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
