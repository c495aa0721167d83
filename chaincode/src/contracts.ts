import { LedgerContract } from './contract';
import { installCertificateCache } from './server/certificate-cache';
import { installLogLevelGate } from './server/log-level-gate';

// The chaincode server's own process only: clients importing the protocol never load this file.
installLogLevelGate();
installCertificateCache();

/**
 * What fabric-chaincode-node serves (package.json `main`); the first contract is the
 * default (unprefixed function names). Kept apart from the package's face (index.ts)
 * so clients importing the protocol never load fabric-contract-api.
 */
export const contracts = [LedgerContract];
