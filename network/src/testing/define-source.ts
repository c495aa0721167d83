import type { Contract } from '@hyperledger/fabric-gateway';
import { audienceFor, createStatement, generateStatementKey, thumbprint } from '@isl/chaincode';

/**
 * Submits one real transaction for the network tests: a fresh image source's
 * DefineSource statement, signed by its own new key. Returns the source's key id
 * and the block the transaction committed in.
 */
export async function defineFreshSource(contract: Contract, channel: string, chaincode: string): Promise<{ sourceId: string; block: bigint }> {
  const { privateJwk } = await generateStatementKey('ES256');
  const statement = await createStatement('DefineSource', { url: 'https://images.example.org/iti43' }, privateJwk, {
    audience: audienceFor(channel, chaincode),
  });
  const commit = await contract.submitAsync('DefineSource', { arguments: [statement] });
  const status = await commit.getStatus();
  if (!status.successful) {
    throw new Error(`DefineSource ${status.transactionId} failed validation with code ${String(status.code)}`);
  }
  return { sourceId: await thumbprint(privateJwk), block: status.blockNumber };
}

/**
 * A fresh source's DefineSource endorsed by the peers of exactly these
 * organisations (the gateway asks no others), submitted whether or not they
 * satisfy the endorsement policy: the committing peers' validation decides.
 * Returns the commit's status.
 */
export async function defineSourceEndorsedBy(
  contract: Contract,
  channel: string,
  chaincode: string,
  endorsingOrganizations: readonly string[],
): Promise<{ readonly code: number; readonly successful: boolean; readonly blockNumber: bigint; readonly transactionId: string }> {
  const { privateJwk } = await generateStatementKey('ES256');
  const statement = await createStatement('DefineSource', { url: 'https://images.example.org/iti43' }, privateJwk, {
    audience: audienceFor(channel, chaincode),
  });
  const proposal = contract.newProposal('DefineSource', { arguments: [statement], endorsingOrganizations: [...endorsingOrganizations] });
  const transaction = await proposal.endorse();
  const commit = await transaction.submit();
  return commit.getStatus();
}
