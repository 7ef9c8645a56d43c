// The normalized invocations table (monthly partitions). Writes (invocation-events.writes.ts) are
// set-based: rows already stored are dropped, one COPY adds the rest (a race falls back to a
// staging table and INSERT … ON CONFLICT DO NOTHING), so a re-read window or the same event from
// both sources adds nothing. Reads aggregate in SQL.
import type { Database } from "../../db/prisma.js";
import { createInvocationWrites } from "./invocation-events.writes.js";

export { copyInto, copyLine, INVOCATION_COLUMNS } from "./invocation-events.writes.js";

import type { DeniedBurst, InvocationRow, UsageRow } from "./invocations.types.js";

interface EventDb {
  event_time: Date;
  event_id: string;
  account_id: string;
  region: string;
  inference_region: string;
  event_source: string;
  event_name: string;
  principal_type: string | null;
  principal_arn: string | null;
  principal_issuer_arn: string | null;
  model_id: string | null;
  profile_id: string | null;
  base_model_id: string | null;
  error_code: string | null;
  error_message: string | null;
  source_ip: string | null;
  user_agent: string | null;
  bearer_token: boolean;
}

export const toInvocationRow = (r: EventDb): InvocationRow => ({
  eventTime: r.event_time,
  eventId: r.event_id,
  accountId: r.account_id,
  region: r.region,
  inferenceRegion: r.inference_region,
  eventSource: r.event_source,
  eventName: r.event_name,
  principalType: r.principal_type,
  principalArn: r.principal_arn,
  principalIssuerArn: r.principal_issuer_arn,
  modelId: r.model_id,
  profileId: r.profile_id,
  baseModelId: r.base_model_id,
  errorCode: r.error_code,
  errorMessage: r.error_message,
  sourceIp: r.source_ip,
  userAgent: r.user_agent,
  bearerToken: r.bearer_token,
});

export interface EventFilter {
  from: Date;
  to: Date;
  accountId?: string;
  region?: string;
  modelId?: string;
  principalArn?: string;
  /** true: failed calls only; false: successful only. */
  failed?: boolean;
}

/** Successful invocations of one (account, Region, model as invoked) in a time range. */
export interface InvocationGroup {
  accountId: string;
  region: string;
  modelId: string | null;
  profileId: string | null;
  baseModelId: string | null;
  count: number;
  firstAt: Date;
  lastAt: Date;
  principals: string[];
  inferenceRegions: string[];
  sampleEventIds: string[];
}

export type UsageDimension = "model" | "account" | "principal" | "region";

const DIMENSION_SQL: Record<UsageDimension, string> = {
  model: "coalesce(base_model_id, model_id, '(unknown)')",
  account: "account_id",
  principal: "coalesce(principal_issuer_arn, '(unknown)')",
  region: "region",
};

export function createInvocationEventsRepository(db: Database) {
  const pool = () => db.pgPool();
  return {
    ...createInvocationWrites(pool),

    /** Events in a time range, newest first, after the (time, id) cursor. */
    async list(
      f: EventFilter,
      page: { limit: number; after?: { time: Date; id: string } },
      accountIds?: readonly string[],
    ): Promise<InvocationRow[]> {
      const { rows } = await pool().query<EventDb>(
        `SELECT * FROM invocation_events
         WHERE event_time >= $1 AND event_time < $2
           AND ($3::text IS NULL OR account_id = $3) AND ($4::text IS NULL OR region = $4)
           AND ($5::text IS NULL OR model_id = $5 OR base_model_id = $5 OR profile_id = $5)
           AND ($6::text IS NULL OR principal_arn = $6 OR principal_issuer_arn = $6)
           AND ($7::boolean IS NULL OR (error_code IS NOT NULL) = $7)
           AND ($8::timestamptz IS NULL OR (event_time, event_id) < ($8::timestamptz, $9::text))
           AND ($10::text[] IS NULL OR account_id = ANY($10))
         ORDER BY event_time DESC, event_id DESC LIMIT $11`,
        [
          f.from,
          f.to,
          f.accountId ?? null,
          f.region ?? null,
          f.modelId ?? null,
          f.principalArn ?? null,
          f.failed ?? null,
          page.after?.time ?? null,
          page.after?.id ?? null,
          accountIds === undefined ? null : [...accountIds],
          page.limit,
        ],
      );
      return rows.map(toInvocationRow);
    },

    /** Successful invocations grouped by account, Region and model as invoked. */
    async groups(from: Date, to: Date, accountIds?: readonly string[]): Promise<InvocationGroup[]> {
      const { rows } = await pool().query<{
        account_id: string;
        region: string;
        model_id: string | null;
        profile_id: string | null;
        base_model_id: string | null;
        count: string;
        first_at: Date;
        last_at: Date;
        principals: (string | null)[];
        inference_regions: string[];
        sample_ids: string[];
      }>(
        `SELECT account_id, region, model_id, profile_id, base_model_id, count(*) AS count,
                min(event_time) AS first_at, max(event_time) AS last_at,
                (array_agg(DISTINCT principal_issuer_arn))[1:10] AS principals,
                array_agg(DISTINCT inference_region) AS inference_regions,
                (array_agg(event_id ORDER BY event_time DESC))[1:5] AS sample_ids
         FROM invocation_events
         WHERE event_time >= $1 AND event_time < $2 AND error_code IS NULL
           AND ($3::text[] IS NULL OR account_id = ANY($3))
         GROUP BY account_id, region, model_id, profile_id, base_model_id`,
        [from, to, accountIds === undefined ? null : [...accountIds]],
      );
      return rows.map((r) => ({
        accountId: r.account_id,
        region: r.region,
        modelId: r.model_id,
        profileId: r.profile_id,
        baseModelId: r.base_model_id,
        count: Number(r.count),
        firstAt: r.first_at,
        lastAt: r.last_at,
        principals: r.principals.filter((p): p is string => p !== null),
        inferenceRegions: r.inference_regions,
        sampleEventIds: r.sample_ids,
      }));
    },

    /** Invocation counts by one dimension, most used first. */
    async usage(
      from: Date,
      to: Date,
      by: UsageDimension,
      opts: { accountIds?: readonly string[]; limit?: number } = {},
    ): Promise<UsageRow[]> {
      const key = DIMENSION_SQL[by];
      const { rows } = await pool().query<{
        key: string;
        invocations: string;
        errors: string;
        first_at: Date;
        last_at: Date;
      }>(
        `SELECT ${key} AS key, count(*) AS invocations, count(error_code) AS errors,
                min(event_time) AS first_at, max(event_time) AS last_at
         FROM invocation_events
         WHERE event_time >= $1 AND event_time < $2 AND ($3::text[] IS NULL OR account_id = ANY($3))
         GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $4`,
        [from, to, opts.accountIds === undefined ? null : [...opts.accountIds], opts.limit ?? 1000],
      );
      return rows.map((r) => ({
        key: r.key,
        invocations: Number(r.invocations),
        errors: Number(r.errors),
        firstAt: r.first_at,
        lastAt: r.last_at,
      }));
    },

    /**
     * Access-denied errors per principal, account, Region and model in fixed windows, where a
     * window holds at least `threshold` of them.
     */
    async deniedBursts(
      from: Date,
      to: Date,
      opts: { windowMinutes: number; threshold: number; accountIds?: readonly string[] },
    ): Promise<Array<Omit<DeniedBurst, "likelyGate">>> {
      const { rows } = await pool().query<{
        account_id: string;
        region: string;
        principal: string | null;
        model_id: string | null;
        base_model_id: string | null;
        window_start: Date;
        count: string;
        error_code: string;
        sample_message: string | null;
      }>(
        `SELECT account_id, region, principal_issuer_arn AS principal, model_id, base_model_id,
                to_timestamp(floor(extract(epoch FROM event_time) / $3) * $3) AS window_start,
                count(*) AS count, min(error_code) AS error_code, min(error_message) AS sample_message
         FROM invocation_events
         WHERE event_time >= $1 AND event_time < $2
           AND (error_code ILIKE '%AccessDenied%' OR error_code ILIKE '%Unauthorized%' OR error_code ILIKE '%Forbidden%')
           AND ($5::text[] IS NULL OR account_id = ANY($5))
         GROUP BY 1, 2, 3, 4, 5, 6
         HAVING count(*) >= $4
         ORDER BY window_start, account_id, region, principal, model_id`,
        [
          from,
          to,
          opts.windowMinutes * 60,
          opts.threshold,
          opts.accountIds === undefined ? null : [...opts.accountIds],
        ],
      );
      return rows.map((r) => ({
        accountId: r.account_id,
        region: r.region,
        principalArn: r.principal,
        modelId: r.model_id,
        baseModelId: r.base_model_id,
        windowStart: r.window_start,
        count: Number(r.count),
        errorCode: r.error_code,
        sampleMessage: r.sample_message,
      }));
    },

    /** Last successful use since `since` per (account, Region, base model, profile). */
    async lastUses(since: Date): Promise<
      Array<{
        accountId: string;
        region: string;
        baseModelId: string | null;
        profileId: string | null;
        lastAt: Date;
      }>
    > {
      const { rows } = await pool().query<{
        account_id: string;
        region: string;
        base_model_id: string | null;
        profile_id: string | null;
        last_at: Date;
      }>(
        `SELECT account_id, region, base_model_id, profile_id, max(event_time) AS last_at
         FROM invocation_events WHERE event_time >= $1 AND error_code IS NULL
         GROUP BY 1, 2, 3, 4`,
        [since],
      );
      return rows.map((r) => ({
        accountId: r.account_id,
        region: r.region,
        baseModelId: r.base_model_id,
        profileId: r.profile_id,
        lastAt: r.last_at,
      }));
    },
  };
}

export type InvocationEventsRepository = ReturnType<typeof createInvocationEventsRepository>;
