// Current state of account-Regions (models, profiles, settings, sync status) and its history.
// Each account-Region is written in one transaction, under a lock for that account-Region:
// read the current rows once, diff in memory, then set-based statements (one per table), so a
// Region's 100 models cost the same few round trips as one.
import type { PrismaClient, Tx } from "../../db/prisma.js";
import { diffRecord, diffSet } from "./diff.js";
import type {
  AccountRegionSettings,
  AccountRegionSnapshot,
  ChangeRow,
  InferenceProfileRow,
  JobOutcome,
  ModelAccessRow,
} from "./inventory.types.js";

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** A model_access row as PostgreSQL returns it. */
export interface ModelRowDb {
  model_id: string;
  model_name: string | null;
  provider: string;
  lifecycle_status: string | null;
  legacy_time: Date | null;
  end_of_life_time: Date | null;
  inference_types: string[];
  input_modalities: string[];
  output_modalities: string[];
  agreement_status: string | null;
  agreement_error: string | null;
  authorization_status: string | null;
  entitlement_availability: string | null;
  region_availability: string | null;
  offer_count: number | null;
}

export function modelFromDb(r: ModelRowDb): ModelAccessRow {
  return {
    modelId: r.model_id,
    modelName: r.model_name,
    provider: r.provider,
    lifecycleStatus: r.lifecycle_status,
    legacyTime: iso(r.legacy_time),
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
  };
}

export async function insertChanges(tx: Tx, runId: string | null, at: Date, changes: ChangeRow[]): Promise<void> {
  if (changes.length === 0) return;
  const rows = changes.map((c) => ({
    entity: c.entity,
    account_id: c.accountId,
    region: c.region,
    subject: c.subject,
    change: c.change,
    old_value: c.oldValue ?? null,
    new_value: c.newValue ?? null,
  }));
  await tx.$executeRaw`
    INSERT INTO inventory_changes (run_id, occurred_at, entity, account_id, region, subject, change, old_value, new_value)
    SELECT ${runId}::uuid, ${at}, r.entity, r.account_id, r.region, r.subject, r.change, r.old_value, r.new_value
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS r(entity text, account_id text, region text, subject text, change text, old_value jsonb, new_value jsonb)`;
}

export function createAccountRegionRepository(client: PrismaClient) {
  async function lock(tx: Tx, accountId: string, region: string) {
    await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext(${`inventory:${accountId}:${region}`}))) AS l`;
    await tx.$executeRaw`
      INSERT INTO account_regions (account_id, region) VALUES (${accountId}, ${region})
      ON CONFLICT (account_id, region) DO NOTHING`;
  }

  async function finishRunJobs(tx: Tx, outcome: JobOutcome, at: Date) {
    // Every run waiting on this account-Region is satisfied by this result (a run whose job was
    // deduplicated against an already-queued one is completed by that one).
    await tx.$executeRaw`
      UPDATE sync_run_jobs SET status = ${outcome.ok ? "succeeded" : "failed"}::"SyncJobStatus",
        gate = ${outcome.gate ?? null}, error_code = ${outcome.errorCode ?? null},
        error_message = ${outcome.errorMessage?.slice(0, 2000) ?? null}, finished_at = ${at}
      WHERE account_id = ${outcome.accountId} AND region = ${outcome.region} AND status = 'pending'`;
  }

  return {
    /** Applies a successful sync: state, history and status in one transaction. Returns the change count. */
    async applySnapshot(input: {
      runId: string;
      accountId: string;
      region: string;
      snapshot: AccountRegionSnapshot;
      at: Date;
    }) {
      const { runId, accountId, region, snapshot, at } = input;
      return client.$transaction(
        async (tx) => {
          await lock(tx, accountId, region);
          const ctx = { accountId, region };
          const [oldModels, oldProfiles, [oldSettings], [oldAccount]] = await Promise.all([
            tx.$queryRaw<
              ModelRowDb[]
            >`SELECT * FROM model_access WHERE account_id = ${accountId} AND region = ${region}`,
            tx.$queryRaw<
              Array<{
                profile_id: string;
                arn: string;
                name: string | null;
                type: string;
                status: string | null;
                is_global: boolean;
                model_ids: string[];
                destination_regions: string[];
              }>
            >`
              SELECT * FROM inference_profiles WHERE account_id = ${accountId} AND region = ${region}`,
            tx.$queryRaw<
              Array<{ status: string; logging_enabled: boolean | null; logging_config: unknown; guardrails: unknown }>
            >`
              SELECT status, logging_enabled, logging_config, guardrails FROM account_regions WHERE account_id = ${accountId} AND region = ${region}`,
            tx.$queryRaw<
              Array<{ use_case_submitted: boolean | null }>
            >`SELECT use_case_submitted FROM accounts WHERE id = ${accountId}`,
          ]);

          const models = diffSet(oldModels.map(modelFromDb), snapshot.models, "modelId", { entity: "model", ...ctx });
          const profiles = diffSet<InferenceProfileRow>(
            oldProfiles.map((p) => ({
              profileId: p.profile_id,
              arn: p.arn,
              name: p.name,
              type: p.type,
              status: p.status,
              isGlobal: p.is_global,
              modelIds: p.model_ids,
              destinationRegions: p.destination_regions,
            })),
            snapshot.profiles,
            "profileId",
            { entity: "profile", ...ctx },
          );
          const prevSettings: AccountRegionSettings | undefined =
            oldSettings && oldSettings.status !== "never" && oldSettings.logging_enabled !== null
              ? {
                  loggingEnabled: oldSettings.logging_enabled,
                  loggingConfig: (oldSettings.logging_config as Record<string, unknown> | null) ?? null,
                  guardrails: (oldSettings.guardrails as Record<string, unknown>[] | null) ?? [],
                }
              : undefined;
          const settings = diffRecord(prevSettings, snapshot.settings, {
            entity: "account_region",
            ...ctx,
            subject: null,
          });
          const useCase =
            snapshot.useCaseSubmitted !== undefined && oldAccount?.use_case_submitted !== snapshot.useCaseSubmitted
              ? [
                  {
                    entity: "use_case",
                    accountId,
                    region: null,
                    subject: "anthropic",
                    change: "submitted",
                    oldValue: oldAccount?.use_case_submitted ?? null,
                    newValue: snapshot.useCaseSubmitted,
                  },
                ]
              : [];

          if (models.upserts.length > 0) {
            await tx.$executeRaw`
              INSERT INTO model_access (account_id, region, model_id, model_name, provider, lifecycle_status, legacy_time,
                end_of_life_time, inference_types, input_modalities, output_modalities, agreement_status, agreement_error,
                authorization_status, entitlement_availability, region_availability, offer_count)
              SELECT ${accountId}, ${region}, m."modelId", m."modelName", m.provider, m."lifecycleStatus", m."legacyTime",
                m."endOfLifeTime", m."inferenceTypes", m."inputModalities", m."outputModalities", m."agreementStatus",
                m."agreementError", m."authorizationStatus", m."entitlementAvailability", m."regionAvailability", m."offerCount"
              FROM jsonb_to_recordset(${JSON.stringify(models.upserts)}::jsonb) AS m("modelId" text, "modelName" text,
                provider text, "lifecycleStatus" text, "legacyTime" timestamptz, "endOfLifeTime" timestamptz,
                "inferenceTypes" text[], "inputModalities" text[], "outputModalities" text[], "agreementStatus" text,
                "agreementError" text, "authorizationStatus" text, "entitlementAvailability" text,
                "regionAvailability" text, "offerCount" int)
              ON CONFLICT (account_id, region, model_id) DO UPDATE SET
                model_name = EXCLUDED.model_name, provider = EXCLUDED.provider, lifecycle_status = EXCLUDED.lifecycle_status,
                legacy_time = EXCLUDED.legacy_time, end_of_life_time = EXCLUDED.end_of_life_time,
                inference_types = EXCLUDED.inference_types, input_modalities = EXCLUDED.input_modalities,
                output_modalities = EXCLUDED.output_modalities, agreement_status = EXCLUDED.agreement_status,
                agreement_error = EXCLUDED.agreement_error, authorization_status = EXCLUDED.authorization_status,
                entitlement_availability = EXCLUDED.entitlement_availability,
                region_availability = EXCLUDED.region_availability, offer_count = EXCLUDED.offer_count`;
          }
          if (models.deletes.length > 0) {
            await tx.$executeRaw`DELETE FROM model_access WHERE account_id = ${accountId} AND region = ${region} AND model_id = ANY(${models.deletes}::text[])`;
          }
          if (profiles.upserts.length > 0) {
            await tx.$executeRaw`
              INSERT INTO inference_profiles (account_id, region, profile_id, arn, name, type, status, is_global, model_ids, destination_regions)
              SELECT ${accountId}, ${region}, p."profileId", p.arn, p.name, p.type, p.status, p."isGlobal", p."modelIds", p."destinationRegions"
              FROM jsonb_to_recordset(${JSON.stringify(profiles.upserts)}::jsonb) AS p("profileId" text, arn text, name text,
                type text, status text, "isGlobal" boolean, "modelIds" text[], "destinationRegions" text[])
              ON CONFLICT (account_id, region, profile_id) DO UPDATE SET arn = EXCLUDED.arn, name = EXCLUDED.name,
                type = EXCLUDED.type, status = EXCLUDED.status, is_global = EXCLUDED.is_global,
                model_ids = EXCLUDED.model_ids, destination_regions = EXCLUDED.destination_regions`;
          }
          if (profiles.deletes.length > 0) {
            await tx.$executeRaw`DELETE FROM inference_profiles WHERE account_id = ${accountId} AND region = ${region} AND profile_id = ANY(${profiles.deletes}::text[])`;
          }
          await tx.$executeRaw`
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
          if (snapshot.useCaseSubmitted !== undefined) {
            await tx.$executeRaw`UPDATE accounts SET use_case_submitted = ${snapshot.useCaseSubmitted}, use_case_checked_at = ${at} WHERE id = ${accountId}`;
          }
          const changes = [...models.changes, ...profiles.changes, ...settings, ...useCase];
          await insertChanges(tx, runId, at, changes);
          await finishRunJobs(tx, { accountId, region, ok: true }, at);
          return { changes: changes.length };
        },
        { timeout: 60_000, maxWait: 30_000 },
      );
    },

    /**
     * Records a failed sync: the state read earlier stays; status says when and which gate.
     * `disabled`: the Region is not enabled in the account (an opt-in Region) — a fact, not a failure.
     */
    async applyFailure(input: { runId: string; outcome: JobOutcome; at: Date; status?: "error" | "disabled" }) {
      const { runId, outcome, at } = input;
      const status = input.status ?? "error";
      await client.$transaction(async (tx) => {
        await lock(tx, outcome.accountId, outcome.region);
        await tx.$executeRaw`
          UPDATE account_regions SET status = ${status}, last_attempt_at = ${at}, last_error_at = ${at}, last_run_id = ${runId}::uuid,
            last_error_gate = ${outcome.gate ?? null}, last_error_code = ${outcome.errorCode ?? null},
            last_error_message = ${outcome.errorMessage?.slice(0, 2000) ?? null}
          WHERE account_id = ${outcome.accountId} AND region = ${outcome.region}`;
        await finishRunJobs(tx, status === "disabled" ? { ...outcome, ok: true } : outcome, at);
      });
    },
  };
}

export type AccountRegionRepository = ReturnType<typeof createAccountRegionRepository>;
