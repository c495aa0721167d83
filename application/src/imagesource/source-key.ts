import { existsSync, readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { z } from 'zod';
import { generateStatementKey, thumbprint } from '@isl/chaincode';
import { writeFileAtomic } from '@isl/platform';

/** The image source's own key: it signs DefineSource, DefineStudy and RecordDisclosure. */
export interface SourceKey {
  readonly privateJwk: JWK;
  /** Thumbprint: the source's id on the ledger and its ITI-43 RepositoryUniqueId. */
  readonly keyId: string;
}

const fileSchema = z.strictObject({
  privateJwk: z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string(), d: z.string() }),
});

/** Loads the key, or generates an ES256 key on first start and stores it (0600). */
export async function loadOrCreateSourceKey(file: string): Promise<{ readonly key: SourceKey; readonly created: boolean }> {
  if (existsSync(file)) {
    const { privateJwk } = fileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    return { key: { privateJwk, keyId: await thumbprint(privateJwk) }, created: false };
  }
  const { privateJwk } = await generateStatementKey('ES256');
  writeFileAtomic(file, JSON.stringify({ privateJwk }));
  return { key: { privateJwk, keyId: await thumbprint(privateJwk) }, created: true };
}

export async function readSourceKey(file: string): Promise<SourceKey> {
  if (!existsSync(file)) {
    throw new Error(`no image-source key at ${file}: start the image source first (npm start)`);
  }
  return (await loadOrCreateSourceKey(file)).key;
}
