import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ENCRYPTED_MEDIA_TYPE, ENCRYPTION_HEADER, ENCRYPTION_SCHEME, type ReleaseSealer } from '../encryption/release-sealer';
import { EncryptionError } from '../encryption/errors';
import { GET_COMPONENTS, SignatureRejected, type UnclaimedSignature } from '../wire/http-signature';
import { parseMediaType } from '../wire/media-type';
import { MultipartWriter } from '../wire/multipart-writer';
import type { CanonicalUri } from '../wire/target-uri';
import type { ReleaseGate } from './release-gate';
import { write } from './study-release';

/**
 * DICOMweb WADO-RS Retrieve Study (PS3.18 §10.4): the study as
 * multipart/related; type="application/dicom", one part per instance.
 */
export async function serveWadoRs(gate: ReleaseGate, req: IncomingMessage, res: ServerResponse, target: CanonicalUri, reference: string): Promise<void> {
  req.resume();
  const refuse = (err: SignatureRejected): void => {
    gate.log('warn', 'WADO-RS request refused', { failure: err.failure, detail: err.message });
    const status = err.failure === 'busy' ? 503 : 401;
    res
      .writeHead(status, { 'content-type': 'application/json', 'www-authenticate': 'Signature' })
      .end(JSON.stringify({ error: err.failure, message: err.message }));
  };
  let signer: UnclaimedSignature;
  try {
    signer = await gate.verify(req, target, GET_COMPONENTS);
  } catch (err) {
    if (err instanceof SignatureRejected) {
      refuse(err);
      return;
    }
    throw err;
  }
  const sealer = sealerOrRefuse(gate, req, res, signer);
  if (sealer === 'refused') return;
  const partType = sealer ? ENCRYPTED_MEDIA_TYPE : 'application/dicom';
  const accept = req.headers.accept;
  if (accept !== undefined && !acceptsParts(accept, partType)) {
    res
      .writeHead(406, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: 'not-acceptable', message: `this service answers multipart/related; type="${partType}"` }));
    return;
  }
  const auth = await gate.authorise(reference, signer.keyId);
  if (auth === 'unavailable') {
    res
      .writeHead(503, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: 'unavailable', message: 'the ledger cannot be reached; try again later' }));
    return;
  }
  try {
    gate.claim(signer, auth.granted);
  } catch (err) {
    if (err instanceof SignatureRejected) {
      refuse(err);
      return;
    }
    throw err;
  }
  if (!auth.granted) {
    // Unknown and ungranted studies get the same answer.
    res
      .writeHead(404, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: 'not-found', message: 'no such study is available to this recipient' }));
    return;
  }
  const requestId = randomUUID();
  const mime = new MultipartWriter();
  res.writeHead(200, {
    'content-type': `multipart/related; type="${partType}"; boundary=${mime.boundary}`,
    'isl-request-id': requestId,
    'cache-control': 'no-store',
    ...(sealer ? { [ENCRYPTION_HEADER]: ENCRYPTION_SCHEME } : {}),
  });
  await gate.stream(
    res,
    auth,
    signer.keyId,
    requestId,
    async (file, i) => {
      await write(res, mime.part({ 'Content-Type': partType, 'Content-Location': `${target.path}/instances/${String(i + 1)}` }));
      return sealer
        ? sealer.seal(file, (bytes) => write(res, bytes), { study: auth.reference, index: i, count: auth.instances.length })
        : gate.pipeInstance(file, res);
    },
    mime.close(),
    sealer !== undefined,
  );
}

/** The encryption asked for, or 'refused' (answered 400 with its code) before the grant check and any byte of a release. */
function sealerOrRefuse(gate: ReleaseGate, req: IncomingMessage, res: ServerResponse, signer: UnclaimedSignature): ReleaseSealer | undefined | 'refused' {
  try {
    return gate.sealer(req, signer);
  } catch (err) {
    if (!(err instanceof EncryptionError)) throw err;
    gate.log('warn', 'WADO-RS encrypted release refused', { code: err.code, detail: err.message });
    gate.claim(signer, false);
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: err.code, message: err.message }));
    return 'refused';
  }
}

function acceptsParts(accept: string, partType: string): boolean {
  return accept.split(',').some((member) => {
    const m = parseMediaType(member);
    if (!m) return false;
    if (m.type === '*/*' || m.type === 'multipart/*') return true;
    return m.type === 'multipart/related' && (m.params.get('type') ?? partType).toLowerCase() === partType;
  });
}
