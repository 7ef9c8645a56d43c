// Sealing a rendered report (hash anchored in the audit log, statement signed) and the evidence
// auditors read back: the signature document, the public key, and whether a hash is anchored.

import type { Database } from "../../db/prisma.js";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../kernel/errors.js";
import { type CallContext, hasRole, SYSTEM_PRINCIPAL } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import type { AuditService } from "../audit/audit.service.js";
import type { AuditVerification } from "../audit/audit.types.js";
import type { AnchorRecord, ReportSealRepository } from "./report-seal.repository.js";
import {
  type ReportSignatureDocument,
  type ReportSigner,
  type ReportStatement,
  statementText,
} from "./report-signing.js";
import type { ReportsRepository } from "./reports.repository.js";
import type { Report } from "./reports.types.js";

export interface HashVerification {
  sha256: string;
  /** At least one `report.sign` audit event records this hash. */
  anchored: boolean;
  anchors: Array<Omit<AnchorRecord, "occurredAt"> & { occurredAt: string }>;
  /** The audit chain recomputed now: an anchor in a broken chain proves nothing. */
  chain: AuditVerification;
}

export function createReportEvidenceService(deps: {
  db: Database;
  repo: ReportSealRepository;
  reports: ReportsRepository;
  audit: AuditService;
  signer: ReportSigner | undefined;
  clock: Clock;
}) {
  const { repo, signer } = deps;
  const reader = (ctx: CallContext) => {
    if (!hasRole(ctx.principal, "auditor")) throw new ForbiddenError("report evidence needs the auditor or admin role");
  };

  return {
    /**
     * Marks a rendered report ready with its SHA-256, writing the hash into the audit log in the
     * same transaction (so a ready report always has its anchor), and signs its statement.
     */
    async seal(report: Report, rendered: { sha256: string; sizeBytes: number; generatedAt: Date }): Promise<void> {
      const statement: ReportStatement = {
        type: "bedrock-governor.report/v1",
        reportId: report.id,
        format: report.format,
        sha256: rendered.sha256,
        sizeBytes: rendered.sizeBytes,
        generatedAt: rendered.generatedAt.toISOString(),
        keyId: signer?.keyId ?? null,
      };
      const signature = signer ? signer.sign(statement) : null;
      await deps.db.transaction(async (tx) => {
        await repo.seal(
          report.id,
          { sha256: rendered.sha256, statement: statementText(statement), signature },
          deps.clock.now(),
          tx,
        );
        await deps.audit.record(
          { principal: SYSTEM_PRINCIPAL },
          {
            action: "report.sign",
            targetType: "report",
            targetId: report.id,
            after: {
              sha256: rendered.sha256,
              sizeBytes: rendered.sizeBytes,
              format: report.format,
              generatedAt: statement.generatedAt,
              keyId: statement.keyId,
              signed: signature !== null,
            },
          },
          tx,
        );
      });
    },

    /** The public key reports are signed with; null fields when no REPORT_SIGNING_KEY is configured. */
    signingKey(ctx: CallContext): { algorithm: "ed25519"; keyId: string | null; publicKey: string | null } {
      reader(ctx);
      return { algorithm: "ed25519", keyId: signer?.keyId ?? null, publicKey: signer?.publicKeyPem ?? null };
    },

    /** The detached signature of a ready report, with the statement it covers. */
    async signature(ctx: CallContext, id: string): Promise<ReportSignatureDocument> {
      reader(ctx);
      const report = /^[0-9a-f-]{36}$/i.test(id) ? await deps.reports.byId(id) : undefined;
      if (!report) throw new NotFoundError(`report ${id} not found`);
      const seal = await repo.sealOf(id);
      if (report.status !== "ready" || seal === undefined)
        throw new ConflictError(
          `report ${id} is ${report.status}`,
          { reportStatus: report.status },
          "REPORT_NOT_READY",
        );
      const statement = JSON.parse(seal.statement) as ReportStatement;
      // The public key is the one that signed, when it is still the configured one.
      const current = signer !== undefined && signer.keyId === statement.keyId;
      return {
        statement,
        signature: seal.signature,
        algorithm: "ed25519",
        keyId: statement.keyId,
        publicKey: current ? (signer?.publicKeyPem ?? null) : null,
      };
    },

    /** Whether a hash is anchored in the audit log, and whether the chain holding it is intact. */
    async verifyHash(ctx: CallContext, sha256: string): Promise<HashVerification> {
      reader(ctx);
      if (!/^[0-9a-f]{64}$/.test(sha256))
        throw new ValidationError("sha256 must be 64 lowercase hex digits", [
          { field: "query.sha256", message: "not a SHA-256 in hex" },
        ]);
      const anchors = await repo.anchors(sha256);
      const chain = await deps.audit.verify(ctx);
      return {
        sha256,
        anchored: anchors.length > 0,
        anchors: anchors.map((a) => ({ ...a, occurredAt: a.occurredAt.toISOString() })),
        chain,
      };
    },
  };
}

export type ReportEvidenceService = ReturnType<typeof createReportEvidenceService>;
