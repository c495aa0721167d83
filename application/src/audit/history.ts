import type { Contract } from '@hyperledger/fabric-gateway';

/** A record's full history (GetHistory): every transaction that changed it, with time and value. */
export async function recordHistory(contract: Contract, key: string): Promise<unknown> {
  return JSON.parse(new TextDecoder().decode(await contract.evaluateTransaction('GetHistory', key))) as unknown;
}
