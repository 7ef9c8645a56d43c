// Report jobs and their chunked output, and the report's data read with server-side cursors so a
// report over any number of rows holds one batch at a time.
import { copyOutBytes } from "../../db/copy.js";
import type { Database, PrismaClient, Tx } from "../../db/prisma.js";
import { nameOf } from "./report-evidence.repository.js";
import type { Cell, Report, ReportFormat, ReportOptions, ReportScope, ReportStatus } from "./reports.types.js";

interface ReportDb {
  id: string;
  format: string;
  status: string;
  period_from: Date;
  period_to: Date;
  scope_kind: string;
  scope_id: string | null;
  options: unknown;
  requested_by: string;
  created_at: Date;
  finished_at: Date | null;
  progress: number;
  stage: string;
  size_bytes: bigint;
  error: string | null;
  sha256: string | null;
  schedule_id: string | null;
}

const toReport = (r: ReportDb): Report => ({
  id: r.id,
  format: r.format as ReportFormat,
  status: r.status as ReportStatus,
  from: r.period_from,
  to: r.period_to,
  scope:
    r.scope_kind === "organization" || r.scope_id === null
      ? { kind: "organization" }
      : { kind: r.scope_kind as "ou" | "account", id: r.scope_id },
  options: (r.options as ReportOptions | null) ?? {},
  requestedBy: r.requested_by,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  progress: r.progress,
  stage: r.stage,
  sizeBytes: Number(r.size_bytes),
  error: r.error,
  sha256: r.sha256,
  scheduleId: r.schedule_id,
});

/**
 * Rows per FETCH. Small enough that a batch dies young: while the renderer awaits the sink, the
 * batch survives scavenges, and what survives two is promoted to the old generation, which V8's
 * default heap policy leaves to grow for a long time before a full collection.
 */
const BATCH = 500;

/** Access-request audit entries (`decisionRecord`) list accounts and Regions as arrays, joined for a cell. */
const ACCOUNTS =
  "(SELECT string_agg(v, ' ') FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(after->'accountIds') = 'array' THEN after->'accountIds' END) AS v)";
const REGIONS =
  "(SELECT string_agg(v, ' ') FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(after->'regions') = 'array' THEN after->'regions' END) AS v)";

export function createReportsRepository(db: Database) {
  const client: PrismaClient = db.client;

  /** Rows of a query through a server-side cursor, `BATCH` at a time, as arrays in column order. */
  async function* stream(sql: string, params: unknown[]): AsyncGenerator<Cell[]> {
    const c = await db.pgPool().connect();
    let open = false;
    try {
      await c.query("BEGIN READ ONLY");
      open = true;
      await c.query(`DECLARE report_rows NO SCROLL CURSOR FOR ${sql}`, params);
      for (;;) {
        const res = await c.query({ text: `FETCH ${BATCH} FROM report_rows`, rowMode: "array" });
        for (const row of res.rows as unknown[][]) yield row.map(cell);
        if (res.rows.length < BATCH) break;
      }
      await c.query("COMMIT");
      open = false;
    } finally {
      if (open) await c.query("ROLLBACK").catch(() => undefined);
      c.release();
    }
  }

  const cell = (v: unknown): Cell => {
    if (v === null || v === undefined) return null;
    if (v instanceof Date) return v.toISOString();
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
    if (typeof v === "bigint") return Number(v);
    if (Array.isArray(v)) return v.join(" ");
    return JSON.stringify(v);
  };

  return {
    stream,

    async create(
      r: {
        id: string;
        format: ReportFormat;
        from: Date;
        to: Date;
        scope: ReportScope;
        options: ReportOptions;
        requestedBy: string;
        now: Date;
        scheduleId?: string;
      },
      tx: Tx,
    ): Promise<Report> {
      const scopeId = r.scope.kind === "organization" ? null : r.scope.id;
      const rows = await tx.$queryRaw<ReportDb[]>`
        INSERT INTO reports (id, format, period_from, period_to, scope_kind, scope_id, options, requested_by, created_at, schedule_id)
        VALUES (${r.id}::uuid, ${r.format}::"ReportFormat", ${r.from}, ${r.to}, ${r.scope.kind}, ${scopeId},
          ${JSON.stringify(r.options)}::jsonb, ${r.requestedBy}, ${r.now}, ${r.scheduleId ?? null}::uuid)
        RETURNING *`;
      return toReport(rows[0] as ReportDb);
    },

    /** Newest first, `limit + 1` rows after the keyset (createdAt, id). */
    async list(limit: number, after?: { createdAt: Date; id: string }): Promise<Report[]> {
      const rows = after
        ? await client.$queryRaw<
            ReportDb[]
          >`SELECT * FROM reports WHERE (created_at, id) < (${after.createdAt}, ${after.id}::uuid)
            ORDER BY created_at DESC, id DESC LIMIT ${limit + 1}`
        : await client.$queryRaw<
            ReportDb[]
          >`SELECT * FROM reports ORDER BY created_at DESC, id DESC LIMIT ${limit + 1}`;
      return rows.map(toReport);
    },

    async byId(id: string): Promise<Report | undefined> {
      const rows = await client.$queryRaw<ReportDb[]>`SELECT * FROM reports WHERE id = ${id}::uuid`;
      return rows[0] === undefined ? undefined : toReport(rows[0]);
    },

    /** Starts (or restarts, after a crash) rendering: earlier output is dropped. */
    async start(id: string): Promise<void> {
      await client.$transaction(async (tx) => {
        await tx.$executeRaw`DELETE FROM report_chunks WHERE report_id = ${id}::uuid`;
        await tx.$executeRaw`UPDATE reports SET status = 'running', progress = 0, stage = 'starting', size_bytes = 0, error = NULL,
          sha256 = NULL, statement = NULL, signature = NULL
          WHERE id = ${id}::uuid`;
      });
    },

    async progress(id: string, progress: number, stage: string): Promise<void> {
      await client.$executeRaw`UPDATE reports SET progress = ${Math.round(progress)}, stage = ${stage} WHERE id = ${id}::uuid`;
    },

    /** Stores one chunk (node-postgres sends the bytes as a binary parameter: no text copies). */
    async appendChunk(id: string, seq: number, data: Buffer): Promise<void> {
      await db.pgPool().query(
        `WITH c AS (INSERT INTO report_chunks (report_id, seq, data) VALUES ($1, $2, $3) RETURNING 1)
         UPDATE reports SET size_bytes = size_bytes + $4 WHERE id = $1`,
        [id, seq, data, data.length],
      );
    },

    async fail(id: string, error: string, now: Date): Promise<void> {
      await client.$executeRaw`UPDATE reports SET status = 'failed', stage = 'failed', error = ${error.slice(0, 2048)},
        finished_at = ${now} WHERE id = ${id}::uuid`;
    },

    /** The output's bytes in order, streamed by a binary COPY (no hex text of each chunk). */
    async *chunks(id: string): AsyncGenerator<Buffer> {
      const c = await db.pgPool().connect();
      let done = false;
      try {
        const select = `SELECT data FROM report_chunks WHERE report_id = ${c.escapeLiteral(id)}::uuid ORDER BY seq`;
        yield* copyOutBytes(c, select);
        done = true;
      } finally {
        c.release(!done); // a COPY left half-read: the connection is dropped, not reused
      }
    },

    /** Account ids under an OU or the root (by path), or undefined when the node is unknown. */
    async accountsUnder(nodeId: string): Promise<string[] | undefined> {
      const node = await client.orgNode.findUnique({ where: { id: nodeId }, select: { path: true } });
      if (!node) return undefined;
      const rows = await client.$queryRaw<{ id: string }[]>`
        SELECT id FROM accounts WHERE path = ${node.path} OR path LIKE ${`${node.path}/%`} ORDER BY id`;
      return rows.map((r) => r.id);
    },

    async accountExists(id: string): Promise<boolean> {
      const rows = await client.$queryRaw<unknown[]>`SELECT 1 FROM accounts WHERE id = ${id}`;
      return rows.length > 0;
    },

    /** Catalog versions in force at some point of [from, to), with the name of who changed them. */
    async catalogVersions(from: Date, to: Date) {
      const res = await db.pgPool().query<{
        entry_id: string;
        version: number;
        data: Record<string, unknown>;
        valid_from: Date;
        valid_to: Date | null;
        changed_by: string;
        changed_by_name: string;
        reason: string;
      }>(
        `SELECT entry_id, version, data, valid_from, valid_to, changed_by, ${nameOf("cv.changed_by")} AS changed_by_name, reason
         FROM catalog_versions cv
         WHERE valid_from < $2 AND (valid_to IS NULL OR valid_to > $1) AND op <> 'deleted'
         ORDER BY entry_id, version`,
        [from, to],
      );
      return res.rows;
    },

    /** Findings opened or closed in the period, oldest first. */
    findingRows(from: Date, to: Date, accountIds: readonly string[] | null): AsyncIterable<Cell[]> {
      return stream(
        `SELECT type, severity, status::text, account_id, region, model_id, gate, first_seen_at, resolved_at,
                round((extract(epoch FROM resolved_at - first_seen_at) / 3600)::numeric, 2)::float8 AS hours_to_resolve,
                detail
         FROM findings
         WHERE ((first_seen_at >= $1 AND first_seen_at < $2) OR (resolved_at >= $1 AND resolved_at < $2))
           AND ($3::text[] IS NULL OR account_id = ANY($3))
         ORDER BY first_seen_at, id`,
        [from, to, accountIds === null ? null : [...accountIds]],
      );
    },

    /**
     * Access-request events of the service's audit log, as the workflow records them
     * (`decisionRecord` in modules/requests: request, accounts, Regions, model, requester,
     * decision, approver and comment in `after`).
     */
    accessRequestRows(from: Date, to: Date, accountIds: readonly string[] | null): AsyncIterable<Cell[]> {
      return stream(
        `SELECT occurred_at, action, coalesce(after->>'requestId', target_id) AS request_id,
                ${ACCOUNTS} AS account_id, ${REGIONS} AS region, after->>'model' AS model,
                ${nameOf("(e.after->>'requesterId')")} AS requester, after->>'requesterId' AS requester_id,
                after->>'decision' AS decision,
                CASE WHEN after->>'approverId' IS NOT NULL THEN ${nameOf("(e.after->>'approverId')")} END AS approver,
                after->>'approverId' AS approver_id, after->>'comment' AS comment,
                ${nameOf("e.actor_id")} AS actor, e.actor_id,
                coalesce(coalesce(after->>'approverPerson', after->>'approverId')
                         = coalesce(after->>'requesterPerson', after->>'requesterId'), false) AS self_approved
         FROM audit_events e
         WHERE action LIKE 'access\\_request.%' AND occurred_at >= $1 AND occurred_at < $2
           AND ($3::text[] IS NULL OR after->'accountIds' ?| $3::text[])
         ORDER BY occurred_at, id`,
        [from, to, accountIds === null ? null : [...accountIds]],
      );
    },

    /** Remediations applied (audit actions remediation.apply / remediation.change). */
    remediationRows(from: Date, to: Date, accountIds: readonly string[] | null): AsyncIterable<Cell[]> {
      return stream(
        `SELECT e.occurred_at, e.action, ${nameOf("e.actor_id")} AS actor, e.actor_id, e.target_id,
                e.after->>'accountId' AS account_id, e.after
         FROM audit_events e
         WHERE action IN ('remediation.apply', 'remediation.change') AND occurred_at >= $1 AND occurred_at < $2
           AND ($3::text[] IS NULL OR after->>'accountId' IS NULL OR after->>'accountId' = ANY($3))
         ORDER BY occurred_at, id`,
        [from, to, accountIds === null ? null : [...accountIds]],
      );
    },

    /** UNAPPROVED_INVOCATION findings whose events fall in the period. */
    unapprovedRows(from: Date, to: Date, accountIds: readonly string[] | null): AsyncIterable<Cell[]> {
      return stream(
        `SELECT account_id, region, model_id, evidence->>'baseModelId' AS base_model_id,
                (evidence->>'invocations')::int AS invocations, first_seen_at, last_seen_at,
                evidence->'principals' AS principals, status::text
         FROM findings
         WHERE type = 'UNAPPROVED_INVOCATION' AND last_seen_at >= $1 AND first_seen_at < $2
           AND ($3::text[] IS NULL OR account_id = ANY($3))
         ORDER BY account_id, region, model_id`,
        [from, to, accountIds === null ? null : [...accountIds]],
      );
    },

    /** Invocation counts by model, account or principal (bounded by their number, not by events). */
    usageRows(
      from: Date,
      to: Date,
      by: "model" | "account" | "principal",
      accountIds: readonly string[] | null,
    ): AsyncIterable<Cell[]> {
      const key = {
        model: "coalesce(base_model_id, model_id, '(unknown)')",
        account: "account_id",
        principal: "coalesce(principal_issuer_arn, '(unknown)')",
      }[by];
      return stream(
        `SELECT ${key} AS key, count(*)::int AS invocations, (count(*) - count(error_code))::int AS succeeded,
                count(error_code)::int AS failed, count(DISTINCT account_id)::int AS accounts,
                min(event_time) AS first_at, max(event_time) AS last_at
         FROM invocation_events
         WHERE event_time >= $1 AND event_time < $2 AND ($3::text[] IS NULL OR account_id = ANY($3))
         GROUP BY 1 ORDER BY 2 DESC, 1`,
        [from, to, accountIds === null ? null : [...accountIds]],
      );
    },

    /** Every invocation of the period, in time order. */
    eventRows(from: Date, to: Date, accountIds: readonly string[] | null): AsyncIterable<Cell[]> {
      return stream(
        `SELECT event_time, event_id, account_id, region, inference_region, event_name, principal_issuer_arn,
                model_id, base_model_id, error_code, bearer_token
         FROM invocation_events
         WHERE event_time >= $1 AND event_time < $2 AND ($3::text[] IS NULL OR account_id = ANY($3))
         ORDER BY event_time, event_id`,
        [from, to, accountIds === null ? null : [...accountIds]],
      );
    },

    /** Findings opened or closed in the period, by type: counts and time to resolve. */
    async findingSummary(from: Date, to: Date, accountIds: readonly string[] | null) {
      const ids = accountIds === null ? null : [...accountIds];
      return client.$queryRaw<
        Array<{ type: string; opened: bigint; closed: bigint; median_hours: number | null; max_hours: number | null }>
      >`
        SELECT type,
          count(*) FILTER (WHERE first_seen_at >= ${from} AND first_seen_at < ${to}) AS opened,
          count(*) FILTER (WHERE resolved_at >= ${from} AND resolved_at < ${to}) AS closed,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - first_seen_at) / 3600)
            FILTER (WHERE resolved_at >= ${from} AND resolved_at < ${to}) AS median_hours,
          max(extract(epoch FROM resolved_at - first_seen_at) / 3600)
            FILTER (WHERE resolved_at >= ${from} AND resolved_at < ${to}) AS max_hours
        FROM findings
        WHERE ((first_seen_at >= ${from} AND first_seen_at < ${to}) OR (resolved_at >= ${from} AND resolved_at < ${to}))
          AND (${ids}::text[] IS NULL OR account_id = ANY(${ids}::text[]))
        GROUP BY type ORDER BY type`;
    },
  };
}

export type ReportsRepository = ReturnType<typeof createReportsRepository>;
