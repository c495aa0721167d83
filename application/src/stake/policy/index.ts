export { minimalWinningVectors, weightClasses, type CountVectorEnumeration, type WeightClass } from './coalitions';
export {
  compileStakePolicy,
  renderRule,
  DEFAULT_MAX_POLICY_LENGTH,
  DEFAULT_MAX_TERMS,
  QUANTISATION_LEVELS,
  type CompiledPolicy,
  type StakePolicyOptions,
} from './compile';
export { listMinimalCoalitions, pickEndorsers, type CoalitionListing } from './endorsers';
export {
  EPOCH_RECORD_SCHEMA,
  epochPolicyRecord,
  epochPolicyRecordJson,
  parseEpochPolicyRecord,
  verifyEpochPolicyRecord,
  type EpochPolicyRecord,
} from './epoch-record';
export {
  EpochRecordError,
  PolicyCompileError,
  PolicyParseError,
  type EpochRecordErrorCode,
  type PolicyCompileErrorCode,
  type PolicyParseErrorCode,
} from './errors';
export {
  createPolicyEvaluator,
  evaluateSignaturePolicy,
  isSatisfiedBy,
  peerIdentities,
  type PolicyEvaluator,
  type PolicyInput,
  type SigningIdentity,
} from './evaluator';
export { DEFAULT_PARSE_LIMITS, parseSignaturePolicy, type ParsedSignaturePolicy, type ParseOptions } from './parser';
export { formatPrincipal, isValidMspId, MSP_ROLES, parsePrincipal, type EndorsementRole, type MspRole, type Principal } from './principal';
export { quantisationErrorBound, quantise, type Quantisation, type QuantisationErrorBound } from './quantise';
export {
  countPrincipals,
  formatSignaturePolicy,
  principalMspIds,
  type GateName,
  type OutOfRule,
  type SignaturePolicyRule,
  type SignedByRule,
} from './signature-policy';
export { greatestCommonDivisor, normaliseStakes, type MemberStake, type StakeTable } from './stakes';
export { AT_LEAST_TWO_THIRDS, describeThreshold, meetsThreshold, MORE_THAN_HALF, minimumWinningWeight, thresholdStake, type StakeThreshold } from './threshold';
