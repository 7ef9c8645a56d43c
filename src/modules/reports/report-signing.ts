// A report's evidence of integrity: the SHA-256 of its stored bytes (anchored in the audit log as
// action `report.sign`) and a detached Ed25519 signature over a small canonical statement.
import { createHash, createPublicKey, type KeyObject, sign, verify } from "node:crypto";

/** What a report's signature covers; the exact UTF-8 bytes signed are `statementText(statement)`. */
export interface ReportStatement {
  type: "bedrock-governor.report/v1";
  reportId: string;
  format: string;
  sha256: string;
  sizeBytes: number;
  generatedAt: string;
  /** The signing key's id; null when the report was not signed. */
  keyId: string | null;
}

/** Canonical JSON: keys in a fixed order, no spaces (the signer and every verifier build the same bytes). */
export function statementText(s: ReportStatement): string {
  return JSON.stringify({
    type: s.type,
    reportId: s.reportId,
    format: s.format,
    sha256: s.sha256,
    sizeBytes: s.sizeBytes,
    generatedAt: s.generatedAt,
    keyId: s.keyId,
  });
}

/** First 16 hex digits of SHA-256 over the public key's DER (SPKI), as the audit head export names keys. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex")
    .slice(0, 16);
}

export interface ReportSigner {
  keyId: string;
  publicKeyPem: string;
  sign(statement: ReportStatement): string;
}

/** undefined without a key: reports are then anchored in the audit log but not signed. */
export function createReportSigner(privateKey: KeyObject | undefined): ReportSigner | undefined {
  if (privateKey === undefined) return undefined;
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: keyIdOf(publicKey),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    sign: (statement) => sign(null, Buffer.from(statementText(statement), "utf8"), privateKey).toString("base64"),
  };
}

/** Whether `signature` (base64) is the Ed25519 signature of `statement` by `publicKeyPem`. */
export function verifyStatement(statement: ReportStatement, signature: string, publicKeyPem: string): boolean {
  try {
    return verify(
      null,
      Buffer.from(statementText(statement), "utf8"),
      createPublicKey(publicKeyPem),
      Buffer.from(signature, "base64"),
    );
  } catch {
    return false;
  }
}

/** The signature file served at GET /v1/reports/{id}/signature and read by `report verify --signature`. */
export interface ReportSignatureDocument {
  statement: ReportStatement;
  /** Base64 Ed25519 signature over `statementText(statement)`; null when the report was not signed. */
  signature: string | null;
  algorithm: "ed25519";
  keyId: string | null;
  publicKey: string | null;
}
