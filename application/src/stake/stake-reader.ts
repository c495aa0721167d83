import type { Contract } from '@hyperledger/fabric-gateway';

/** One organisation's stake as the chaincode's GetStake reports it. */
export interface OrganisationStake {
  readonly org: string;
  readonly studies: number;
  readonly sources: readonly { readonly source: string; readonly studies: number }[];
}

const decoder = new TextDecoder();

/** Every organisation's stake from the ledger; members with no study yet count 0. */
export async function readStakes(contract: Contract, members: readonly string[]): Promise<Record<string, number>> {
  const listed = JSON.parse(decoder.decode(await contract.evaluateTransaction('GetStake', ''))) as OrganisationStake[];
  const stakes: Record<string, number> = Object.fromEntries(members.map((m) => [m, 0]));
  for (const entry of listed) {
    // A source registered by an organisation that left the consortium has no seat to weigh.
    if (Object.hasOwn(stakes, entry.org)) {
      stakes[entry.org] = entry.studies;
    }
  }
  return stakes;
}
