// A report's seal in the database: its hash, signed statement and signature on the
// report row, and the `report.sign` audit events that anchor a hash in the tamper-evident log.
import type { Database, Tx } from "../../db/prisma.js";

export interface ReportSeal {
  sha256: string;
  statement: string;
  signature: string | null;
}

export interface AnchorRecord {
  auditEventId: string;
  occurredAt: Date;
  reportId: string | null;
  sha256: string;
  sizeBytes: number | null;
  format: string | null;
  keyId: string | null;
}

export function createReportSealRepository(db: Database) {
  const client = db.client;
  return {
    /** Marks the report ready with its seal (in the caller's transaction, with the audit event). */
    async seal(id: string, seal: ReportSeal, now: Date, tx: Tx): Promise<void> {
      await tx.$executeRaw`UPDATE reports SET status = 'ready', progress = 100, stage = 'ready', finished_at = ${now},
        sha256 = ${seal.sha256}, statement = ${seal.statement}, signature = ${seal.signature}
        WHERE id = ${id}::uuid`;
    },

    async sealOf(id: string): Promise<(ReportSeal & { sizeBytes: number }) | undefined> {
      const rows = await client.$queryRaw<
        Array<{ sha256: string | null; statement: string | null; signature: string | null; size_bytes: bigint }>
      >`SELECT sha256, statement, signature, size_bytes FROM reports WHERE id = ${id}::uuid`;
      const r = rows[0];
      if (r?.sha256 == null || r.statement === null) return undefined;
      return { sha256: r.sha256, statement: r.statement, signature: r.signature, sizeBytes: Number(r.size_bytes) };
    },

    /** The audit events that anchored this hash (action report.sign), oldest first. */
    async anchors(sha256: string): Promise<AnchorRecord[]> {
      const rows = await client.$queryRaw<
        Array<{
          id: bigint;
          occurred_at: Date;
          target_id: string | null;
          size: string | null;
          format: string | null;
          key_id: string | null;
        }>
      >`SELECT id, occurred_at, target_id, after->>'sizeBytes' AS size, after->>'format' AS format,
               after->>'keyId' AS key_id
        FROM audit_events
        WHERE action = 'report.sign' AND target_type = 'report' AND after->>'sha256' = ${sha256}
        ORDER BY id`;
      return rows.map((r) => ({
        auditEventId: r.id.toString(),
        occurredAt: r.occurred_at,
        reportId: r.target_id,
        sha256,
        sizeBytes: r.size === null ? null : Number(r.size),
        format: r.format,
        keyId: r.key_id,
      }));
    },
  };
}

export type ReportSealRepository = ReturnType<typeof createReportSealRepository>;
