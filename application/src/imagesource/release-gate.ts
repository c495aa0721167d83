import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { ReleaseSealer } from '../encryption/release-sealer';
import type { UnclaimedSignature } from '../wire/http-signature';
import type { CanonicalUri } from '../wire/target-uri';
import type { ManifestStudy } from '../pacs/kos-manifest';
import type { Authorisation, Granted } from './study-release';

export type ImageSourceLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export type { Granted } from './study-release';

/**
 * What a retrieval handler (WADO-RS, ITI-43) asks of the server: the checks
 * of docs/protocol.md §8.3 in their order, and the release itself. The
 * handlers speak their protocol; the server owns the state (nonces, grants).
 */
export interface ReleaseGate {
  /** This source's key id: its ITI-43 RepositoryUniqueId. */
  readonly sourceId: string;
  readonly log: ImageSourceLog;
  /** The signature is valid, fresh and its nonce unused; the nonce is not remembered yet (see claim). */
  verify(req: IncomingMessage, target: CanonicalUri, components: readonly string[], body?: Buffer): Promise<UnclaimedSignature>;
  /** Remembers the nonce once the grant check has run; throws SignatureRejected ('replayed' or 'busy'). */
  claim(signer: UnclaimedSignature, releases: boolean): void;
  /**
   * The encryption the request asked for (isl-encryption, covered by its
   * signature): undefined for a plaintext release; throws EncryptionError
   * (ENCRYPTION_UNSUPPORTED, ENCRYPTION_KEY_UNUSABLE) before anything is sent.
   */
  sealer(req: IncomingMessage, signer: UnclaimedSignature): ReleaseSealer | undefined;
  /** The grant check; 'unavailable' when the ledger cannot be asked. */
  authorise(reference: string, recipient: string): Promise<Authorisation | 'unavailable'>;
  /** The grant check for a study named by its Study Instance UID (RAD-69): unknown UIDs take the path of ungranted studies. */
  authoriseStudy(studyInstanceUid: string, recipient: string): Promise<Authorisation | 'unavailable'>;
  /** This source's Retrieve Location UID: its RepositoryUniqueId in manifests and RAD-69. */
  readonly retrieveLocationUid: string;
  /** What the manifest of a granted study names, read from the PACS now. */
  describe(auth: Granted): Promise<ManifestStudy>;
  /**
   * Records a release that was not streamed from the PACS (a manifest) in the
   * disclosure outbox (naming the break-glass lease it was granted under, if
   * any), offers it to the ledger and audits it, like a streamed release.
   */
  disclose(
    disclosure: { readonly study: string; readonly recipient: string; readonly size: number; readonly requestId: string; readonly breakGlass?: string },
    address: string | undefined,
  ): void;
  /** Copies one instance file to the response; answers the bytes written. */
  pipeInstance(file: Readable, out: Writable): Promise<number>;
  /**
   * Streams a granted study instance by instance through `each`, records the
   * disclosure (`encrypted` says how it left), then ends the response with `trailer` (when given).
   */
  stream(
    res: ServerResponse,
    auth: Granted,
    recipient: string,
    requestId: string,
    each: (file: Readable, index: number) => Promise<number>,
    trailer: string | undefined,
    encrypted?: boolean,
  ): Promise<void>;
}
