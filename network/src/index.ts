/**
 * The network package's face: what the application, the bench and other packages' tests
 * use to bring up, reach and inspect the consortium. Other packages import only this
 * (`@isl/network`) and `@isl/network/testing`, never files under dist/.
 */
export { IdentityFiles } from './ca/identity';
export { ChaincodeDeployment } from './chaincode/deployment';
export type { ConsortiumChaincode } from './chaincode/consortium-chaincode';
export {
  orderersOf,
  organisationHome,
  organisationOf,
  readConnectionProfile,
  writeConnectionProfile,
  type ConnectionProfile,
  type OrganisationProfile,
} from './connection-profile';
export { Consortium, memberHomeOf, type ConsortiumOptions, type NetworkStatus } from './consortium';
export type { Orderer } from './node/orderer';
export { FabricHome, projectRoot } from './fabric-home';
export { connectGateway, type ConnectGatewayOptions, type GatewayConnection } from './gateway/connect';
export { Host } from './hosts/host';
export { HostNetwork, type HostNetworkOptions } from './hosts/host-network';
export { httpsGet } from './node/https-get';
export { getOperations, metricValue } from './node/operations';
export type { Placement, ProcessSupervisor } from './process/supervisor';
export type { SupervisorSet } from './process/supervisor-set';
export { waitFor, WaitTimeoutError, type WaitOptions } from './process/wait';
export { pinnedNodeVersion, projectNode } from './runtime/project-node';
export { epochFormat, readEpochStakes, stakesReport, type EpochStakesFile } from './member/member-epoch';
export { NetworkState } from './state';
export {
  DEFAULT_OUTLIER_RULES,
  describeEpochReport,
  epochReport,
  type EpochReport,
  type OrganisationChange,
  type OutlierFlag,
  type OutlierRules,
  type PreviousEpoch,
  type StakeActivity,
} from './stake/epoch-report';
export { address, loadTopology, organisationOnHost, type Endpoint, type Organisation, type Topology } from './topology/topology';
