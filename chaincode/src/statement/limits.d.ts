/** Size and time caps of the protocol (docs/protocol.md, "Limits"). */
export declare const Limits: {
    /** Longest compact JWS accepted as a transaction argument (DefineStudy embeds a consent). */
    readonly maxStatementLength: 8192;
    /** Longest embedded PatientConsent JWS. */
    readonly maxConsentLength: 4096;
    readonly maxAudienceLength: 256;
    readonly maxUrlLength: 512;
    /** iat may be this far ahead of the transaction timestamp (client clock skew). */
    readonly clockSkewSeconds: 300;
    /** Statements submitted directly: now - iat and exp - iat are at most this. */
    readonly maxAgeSeconds: 300;
    /** The patient signs consent at the source's desk; the source may submit it later. */
    readonly maxConsentAgeSeconds: 86400;
    /** Longest access lease (until - transaction time). */
    readonly maxLeaseSeconds: number;
};
/** The header typ every statement carries. */
export declare const STATEMENT_MEDIA_TYPE = "isl-statement+jws";
