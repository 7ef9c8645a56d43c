// The model views of the inventory: one account-Region's model-access matrix, and where a model
// is offered or routed to across the organization. Hot paths: prepared statements via `db.read`.
import type { Database } from "../../db/prisma.js";
import { Prisma } from "../../generated/prisma/client.js";
import type {
  AccountRegionSyncStatus,
  ModelAvailabilityAccess,
  ModelAvailabilityRow,
  ModelMatrixFilter,
  ModelMatrixRow,
  ProfileRoute,
  RegionMatrixFilter,
  RegionMatrixRow,
  StoredVerdict,
} from "./inventory-query.types.js";
import { ACCESS_SQL, isoSql } from "./inventory-sql.repository.js";

/** The engine's stored verdict (a `model_verdicts` row under `alias`) as the API shows it. */
const verdictJson = (alias: string) =>
  Prisma.raw(`json_build_object(
  'status', ${alias}.status, 'via', ${alias}.via, 'gate', ${alias}.gate, 'reason', ${alias}.reason, 'paths', ${alias}.paths,
  'computedAt', to_char(${alias}.computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`);

/** The verdict of the joined `model_verdicts v` (null: not judged yet). */
const VERDICT_SQL = Prisma.sql`CASE WHEN v.model_id IS NULL THEN NULL ELSE ${verdictJson("v")} END`;

/** The stored verdict of the model in the key's account-Region when only a profile routes to it. */
const VERDICT_OF_KEY = (modelId: string) => Prisma.sql`(SELECT ${verdictJson("mv")}
  FROM model_verdicts mv WHERE mv.account_id = k.account_id AND mv.region = k.region AND mv.model_id = ${modelId})`;

/**
 * A cell of the Region matrix: U usable directly, P usable through another path (an inference
 * profile, bedrock-mantle, Claude Platform), B blocked at a gate, Q the engine could not decide,
 * N offered but not judged yet. A model not offered to the account has no cell (not offered).
 */
const CELL_CODE_SQL = Prisma.sql`CASE
  WHEN v.model_id IS NULL THEN 'N'
  WHEN v.status = 'usable' AND v.via = 'direct' THEN 'U'
  WHEN v.status = 'usable' THEN 'P'
  WHEN v.status = 'blocked' THEN 'B'
  ELSE 'Q' END`;

/** Models of one account-Region with derived access and routing profiles; keyset on model id. */
export const modelMatrixSql = (
  accountId: string,
  region: string,
  filter: ModelMatrixFilter,
  limit: number,
  afterModelId?: string,
) => Prisma.sql`
    WITH profiles AS (
      SELECT mid AS model_id, array_agg(ip.profile_id ORDER BY ip.profile_id) AS ids
      FROM inference_profiles ip CROSS JOIN LATERAL unnest(ip.model_ids) AS mid
      WHERE ip.account_id = ${accountId} AND ip.region = ${region}
      GROUP BY mid
    ),
    matrix AS (
      SELECT m.*, ${ACCESS_SQL} AS access, coalesce(p.ids, '{}') AS profiles, ${VERDICT_SQL} AS verdict,
        coalesce(v.status, 'not_judged') AS verdict_status
      FROM model_access m LEFT JOIN profiles p ON p.model_id = m.model_id
      LEFT JOIN model_verdicts v ON v.account_id = m.account_id AND v.region = m.region AND v.model_id = m.model_id
      WHERE m.account_id = ${accountId} AND m.region = ${region}
        AND (${filter.provider ?? null}::text IS NULL OR lower(m.provider) = lower(${filter.provider ?? null}))
        AND (${afterModelId ?? null}::text IS NULL OR m.model_id > ${afterModelId ?? null})
    )
    SELECT model_id AS "modelId", model_name AS "modelName", provider, lifecycle_status AS "lifecycleStatus",
      ${isoSql(Prisma.sql`legacy_time`)} AS "legacyTime", ${isoSql(Prisma.sql`end_of_life_time`)} AS "endOfLifeTime",
      to_json(inference_types) AS "inferenceTypes", to_json(input_modalities) AS "inputModalities",
      to_json(output_modalities) AS "outputModalities", agreement_status AS "agreementStatus",
      agreement_error AS "agreementError", authorization_status AS "authorizationStatus",
      entitlement_availability AS "entitlementAvailability", region_availability AS "regionAvailability",
      offer_count AS "offerCount", to_json(profiles) AS profiles, access, verdict
    FROM matrix
    WHERE (${filter.access ?? null}::text IS NULL OR access = ${filter.access ?? null})
      AND (${filter.verdict ?? null}::text IS NULL OR verdict_status = ${filter.verdict ?? null})
    ORDER BY model_id LIMIT ${limit + 1}`;

/** Whether any account-Region offers the model or routes to it through a profile. */
export const modelKnownSql = (modelId: string) => Prisma.sql`
    SELECT EXISTS (SELECT 1 FROM model_access WHERE model_id = ${modelId})
      OR EXISTS (SELECT 1 FROM inference_profiles WHERE model_ids @> ARRAY[${modelId}]::text[]) AS known`;

export interface ModelAvailabilityDbRow {
  account_id: string;
  account_name: string;
  region: string;
  sync_status: AccountRegionSyncStatus;
  access: ModelAvailabilityAccess;
  via_profiles: ProfileRoute[];
  verdict: StoredVerdict | null;
}

/** Where the model is offered or routed to; keyset on (account id, Region). `limit + 1` rows. */
export const modelAvailabilitySql = (
  modelId: string,
  limit: number,
  after?: { accountId: string; region: string },
) => Prisma.sql`
    WITH offered AS (
      -- Keyset inside: an index range scan on (model_id, account_id, region) that stops after
      -- one page, however deep the page (hw_model_access_model_keyset).
      SELECT m.account_id, m.region, ${ACCESS_SQL} AS access, ${VERDICT_SQL} AS verdict
      FROM model_access m JOIN accounts a ON a.id = m.account_id AND a.left_at IS NULL
      LEFT JOIN model_verdicts v ON v.account_id = m.account_id AND v.region = m.region AND v.model_id = m.model_id
      WHERE m.model_id = ${modelId}
        AND (${after?.accountId ?? null}::text IS NULL
          OR (m.account_id, m.region) > (${after?.accountId ?? null}::text, ${after?.region ?? null}::text))
      ORDER BY m.account_id, m.region LIMIT ${limit + 1}
    ),
    via AS (
      SELECT ip.account_id, ip.region,
        jsonb_agg(jsonb_build_object('profileId', ip.profile_id, 'isGlobal', ip.is_global,
          'destinationRegions', coalesce(ip.destination_regions, '{}')) ORDER BY ip.profile_id) AS profiles
      FROM inference_profiles ip JOIN accounts a ON a.id = ip.account_id AND a.left_at IS NULL
      WHERE ip.model_ids @> ARRAY[${modelId}]::text[]
        AND (${after?.accountId ?? null}::text IS NULL
          OR (ip.account_id, ip.region) > (${after?.accountId ?? null}::text, ${after?.region ?? null}::text))
      GROUP BY ip.account_id, ip.region
      ORDER BY ip.account_id, ip.region LIMIT ${limit + 1}
    ),
    keys AS (SELECT account_id, region FROM offered UNION SELECT account_id, region FROM via)
    SELECT k.account_id, a.name AS account_name, k.region, coalesce(ar.status, 'never') AS sync_status,
      coalesce(o.access, 'via_profile') AS access, coalesce(v.profiles, '[]'::jsonb) AS via_profiles,
      coalesce(o.verdict, ${VERDICT_OF_KEY(modelId)}) AS verdict
    FROM keys k
    JOIN accounts a ON a.id = k.account_id AND a.left_at IS NULL
    LEFT JOIN account_regions ar ON ar.account_id = k.account_id AND ar.region = k.region
    LEFT JOIN offered o ON o.account_id = k.account_id AND o.region = k.region
    LEFT JOIN via v ON v.account_id = k.account_id AND v.region = k.region
    WHERE ${after?.accountId ?? null}::text IS NULL
      OR (k.account_id, k.region) > (${after?.accountId ?? null}::text, ${after?.region ?? null}::text)
    ORDER BY k.account_id, k.region LIMIT ${limit + 1}`;

export function createModelViewRepository(db: Database) {
  return {
    /** Models of one account-Region with derived access and routing profiles; keyset on model id. */
    async listModelMatrix(
      accountId: string,
      region: string,
      filter: ModelMatrixFilter,
      limit: number,
      afterModelId?: string,
    ): Promise<ModelMatrixRow[]> {
      // Rows leave PostgreSQL in the response's shape (ISO times, arrays as JSON): up to a few
      // hundred rows a page, read often, with no per-row work left here.
      return db.read<ModelMatrixRow>(modelMatrixSql(accountId, region, filter, limit, afterModelId));
    },

    /**
     * One Region's accounts × models verdicts, one row per account (accounts still in the
     * organization, by id; keyset on id), each cell a one-letter code: one statement per page.
     * An account without the Region in the inventory has no cells. Reads `limit + 1` rows.
     */
    async listRegionMatrix(
      region: string,
      filter: RegionMatrixFilter,
      limit: number,
      afterId?: string,
    ): Promise<RegionMatrixRow[]> {
      return db.read<RegionMatrixRow>(Prisma.sql`
        WITH page AS (
          SELECT a.id, a.name, a.path FROM accounts a
          WHERE a.left_at IS NULL
            AND (${afterId ?? null}::text IS NULL OR a.id > ${afterId ?? null})
            AND (${filter.ouId ?? null}::text IS NULL OR EXISTS (SELECT 1 FROM org_nodes o WHERE o.id = ${filter.ouId ?? null}
              AND (a.parent_id = o.id OR starts_with(a.path, o.path || '/'))))
          ORDER BY a.id LIMIT ${limit + 1}
        )
        SELECT p.id AS "accountId", p.name AS "accountName", p.path,
          coalesce(jsonb_object_agg(m.model_id, ${CELL_CODE_SQL}) FILTER (WHERE m.model_id IS NOT NULL), '{}')
            AS cells,
          coalesce(jsonb_object_agg(m.model_id, m.provider) FILTER (WHERE m.model_id IS NOT NULL), '{}')
            AS providers,
          (SELECT array_agg(DISTINCT r.region ORDER BY r.region) FROM account_regions r) AS regions
        FROM page p
        LEFT JOIN model_access m ON m.account_id = p.id AND m.region = ${region}
          AND (${filter.provider ?? null}::text IS NULL OR lower(m.provider) = lower(${filter.provider ?? null}))
        LEFT JOIN model_verdicts v ON v.account_id = m.account_id AND v.region = m.region AND v.model_id = m.model_id
        GROUP BY p.id, p.name, p.path
        ORDER BY p.id`);
    },

    /** Whether any account-Region offers the model or routes to it through a profile. */
    async modelKnown(modelId: string): Promise<boolean> {
      const [row] = await db.read<{ known: boolean }>(modelKnownSql(modelId));
      return row?.known === true;
    },

    /**
     * Every account-Region (of accounts still in the organization) where the model is offered or a
     * profile routes to it; keyset on (account id, Region). Reads `limit + 1` rows.
     */
    async listModelAvailability(
      modelId: string,
      limit: number,
      after?: { accountId: string; region: string },
    ): Promise<ModelAvailabilityRow[]> {
      const rows = await db.read<ModelAvailabilityDbRow>(modelAvailabilitySql(modelId, limit, after));
      return rows.map((r) => ({
        accountId: r.account_id,
        accountName: r.account_name,
        region: r.region,
        syncStatus: r.sync_status,
        access: r.access,
        viaProfiles: r.via_profiles,
        verdict: r.verdict,
      }));
    },
  };
}

export type ModelViewRepository = ReturnType<typeof createModelViewRepository>;
