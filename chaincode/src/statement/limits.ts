/** Size and time caps of the protocol (docs/protocol.md, "Limits"). */
export const Limits = {
  /** Longest compact JWS accepted as a transaction argument (DefineStudy embeds a consent). */
  maxStatementLength: 8192,
  /** Statements in one SubmitBatch transaction. */
  maxBatchStatements: 50,
  /** Longest SubmitBatch argument (the JSON array): 50 statements of 8192 characters with their quotes and commas. */
  maxBatchLength: 50 * (8192 + 3) + 2,
  /** Longest embedded PatientConsent JWS. */
  maxConsentLength: 4096,
  maxAudienceLength: 256,
  /** Claims are flat; nesting beyond this is refused before any claim is read. */
  maxPayloadDepth: 32,
  maxUrlLength: 512,
  /** iat may be this far ahead of the transaction timestamp (client clock skew). */
  clockSkewSeconds: 300,
  /** Statements submitted directly: now - iat and exp - iat are at most this. */
  maxAgeSeconds: 300,
  /** The patient signs consent at the source's desk; the source may submit it later. */
  maxConsentAgeSeconds: 86_400,
  /** Longest access lease (until - transaction time). */
  maxLeaseSeconds: 366 * 86_400,
} as const;

/** The header typ every statement carries. */
export const STATEMENT_MEDIA_TYPE = 'isl-statement+jws';
