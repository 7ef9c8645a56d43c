// Current state of account-Regions (models, profiles, settings, sync status). The state service
// writes one account-Region in one transaction under its lock: it reads the current rows in one
// statement, diffs in memory, then writes with set-based statements (one per table) that it sends
// together (`writeTogether`), so a Region's 100 models cost the same three round trips as one.
import { advisoryLock, type Database, type Tx, writeTogether } from "../../db/prisma.js";
import { Prisma } from "../../generated/prisma/client.js";
import type {
  AccountRegionCurrent,
  AccountRegionSettings,
  AccountRegionSnapshot,
  InferenceProfileRow,
  JobOutcome,
  ModelAccessRow,
} from "./inventory.types.js";

/** A timestamp as a row gives it (Date), or as `json_agg` gives it (ISO 8601 text), in ISO form. */
const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** A model_access row as PostgreSQL returns it (timestamps as text when read through JSON). */
export interface ModelRowDb {
  model_id: string;
  model_name: string | null;
  provider: string;
  lifecycle_status: string | null;
  legacy_time: Date | string | null;
  public_extended_access_time: Date | string | null;
  end_of_life_time: Date | string | null;
  inference_types: string[];
  input_modalities: string[];
  output_modalities: string[];
  agreement_status: string | null;
  agreement_error: string | null;
  authorization_status: string | null;
  entitlement_availability: string | null;
  region_availability: string | null;
  offer_count: number | null;
  availability_error: string | null;
}

export function modelFromDb(r: ModelRowDb): ModelAccessRow {
  return {
    modelId: r.model_id,
    modelName: r.model_name,
    provider: r.provider,
    lifecycleStatus: r.lifecycle_status,
    legacyTime: iso(r.legacy_time),
    publicExtendedAccessTime: iso(r.public_extended_access_time),
    endOfLifeTime: iso(r.end_of_life_time),
    inferenceTypes: r.inference_types,
    inputModalities: r.input_modalities,
    outputModalities: r.output_modalities,
    agreementStatus: r.agreement_status,
    agreementError: r.agreement_error,
    authorizationStatus: r.authorization_status,
    entitlementAvailability: r.entitlement_availability,
    regionAvailability: r.region_availability,
    offerCount: r.offer_count,
    availabilityError: r.availability_error,
  };
}

interface ProfileRowDb {
  profile_id: string;
  arn: string;
  name: string | null;
  type: string;
  status: string | null;
  is_global: boolean;
  model_ids: string[];
  destination_regions: string[];
}

const profileFromDb = (p: ProfileRowDb): InferenceProfileRow => ({
  profileId: p.profile_id,
  arn: p.arn,
  name: p.name,
  type: p.type,
  status: p.status,
  isGlobal: p.is_global,
  modelIds: p.model_ids,
  destinationRegions: p.destination_regions,
});

export function createAccountRegionRepository(db: Database) {
  return {
    /** Serializes writers of one account-Region and makes sure its row exists (one statement). */
    async lock(accountId: string, region: string, tx: Tx): Promise<void> {
      await tx.$executeRaw`
        WITH l AS (SELECT ${advisoryLock(`inventory:${accountId}:${region}`)})
        INSERT INTO account_regions (account_id, region) SELECT ${accountId}, ${region} FROM l
        ON CONFLICT (account_id, region) DO NOTHING`;
    },

    /**
     * What the inventory holds for the account-Region now (models, profiles, settings, use case),
     * in one statement. Run it after `lock`, in its own statement: a statement's snapshot is taken
     * when it starts, and one that took the lock itself could predate the writer it waited for.
     */
    async current(accountId: string, region: string, tx?: Tx): Promise<AccountRegionCurrent> {
      const [row] = await (tx ?? db.client).$queryRaw<
        Array<{
          models: ModelRowDb[];
          profiles: ProfileRowDb[];
          settings: {
            status: string;
            logging_enabled: boolean | null;
            logging_config: unknown;
            guardrails: unknown;
          } | null;
          use_case_submitted: boolean | null;
        }>
      >`
        SELECT
          (SELECT coalesce(json_agg(m), '[]'::json) FROM model_access m
            WHERE m.account_id = ${accountId} AND m.region = ${region}) AS models,
          (SELECT coalesce(json_agg(p), '[]'::json) FROM inference_profiles p
            WHERE p.account_id = ${accountId} AND p.region = ${region}) AS profiles,
          (SELECT json_build_object('status', s.status, 'logging_enabled', s.logging_enabled,
              'logging_config', s.logging_config, 'guardrails', s.guardrails)
            FROM account_regions s WHERE s.account_id = ${accountId} AND s.region = ${region}) AS settings,
          (SELECT use_case_submitted FROM accounts WHERE id = ${accountId}) AS use_case_submitted`;
      const settings = row?.settings ?? undefined;
      const known: AccountRegionSettings | undefined =
        settings && settings.status !== "never" && settings.logging_enabled !== null
          ? {
              loggingEnabled: settings.logging_enabled,
              loggingConfig: (settings.logging_config as Record<string, unknown> | null) ?? null,
              guardrails: (settings.guardrails as Record<string, unknown>[] | null) ?? [],
            }
          : undefined;
      return {
        models: (row?.models ?? []).map(modelFromDb),
        profiles: (row?.profiles ?? []).map(profileFromDb),
        settings: known,
        useCaseSubmitted: row?.use_case_submitted ?? null,
      };
    },

    /** `readAt`: when the read began; an answer read earlier than the one stored is not taken. */
    async setUseCase(accountId: string, submitted: boolean, readAt: Date, tx?: Tx): Promise<void> {
      await (tx ?? db.client).$executeRaw(statements.setUseCase(accountId, submitted, readAt));
    },

    statements,
    /** Sends `statements` (these, and the facts', history's and sync jobs' own) as one statement. */
    writeTogether,
  };
}

/**
 * The account-Region's writes as statements for `writeTogether` (undefined: nothing to write). Each
 * touches rows none of the others touches, so they can run against one snapshot.
 */
const statements = {
  upsertModels(accountId: string, region: string, rows: readonly ModelAccessRow[]): Prisma.Sql | undefined {
    if (rows.length === 0) return undefined;
    return Prisma.sql`
      INSERT INTO model_access (account_id, region, model_id, model_name, provider, lifecycle_status, legacy_time,
        public_extended_access_time, end_of_life_time, inference_types, input_modalities, output_modalities,
        agreement_status, agreement_error, authorization_status, entitlement_availability, region_availability,
        offer_count, availability_error)
      SELECT ${accountId}, ${region}, m."modelId", m."modelName", m.provider, m."lifecycleStatus", m."legacyTime",
        m."publicExtendedAccessTime", m."endOfLifeTime", m."inferenceTypes", m."inputModalities",
        m."outputModalities", m."agreementStatus", m."agreementError", m."authorizationStatus",
        m."entitlementAvailability", m."regionAvailability", m."offerCount", m."availabilityError"
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS m("modelId" text, "modelName" text,
        provider text, "lifecycleStatus" text, "legacyTime" timestamptz, "publicExtendedAccessTime" timestamptz,
        "endOfLifeTime" timestamptz, "inferenceTypes" text[], "inputModalities" text[], "outputModalities" text[],
        "agreementStatus" text, "agreementError" text, "authorizationStatus" text, "entitlementAvailability" text,
        "regionAvailability" text, "offerCount" int, "availabilityError" text)
      ON CONFLICT (account_id, region, model_id) DO UPDATE SET
        model_name = EXCLUDED.model_name, provider = EXCLUDED.provider, lifecycle_status = EXCLUDED.lifecycle_status,
        legacy_time = EXCLUDED.legacy_time, public_extended_access_time = EXCLUDED.public_extended_access_time,
        end_of_life_time = EXCLUDED.end_of_life_time,
        inference_types = EXCLUDED.inference_types, input_modalities = EXCLUDED.input_modalities,
        output_modalities = EXCLUDED.output_modalities, agreement_status = EXCLUDED.agreement_status,
        agreement_error = EXCLUDED.agreement_error, authorization_status = EXCLUDED.authorization_status,
        entitlement_availability = EXCLUDED.entitlement_availability,
        region_availability = EXCLUDED.region_availability, offer_count = EXCLUDED.offer_count,
        availability_error = EXCLUDED.availability_error`;
  },

  deleteModels(accountId: string, region: string, modelIds: readonly string[]): Prisma.Sql | undefined {
    if (modelIds.length === 0) return undefined;
    return Prisma.sql`
      DELETE FROM model_access WHERE account_id = ${accountId} AND region = ${region} AND model_id = ANY(${modelIds}::text[])`;
  },

  upsertProfiles(accountId: string, region: string, rows: readonly InferenceProfileRow[]): Prisma.Sql | undefined {
    if (rows.length === 0) return undefined;
    return Prisma.sql`
      INSERT INTO inference_profiles (account_id, region, profile_id, arn, name, type, status, is_global, model_ids, destination_regions)
      SELECT ${accountId}, ${region}, p."profileId", p.arn, p.name, p.type, p.status, p."isGlobal", p."modelIds", p."destinationRegions"
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS p("profileId" text, arn text, name text,
        type text, status text, "isGlobal" boolean, "modelIds" text[], "destinationRegions" text[])
      ON CONFLICT (account_id, region, profile_id) DO UPDATE SET arn = EXCLUDED.arn, name = EXCLUDED.name,
        type = EXCLUDED.type, status = EXCLUDED.status, is_global = EXCLUDED.is_global,
        model_ids = EXCLUDED.model_ids, destination_regions = EXCLUDED.destination_regions`;
  },

  deleteProfiles(accountId: string, region: string, profileIds: readonly string[]): Prisma.Sql | undefined {
    if (profileIds.length === 0) return undefined;
    return Prisma.sql`
      DELETE FROM inference_profiles WHERE account_id = ${accountId} AND region = ${region} AND profile_id = ANY(${profileIds}::text[])`;
  },

  /** A successful sync: status, settings and the denormalized model columns of the account-Region. */
  markSynced(input: {
    accountId: string;
    region: string;
    runId: string;
    snapshot: AccountRegionSnapshot;
    at: Date;
  }): Prisma.Sql {
    const { accountId, region, runId, snapshot, at } = input;
    return Prisma.sql`
      UPDATE account_regions SET status = 'ok', last_attempt_at = ${at}, last_success_at = ${at}, last_run_id = ${runId}::uuid,
        last_error_gate = NULL, last_error_code = NULL, last_error_message = NULL,
        logging_enabled = ${snapshot.settings.loggingEnabled},
        logging_config = ${JSON.stringify(snapshot.settings.loggingConfig)}::jsonb,
        guardrails = ${JSON.stringify(snapshot.settings.guardrails)}::jsonb,
        model_count = ${snapshot.models.length},
        available_models = ${snapshot.models
          .filter((m) => m.regionAvailability === "AVAILABLE")
          .map((m) => m.modelId)
          .sort()}::text[]
      WHERE account_id = ${accountId} AND region = ${region}`;
  },

  /** `readAt`: when the read began; an answer read earlier than the one stored is not taken. */
  setUseCase(accountId: string, submitted: boolean, readAt: Date): Prisma.Sql {
    return Prisma.sql`
      UPDATE accounts SET use_case_submitted = ${submitted}, use_case_checked_at = ${readAt}
      WHERE id = ${accountId} AND (use_case_checked_at IS NULL OR use_case_checked_at <= ${readAt})`;
  },

  /**
   * A failed sync: the state read earlier stays; status says when and which gate. `disabled`:
   * the Region is not enabled in the account (an opt-in Region), a fact rather than a failure.
   */
  markFailed(input: { runId: string; outcome: JobOutcome; at: Date; status: "error" | "disabled" }): Prisma.Sql {
    const { runId, outcome, at, status } = input;
    return Prisma.sql`
      UPDATE account_regions SET status = ${status}, last_attempt_at = ${at}, last_error_at = ${at}, last_run_id = ${runId}::uuid,
        last_error_gate = ${outcome.gate ?? null}, last_error_code = ${outcome.errorCode ?? null},
        last_error_message = ${outcome.errorMessage?.slice(0, 2000) ?? null}
      WHERE account_id = ${outcome.accountId} AND region = ${outcome.region}`;
  },
};

export type AccountRegionRepository = ReturnType<typeof createAccountRegionRepository>;
