import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { audienceFor, createStatement } from '@isl/chaincode';
import { newParty } from '@isl/chaincode/testing';
import { connectGateway } from '@isl/network';
import { getTestConsortium, testNetwork } from '@isl/network/testing';
import { LedgerClient } from './ledger-client';
import { peerTransactionLookup } from './transaction-status';

describe("looking a transaction up on the gateway's peer (real network)", function () {
  this.timeout(120_000);

  it('places a committed transaction (valid, its block) and knows nothing of an id never ordered', async () => {
    const org = getTestConsortium().connectionProfile().organisations[0];
    assert.ok(org);
    const connection = connectGateway({ org });
    try {
      const network = connection.gateway.getNetwork(testNetwork().channelName);
      const ledger = new LedgerClient(network.getContract(testNetwork().chaincodeName));
      const source = await newParty('ES256');
      const statement = await createStatement('DefineSource', { url: 'https://lookup.hospital.example/iti43' }, source.privateJwk, {
        audience: audienceFor(testNetwork().channelName, testNetwork().chaincodeName),
      });
      const submitted = await ledger.submit('DefineSource', [statement]);
      const lookup = peerTransactionLookup(network);
      assert.deepEqual(await lookup(submitted.transactionId), { valid: true, code: 'VALID', blockNumber: submitted.blockNumber });
      assert.equal(await lookup(randomBytes(32).toString('hex')), undefined);
    } finally {
      connection.close();
    }
  });
});
