// What the invocation analysis reads besides the events: the organization tree (catalog scopes
// match an account's lineage), the catalog's version timeline (to evaluate events per interval in
// which the desired state did not change), and the findings it writes (UNAPPROVED_INVOCATION).
import type { Database } from "../../db/prisma.js";

export const UNAPPROVED_INVOCATION = "UNAPPROVED_INVOCATION";

export interface UnapprovedFinding {
  key: string;
  accountId: string;
  region: string;
  modelId: string | null;
  detail: string;
  evidence: Record<string, unknown>;
  firstEventAt: Date;
  lastEventAt: Date;
}

export function createAnalysisRepository(db: Database) {
  const client = db.client;
  return {
    /** Every account (also those that left: events outlive membership) → account, OUs…, root. */
    async lineages(): Promise<Map<string, string[]>> {
      const [accounts, nodes] = await Promise.all([
        client.account.findMany({ select: { id: true, parentId: true } }),
        client.orgNode.findMany({ select: { id: true, parentId: true } }),
      ]);
      const parents = new Map(nodes.map((n) => [n.id, n.parentId]));
      const out = new Map<string, string[]>();
      for (const a of accounts) {
        const chain = [a.id];
        for (let at = a.parentId; at && !chain.includes(at); at = parents.get(at) ?? null) chain.push(at);
        out.set(a.id, chain);
      }
      return out;
    },

    /** Times in (from, to) at which desired state changed: catalog versions, access grants starting or ending. */
    async catalogChangePoints(from: Date, to: Date): Promise<Date[]> {
      const rows = await client.$queryRaw<{ at: Date }[]>`
        SELECT DISTINCT at FROM (
          SELECT valid_from AS at FROM catalog_versions WHERE valid_from > ${from} AND valid_from < ${to}
          UNION SELECT valid_to FROM catalog_versions WHERE valid_to > ${from} AND valid_to < ${to}
          -- Access grants are part of desired state: their start, expiry and end split intervals too.
          UNION SELECT valid_from FROM access_grants WHERE valid_from > ${from} AND valid_from < ${to}
          UNION SELECT expires_at FROM access_grants WHERE expires_at > ${from} AND expires_at < ${to}
          UNION SELECT ended_at FROM access_grants WHERE ended_at > ${from} AND ended_at < ${to}
        ) t ORDER BY at`;
      return rows.map((r) => r.at);
    },

    /**
     * Records unapproved invocations: one finding per account, Region and model as invoked. Seen
     * again: the event range widens; a resolved finding re-opens only for events after its
     * resolution; a suppression holds until it expires.
     */
    async upsertUnapproved(
      findings: readonly UnapprovedFinding[],
      now: Date,
    ): Promise<{ created: number; updated: number }> {
      if (findings.length === 0) return { created: 0, updated: 0 };
      const rows = JSON.stringify(
        findings.map((f) => ({
          key: f.key,
          account_id: f.accountId,
          region: f.region,
          model_id: f.modelId,
          detail: f.detail,
          evidence: f.evidence,
          first_at: f.firstEventAt.toISOString(),
          last_at: f.lastEventAt.toISOString(),
        })),
      );
      const out = await client.$queryRaw<{ inserted: boolean }[]>`
        WITH input AS (
          SELECT * FROM jsonb_to_recordset(${rows}::jsonb) AS x(
            key text, account_id text, region text, model_id text, detail text, evidence jsonb,
            first_at timestamptz, last_at timestamptz)
        )
        INSERT INTO findings AS f (key, type, severity, status, account_id, region, model_id, gate, detail, evidence,
          first_seen_at, last_seen_at)
        SELECT key, ${UNAPPROVED_INVOCATION}, 'high', 'open', account_id, region, model_id, NULL, detail, evidence,
          first_at, last_at
        FROM input
        ON CONFLICT (key) DO UPDATE SET
          detail = EXCLUDED.detail,
          evidence = EXCLUDED.evidence,
          first_seen_at = LEAST(f.first_seen_at, EXCLUDED.first_seen_at),
          last_seen_at = GREATEST(f.last_seen_at, EXCLUDED.last_seen_at),
          status = CASE
            WHEN f.status = 'suppressed' AND (f.suppressed_until IS NULL OR f.suppressed_until > ${now})
              THEN 'suppressed'::"FindingStatus"
            WHEN f.status = 'resolved' AND EXCLUDED.last_seen_at <= f.resolved_at THEN 'resolved'::"FindingStatus"
            ELSE 'open'::"FindingStatus" END,
          resolved_at = CASE
            WHEN f.status = 'resolved' AND EXCLUDED.last_seen_at <= f.resolved_at THEN f.resolved_at ELSE NULL END
        RETURNING (xmax = 0) AS inserted`;
      const created = out.filter((r) => r.inserted).length;
      return { created, updated: out.length - created };
    },
  };
}

export type AnalysisRepository = ReturnType<typeof createAnalysisRepository>;
