import type { JWK } from 'jose';
import { generateStatementKey } from '../statement/sign';
import { thumbprint, type Algorithm } from '../statement/keys';

/** A key holder in tests: patient, source, recipient or recovery key. */
export interface Party {
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
  /** RFC 7638 thumbprint: the party's id on the ledger. */
  readonly id: string;
}

export async function newParty(alg: Algorithm = 'EdDSA'): Promise<Party> {
  const { privateJwk, publicJwk } = await generateStatementKey(alg);
  return { privateJwk, publicJwk, id: await thumbprint(publicJwk) };
}

export async function partyFromJwk(privateJwk: JWK): Promise<Party> {
  const publicJwk = { ...privateJwk };
  delete publicJwk.d;
  return { privateJwk, publicJwk, id: await thumbprint(publicJwk) };
}
