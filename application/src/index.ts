/**
 * The application package's face: what the bench drives (the gateway client, the ledger
 * client, publishing, the image source and its wire formats, the PACS). Other packages
 * import only this (`@isl/application`), never files under dist/.
 */
export { GatewayClient } from './client/gateway-client';
export { AccessPolicy } from './imagesource/access-policy';
export { networkBlockFeed, type BlockFeed } from './imagesource/block-feed';
export { GrantView, type GrantViewStatus } from './imagesource/grant-view';
// Synthetic committed blocks, for the grant view's micro-benchmark (bench/src/grant-decision.ts).
export { stateKey, syntheticBlock, SyntheticBlockStream, type SyntheticTransaction } from './ledger/synthetic-blocks';
export { imageSourceEndpoints } from './imagesource/endpoints';
export { ImageSourcePaths } from './imagesource/paths';
export { readSourceKey, type SourceKey } from './imagesource/source-key';
export { StudyStore } from './imagesource/study-store';
export { LedgerClient } from './ledger/ledger-client';
export { OrthancClient } from './pacs/orthanc-client';
export { OrthancFiles, orthancCredentials, type OrthancCredentials } from './pacs/orthanc-config';
export { writeSyntheticStudy } from './pacs/synthetic-study';
export { retrieveStudy } from './retrieval/retrieve-client';
export { Publisher, type ConsentSigner } from './publishing/publisher';
export { contentDigest, GET_COMPONENTS, POST_COMPONENTS, signRequest, type RecipientSigningKey } from './wire/http-signature';
export { ACTION, retrieveRequestEnvelope } from './wire/iti43';
export { mtomMessage } from './wire/mtom';
// The stake policy compiler, for the bench's growth measurement (bench/src/policy-growth.ts).
export {
  compileStakePolicy,
  DEFAULT_MAX_POLICY_LENGTH,
  DEFAULT_MAX_TERMS,
  formatSignaturePolicy,
  greatestCommonDivisor,
  minimalWinningVectors,
  minimumWinningWeight,
  MORE_THAN_HALF,
  normaliseStakes,
  renderRule,
  weightClasses,
  type StakeThreshold,
} from './stake/policy';
