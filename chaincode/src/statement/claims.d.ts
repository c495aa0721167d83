import { z } from 'zod';
/** A key thumbprint or a study reference: base64url of 32 bytes (43 characters). */
export declare const Id32: z.ZodString;
/** JWT NumericDate, whole seconds. */
export declare const NumericDate: z.ZodNumber;
export declare const Nonce: z.ZodString;
/** An image source's ITI-43 endpoint: https, no credentials, query or fragment (they could carry identifiers). */
export declare const EndpointUrl: z.ZodString;
/** HL7 v3 PurposeOfUse codes: a closed vocabulary, so no free text (and no PHI) reaches the ledger. */
export declare const Purpose: z.ZodEnum<{
    TREAT: "TREAT";
    ETREAT: "ETREAT";
    COC: "COC";
    PATRQT: "PATRQT";
    FAMRQT: "FAMRQT";
    PWATRNY: "PWATRNY";
    HPAYMT: "HPAYMT";
    HOPERAT: "HOPERAT";
    HRESCH: "HRESCH";
    CLINTRL: "CLINTRL";
    PUBHLTH: "PUBHLTH";
    HLEGAL: "HLEGAL";
}>;
export type Purpose = z.infer<typeof Purpose>;
export declare const DenyReason: z.ZodEnum<{
    NOT_RECOGNISED: "NOT_RECOGNISED";
    PURPOSE_REFUSED: "PURPOSE_REFUSED";
    NOT_NEEDED: "NOT_NEEDED";
    OTHER: "OTHER";
}>;
export type DenyReason = z.infer<typeof DenyReason>;
/** A release identifier chosen by the source (e.g. a UUID); random, never an accession number. */
export declare const RequestId: z.ZodString;
export declare const CompactJws: (maxLength: number) => z.ZodString;
export declare const ClaimSchemas: {
    readonly DefineSource: z.ZodObject<{
        url: z.ZodString;
        iss: z.ZodString;
        aud: z.ZodString;
        iat: z.ZodNumber;
        exp: z.ZodNumber;
        jti: z.ZodString;
        type: z.ZodLiteral<"DefineSource">;
    }, z.core.$strict>;
    readonly UpdateSourceUrl: z.ZodObject<{
        url: z.ZodString;
        iss: z.ZodString;
        aud: z.ZodString;
        iat: z.ZodNumber;
        exp: z.ZodNumber;
        jti: z.ZodString;
        type: z.ZodLiteral<"UpdateSourceUrl">;
    }, z.core.$strict>;
    readonly DeactivateSource: z.ZodObject<{
        iss: z.ZodString;
        aud: z.ZodString;
        iat: z.ZodNumber;
        exp: z.ZodNumber;
        jti: z.ZodString;
        type: z.ZodLiteral<"DeactivateSource">;
    }, z.core.$strict>;
    readonly PatientConsent: z.ZodObject<{
        source: z.ZodString;
        study: z.ZodString;
        recovery: z.ZodOptional<z.ZodString>;
        iss: z.ZodString;
        aud: z.ZodString;
        iat: z.ZodNumber;
        exp: z.ZodNumber;
        jti: z.ZodString;
        type: z.ZodLiteral<"PatientConsent">;
    }, z.core.$strict>;
    readonly DefineStudy: z.ZodObject<{
        study: z.ZodString;
        consent: z.ZodString;
        iss: z.ZodString;
        aud: z.ZodString;
        iat: z.ZodNumber;
        exp: z.ZodNumber;
        jti: z.ZodString;
        type: z.ZodLiteral<"DefineStudy">;
    }, z.core.$strict>;
    readonly AllowAccess: z.ZodObject<{
        source: z.ZodString;
        study: z.ZodString;
        recipient: z.ZodString;
        until: z.ZodNumber;
        purpose: z.ZodOptional<z.ZodEnum<{
            TREAT: "TREAT";
            ETREAT: "ETREAT";
            COC: "COC";
            PATRQT: "PATRQT";
            FAMRQT: "FAMRQT";
            PWATRNY: "PWATRNY";
            HPAYMT: "HPAYMT";
            HOPERAT: "HOPERAT";
            HRESCH: "HRESCH";
            CLINTRL: "CLINTRL";
            PUBHLTH: "PUBHLTH";
            HLEGAL: "HLEGAL";
        }>>;
        iss: z.ZodString;
        aud: z.ZodString;
        iat: z.ZodNumber;
        exp: z.ZodNumber;
        jti: z.ZodString;
        type: z.ZodLiteral<"AllowAccess">;
    }, z.core.$strict>;
    readonly RevokeAccess: z.ZodObject<{
        source: z.ZodString;
        study: z.ZodString;
        recipient: z.ZodString;
        iss: z.ZodString;
        aud: z.ZodString;
        iat: z.ZodNumber;
        exp: z.ZodNumber;
        jti: z.ZodString;
        type: z.ZodLiteral<"RevokeAccess">;
    }, z.core.$strict>;
    readonly RequestAccess: z.ZodObject<{
        source: z.ZodString;
        study: z.ZodString;
        purpose: z.ZodEnum<{
            TREAT: "TREAT";
            ETREAT: "ETREAT";
            COC: "COC";
            PATRQT: "PATRQT";
            FAMRQT: "FAMRQT";
            PWATRNY: "PWATRNY";
            HPAYMT: "HPAYMT";
            HOPERAT: "HOPERAT";
            HRESCH: "HRESCH";
            CLINTRL: "CLINTRL";
            PUBHLTH: "PUBHLTH";
            HLEGAL: "HLEGAL";
        }>;
        iss: z.ZodString;
        aud: z.ZodString;
        iat: z.ZodNumber;
        exp: z.ZodNumber;
        jti: z.ZodString;
        type: z.ZodLiteral<"RequestAccess">;
    }, z.core.$strict>;
    readonly DenyAccess: z.ZodObject<{
        source: z.ZodString;
        study: z.ZodString;
        recipient: z.ZodString;
        reason: z.ZodEnum<{
            NOT_RECOGNISED: "NOT_RECOGNISED";
            PURPOSE_REFUSED: "PURPOSE_REFUSED";
            NOT_NEEDED: "NOT_NEEDED";
            OTHER: "OTHER";
        }>;
        iss: z.ZodString;
        aud: z.ZodString;
        iat: z.ZodNumber;
        exp: z.ZodNumber;
        jti: z.ZodString;
        type: z.ZodLiteral<"DenyAccess">;
    }, z.core.$strict>;
    readonly RotateOwnerKey: z.ZodObject<{
        source: z.ZodString;
        study: z.ZodString;
        patient: z.ZodString;
        recovery: z.ZodOptional<z.ZodString>;
        iss: z.ZodString;
        aud: z.ZodString;
        iat: z.ZodNumber;
        exp: z.ZodNumber;
        jti: z.ZodString;
        type: z.ZodLiteral<"RotateOwnerKey">;
    }, z.core.$strict>;
    readonly RecordDisclosure: z.ZodObject<{
        study: z.ZodString;
        recipient: z.ZodString;
        disclosedAt: z.ZodNumber;
        size: z.ZodNumber;
        requestId: z.ZodString;
        iss: z.ZodString;
        aud: z.ZodString;
        iat: z.ZodNumber;
        exp: z.ZodNumber;
        jti: z.ZodString;
        type: z.ZodLiteral<"RecordDisclosure">;
    }, z.core.$strict>;
};
export type StatementType = keyof typeof ClaimSchemas;
export declare const STATEMENT_TYPES: StatementType[];
export type Claims<T extends StatementType> = z.infer<(typeof ClaimSchemas)[T]>;
/** Claims every statement carries; the rest are the type's fields. */
export type CommonClaim = 'type' | 'iss' | 'aud' | 'iat' | 'exp' | 'jti';
export type Fields<T extends StatementType> = Omit<Claims<T>, CommonClaim>;
export declare function isStatementType(value: unknown): value is StatementType;
/** Statements submitted in their own transaction vs. the consent embedded in DefineStudy. */
export declare function maxAgeSeconds(type: StatementType): number;
/** The aud value for a channel and chaincode: `isl:<channel>/<chaincode>`. */
export declare function audienceFor(channel: string, chaincode: string): string;
