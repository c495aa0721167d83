/**
 * Writes application/src/encryption/vectors.json, the ISL-E2E1 test vectors of docs/image-retrieval.md.
 * Wrapping (ephemeral ECDH key, IVs) and ES256 signatures are randomized, so each vector is a fixed
 * artefact: regenerating makes new ones (then update the doc's section).
 * Run: TS_NODE_PROJECT=tsconfig.test.json node -r ts-node/register/transpile-only application/src/testing/generate-e2e-vectors.ts
 */
import { writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { generateStatementKey, PublicJwk, thumbprint } from '@isl/chaincode';
import type { JWK } from 'jose';
import { agreementPrivateJwk, agreementPublicJwk } from '../encryption/agreement-key';
import { ReleaseSealer } from '../encryption/release-sealer';

const FILE = `${__dirname}/../encryption/vectors.json`;
const PLAINTEXT = 'DICM test vector of ISL-E2E1: 44 bytes long.';
const STUDY = 'CzBVep_E6Q4zWH2ix-wRNluApcrvFDleg6jN8hc8YYY';
const REQUEST = 'vector-request-nonce-0001';
const CHUNK = 16;

const publicOf = (jwk: JWK): PublicJwk =>
  PublicJwk.parse(jwk.kty === 'EC' ? { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } : { kty: 'OKP', crv: 'Ed25519', x: jwk.x });

async function vector(source: { privateJwk: JWK }, alg: 'ES256' | 'EdDSA') {
  const recipient = (await generateStatementKey(alg)).privateJwk;
  const recipientId = await thumbprint(publicOf(recipient));
  const sealer = new ReleaseSealer({
    source: { privateJwk: source.privateJwk, alg: 'ES256', publicJwk: publicOf(source.privateJwk) },
    recipient: publicOf(recipient),
    recipientId,
    request: REQUEST,
    chunkBytes: CHUNK,
  });
  const parts: Buffer[] = [];
  await sealer.seal(Readable.from([Buffer.from(PLAINTEXT)]), (b) => Promise.resolve(void parts.push(b)), { study: STUDY, index: 0, count: 1 });
  return {
    recipientAlg: alg,
    recipientPrivateJwk: recipient,
    recipientKeyId: recipientId,
    agreementPublicJwk: agreementPublicJwk(publicOf(recipient)),
    agreementPrivateJwk: agreementPrivateJwk(recipient),
    encryptedInstance: Buffer.concat(parts).toString('base64'),
  };
}

async function main(): Promise<void> {
  const source = await generateStatementKey('ES256');
  const vectors = {
    description: 'ISL-E2E1 test vectors (docs/image-retrieval.md). Private keys are test-only. Each encryptedInstance decrypts to plaintext.',
    source: { privateJwk: source.privateJwk, keyId: await thumbprint(publicOf(source.privateJwk)) },
    study: STUDY,
    request: REQUEST,
    chunk: CHUNK,
    plaintext: PLAINTEXT,
    vectors: [await vector(source, 'ES256'), await vector(source, 'EdDSA')],
  };
  writeFileSync(FILE, `${JSON.stringify(vectors, null, 2)}\n`);
  console.log(`wrote ${FILE}`);
}

void main();
