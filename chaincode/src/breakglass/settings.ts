/**
 * The consortium's break-glass settings (docs/protocol.md §11.4). They are constants of
 * the chaincode package, not a record: every endorsing peer must run the same package (the
 * chaincode definition names its package id), so all apply the same values, and changing
 * them takes a new chaincode definition, which the consortium approves under its lifecycle
 * policy, the same majority that governs every other rule of the ledger. A settings record
 * would need its own admin transaction and policy for no gain, and a value read from a
 * peer's environment could differ between endorsers.
 */
export const BreakGlassSettings = {
  /** Raise with every change, so auditors can tell which settings a lease was granted under. */
  version: 1,
  /** Longest break-glass lease (until - transaction time): long enough for one emergency stay. */
  maxLeaseSeconds: 86_400,
  /** Break-glass leases one hospital may open per UTC clock hour (by transaction timestamp). */
  maxPerHospitalPerHour: 5,
  /** The only purpose a break-glass statement may carry (HL7 v3 PurposeOfUse: emergency treatment). */
  purpose: 'ETREAT',
} as const;
