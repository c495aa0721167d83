/**
 * `@isl/chaincode/testing`: test helpers other packages' tests use. Only the key-holder
 * helpers, apart from the in-memory Fixture, so importing them never loads the contract.
 */
export { newParty, type Party } from './party';
