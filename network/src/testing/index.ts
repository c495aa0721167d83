/**
 * `@isl/network/testing`: the running test network and consortium, for the integration
 * tests of every package. The root hooks (application/src/testing/root-hooks.ts) fill it.
 */
export { getTestConsortium, setTestConsortium, setTestNetwork, testNetwork, type OrgConnection, type TestNetwork } from './test-network';
