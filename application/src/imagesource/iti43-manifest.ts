import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { buildKosManifest } from '../pacs/kos-manifest';
import { RESPONSE_ACTION, responseEnvelope, statusOf, type DocumentResponseEntry, type RegistryErrorEntry, type RetrieveRequest } from '../wire/iti43';
import { MtomWriter } from '../wire/mtom';
import type { GrantedDocument } from './iti43-handler';
import type { ReleaseGate } from './release-gate';
import { write } from './study-release';

/**
 * ITI-43 as XDS-I.b uses it (RAD TF-1 §18, RAD TF-3 §4.68.4.1.2): the
 * document a study reference names is the study's manifest, a DICOM Key
 * Object Selection Document made now from the PACS (never stored), one
 * `application/dicom` attachment per granted document. Every manifest sent is
 * a disclosure (it names the patient and the study's instances).
 */
export async function writeManifests(answer: {
  readonly gate: ReleaseGate;
  readonly res: ServerResponse;
  readonly request: RetrieveRequest;
  readonly granted: readonly GrantedDocument[];
  readonly errors: readonly RegistryErrorEntry[];
  readonly recipient: string;
}): Promise<void> {
  const { gate, res, request, granted, errors, recipient } = answer;
  // Every manifest is made before the answer starts, so a PACS failure is a clean error, not a cut-off response.
  const manifests: { readonly document: DocumentResponseEntry; readonly bytes: Buffer; readonly study: string; readonly breakGlass?: string }[] = [];
  for (const g of granted) {
    const bytes = buildKosManifest(await gate.describe(g.auth), { retrieveLocationUid: gate.retrieveLocationUid });
    manifests.push({
      study: g.auth.reference,
      ...(g.auth.breakGlass === undefined ? {} : { breakGlass: g.auth.breakGlass }),
      bytes,
      document: {
        repositoryUniqueId: g.repositoryUniqueId,
        documentUniqueId: g.auth.reference,
        mimeType: 'application/dicom',
        contentId: `manifest.${String(manifests.length + 1)}.${randomUUID()}@isl`,
        ...(g.homeCommunityId ? { homeCommunityId: g.homeCommunityId } : {}),
      },
    });
  }
  const mtom = new MtomWriter();
  const envelope = responseEnvelope({
    relatesTo: request.messageId,
    status: statusOf(granted.length, errors.length),
    errors,
    documents: manifests.map((m) => m.document),
  });
  res.writeHead(200, { 'content-type': mtom.contentType(RESPONSE_ACTION), 'cache-control': 'no-store' });
  await write(res, mtom.root(envelope, RESPONSE_ACTION));
  for (const m of manifests) {
    await write(res, mtom.attachment(m.document.contentId));
    await write(res, m.bytes);
    const basis = m.breakGlass === undefined ? {} : { breakGlass: m.breakGlass };
    gate.disclose({ study: m.study, recipient, size: m.bytes.length, requestId: randomUUID(), ...basis }, res.req.socket.remoteAddress);
  }
  res.end(mtom.close());
}
