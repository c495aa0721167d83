import { LedgerContract } from './contract';

export { LedgerContract } from './contract';
export { ErrorCodes, LedgerError, type ErrorCode } from './errors';

/** Contracts served by fabric-chaincode-node; the first is the default (unprefixed function names). */
export const contracts = [LedgerContract];
