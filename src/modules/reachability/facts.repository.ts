// Reads the stored inventory in the engine's terms: per account its facts (SCP levels, the
// effective Bedrock policy, use case, grants, Claude Platform workspaces) and per account-Region
// its models, profiles, retention mode and bedrock-mantle projects, plus what reconciliation
// needs besides (lineage, logging, enforced guardrails, sync times). Bulk reads go through
// node-postgres in chunks of accounts, so an organization of thousands of accounts is read a
// slice at a time.
import type { Database } from "../../db/prisma.js";
import { type NamedPolicy, parsePolicyDocument, type ScpLevel } from "../../lib/policy-evaluator.js";
import { type AttachedPolicy, effectiveBedrockPolicy } from "./bedrock-policy.js";
import {
  type AccountFacts,
  type AccountInventory,
  type ApiKeyHolder,
  BEDROCK_POLICY_UNREADABLE,
  type ClaudePlatformWorkspace,
  type EnforcedGuardrail,
  type Known,
  known,
  type MantleModel,
  type MantleProject,
  type ModelFacts,
  type ProfileFacts,
  RETENTION_MODES,
  type ReceivedGrant,
  type RegionDetails,
  type RegionFacts,
  type RetentionMode,
  unknownFact,
} from "./reachability.types.js";

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const obj = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** Enforced guardrails as stored by the sync (ListEnforcedGuardrailsConfiguration items). */
function toGuardrails(v: unknown): EnforcedGuardrail[] | null {
  if (!Array.isArray(v)) return null;
  return v.flatMap((g): EnforcedGuardrail[] => {
    const o = obj(g);
    if (Object.keys(o).length === 0) return [];
    const enforcement = obj(o.modelEnforcement);
    const id =
      typeof o.guardrailId === "string" ? o.guardrailId : typeof o.guardrailArn === "string" ? o.guardrailArn : "";
    return [
      {
        guardrailId: id,
        includedModels: strings(enforcement.includedModels),
        excludedModels: strings(enforcement.excludedModels),
      },
    ];
  });
}

export interface FactRow {
  account_id: string;
  region: string;
  fact: string;
  known: boolean;
  value: unknown;
  reason: string | null;
}

/** What a fact row says, however it was read. */
export type FactValue = Pick<FactRow, "known" | "value" | "reason">;

function fact<T>(row: FactValue | undefined, what: string, parse: (v: unknown) => T | undefined): Known<T> {
  if (row === undefined) return unknownFact(`${what} has not been read yet`);
  if (!row.known) return unknownFact(row.reason ?? `${what} could not be read`);
  const value = parse(row.value);
  return value === undefined ? unknownFact(`${what} as stored is not readable`) : known(value);
}

const retentionMode = (v: unknown): RetentionMode | undefined =>
  (RETENTION_MODES as readonly unknown[]).includes(v) ? (v as RetentionMode) : undefined;

const parseRetention = (v: unknown) => retentionMode(obj(v).mode);
/** A stored list: undefined where it is not an array, else each element read as an object. */
const listOf =
  <T>(each: (o: Record<string, unknown>) => T) =>
  (v: unknown): T[] | undefined =>
    Array.isArray(v) ? v.map((x) => each(obj(x))) : undefined;

const parseProjects = listOf<MantleProject>((o) => ({
  projectId: String(o.projectId ?? ""),
  arn: String(o.arn ?? ""),
  retentionMode: retentionMode(o.retentionMode) ?? null,
  tags: Object.fromEntries(Object.entries(obj(o.tags)).map(([k, x]) => [k, String(x)])),
}));
const parseMantleModels = listOf<MantleModel>((o) => {
  const modes = Array.isArray(o.allowedModes)
    ? o.allowedModes.map(retentionMode).filter((x): x is RetentionMode => x !== undefined)
    : null;
  return { mantleId: String(o.mantleId ?? ""), allowedModes: modes };
});
const parseGrants = listOf<ReceivedGrant>((o) => ({
  grantArn: String(o.grantArn ?? ""),
  modelIds: strings(o.modelIds),
  status: String(o.status ?? "") as ReceivedGrant["status"],
}));
const parseApiKeys = listOf<ApiKeyHolder>((o) => ({
  userName: String(o.userName ?? ""),
  credentialId: String(o.credentialId ?? ""),
  status: String(o.status ?? ""),
  expiresAt: typeof o.expiresAt === "string" ? o.expiresAt : null,
}));
const parseWorkspaces = listOf<ClaudePlatformWorkspace>((o) => ({
  workspaceId: String(o.workspaceId ?? ""),
  arn: String(o.arn ?? ""),
  region: String(o.region ?? ""),
}));

/** The engine's account-Region facts from fact rows (stored, or just read by the doctor). */
export function regionFactsOf(
  row: (name: string) => FactValue | undefined,
): Pick<RegionFacts, "dataRetention" | "mantleProjects" | "mantleModels"> {
  return {
    dataRetention: fact(row("data_retention"), "the data-retention mode", parseRetention),
    mantleProjects: fact(row("mantle_projects"), "bedrock-mantle projects", parseProjects),
    mantleModels: fact(row("mantle_models"), "bedrock-mantle models", parseMantleModels),
  };
}

/** The engine's account-level facts from fact rows. */
export function accountFactsOf(
  row: (name: string) => FactValue | undefined,
): Pick<AccountFacts, "grants" | "claudePlatform" | "apiKeys"> {
  return {
    grants: fact(row("license_grants"), "License Manager grants", parseGrants),
    apiKeys: fact(row("api_key_holders"), "long-term Bedrock API keys", parseApiKeys),
    claudePlatform: fact(row("claude_platform"), "Claude Platform workspaces", parseWorkspaces),
  };
}

const at = (d: Date | string | null): Date | null => (d === null ? null : d instanceof Date ? d : new Date(d));

export interface FactsQuery {
  /** Accounts to read; unset: every account still in the organization. */
  accountIds?: readonly string[];
  /** Accounts per chunk (default 10: a chunk's objects die young, so the collector has little to move). */
  chunkSize?: number;
}

export function createFactsRepository(db: Database) {
  const q = async <T>(text: string, values: unknown[] = []): Promise<T[]> =>
    (await db.pgPool().query(text, values)).rows as T[];

  /** What is shared by every chunk: the tree, SCPs and Bedrock policies by target. */
  async function organization() {
    const [nodes, attachments, scpCount, used, ingesting] = await Promise.all([
      q<{ id: string; parent_id: string | null }>("SELECT id, parent_id FROM org_nodes WHERE removed_at IS NULL"),
      q<{ target_id: string; id: string; type: string; content: string }>(
        `SELECT a.target_id, p.id, p.type, p.content FROM org_policy_attachments a JOIN org_policies p ON p.id = a.policy_id
         WHERE p.removed_at IS NULL AND p.type IN ('SERVICE_CONTROL_POLICY', 'BEDROCK_POLICY') ORDER BY p.id`,
      ),
      q<{ n: number }>(
        `SELECT count(*)::int AS n FROM org_policy_attachments a JOIN org_policies p ON p.id = a.policy_id
         WHERE p.removed_at IS NULL AND p.type = 'SERVICE_CONTROL_POLICY'`,
      ),
      // Who called what successfully in the last 30 days (a Legacy model stays open to them).
      q<{ account_id: string; models: string[] }>(
        `SELECT account_id, array_agg(DISTINCT base_model_id) AS models FROM invocation_events
         WHERE error_code IS NULL AND base_model_id IS NOT NULL AND event_time >= now() - interval '30 days'
         GROUP BY account_id`,
      ),
      q<{ account_id: string }>(
        "SELECT DISTINCT account_id FROM invocation_checkpoints WHERE updated_at >= now() - interval '30 days'",
      ),
    ]);
    const parents = new Map(nodes.map((n) => [n.id, n.parent_id]));
    const scpsByTarget = new Map<string, NamedPolicy[]>();
    const bedrockByTarget = new Map<string, AttachedPolicy[]>();
    const parsed = new Map<string, NamedPolicy | null>();
    for (const a of attachments) {
      if (a.type === "BEDROCK_POLICY") {
        bedrockByTarget.set(a.target_id, [
          ...(bedrockByTarget.get(a.target_id) ?? []),
          { id: a.id, content: a.content },
        ]);
        continue;
      }
      let p = parsed.get(a.id);
      if (p === undefined) {
        try {
          p = { id: a.id, document: parsePolicyDocument(a.content) };
        } catch {
          p = null; // AWS validated it on the way in; an unreadable copy cannot decide anything
        }
        parsed.set(a.id, p);
      }
      if (p) scpsByTarget.set(a.target_id, [...(scpsByTarget.get(a.target_id) ?? []), p]);
    }
    return {
      parents,
      scpsByTarget,
      bedrockByTarget,
      scpsInForce: (scpCount[0]?.n ?? 0) > 0,
      recentlyUsed: new Map(used.map((u) => [u.account_id, new Set(u.models)])),
      ingested: new Set(ingesting.map((r) => r.account_id)),
    };
  }

  async function chunk(
    ids: readonly string[],
    org: Awaited<ReturnType<typeof organization>>,
  ): Promise<AccountInventory[]> {
    const [accounts, regions, models, profiles, facts] = await Promise.all([
      q<{
        id: string;
        name: string;
        state: string;
        left_at: Date | null;
        parent_id: string | null;
        management: boolean;
        use_case_submitted: boolean | null;
      }>(
        "SELECT id, name, state, left_at, parent_id, management, use_case_submitted FROM accounts WHERE id = ANY($1) ORDER BY id",
        [ids],
      ),
      q<{
        account_id: string;
        region: string;
        status: string;
        last_success_at: Date | null;
        last_error_at: Date | null;
        last_error_gate: string | null;
        last_error_code: string | null;
        last_error_message: string | null;
        logging_enabled: boolean | null;
        guardrails: unknown;
      }>(
        `SELECT account_id, region, status, last_success_at, last_error_at, last_error_gate, last_error_code,
                last_error_message, logging_enabled, guardrails FROM account_regions WHERE account_id = ANY($1)`,
        [ids],
      ),
      q<{
        account_id: string;
        region: string;
        model_id: string;
        provider: string;
        inference_types: string[];
        lifecycle_status: string | null;
        legacy_time: Date | null;
        public_extended_access_time: Date | null;
        end_of_life_time: Date | null;
        region_availability: string | null;
        agreement_status: string | null;
        offer_count: number | null;
        agreement_error: string | null;
        authorization_status: string | null;
        entitlement_availability: string | null;
        availability_error: string | null;
      }>(
        `SELECT account_id, region, model_id, provider, inference_types, lifecycle_status, legacy_time,
                public_extended_access_time, end_of_life_time, region_availability, agreement_status, offer_count, agreement_error,
                authorization_status, entitlement_availability, availability_error
         FROM model_access WHERE account_id = ANY($1)`,
        [ids],
      ),
      q<{
        account_id: string;
        region: string;
        profile_id: string;
        arn: string;
        is_global: boolean;
        model_ids: string[];
        destination_regions: string[];
      }>(
        "SELECT account_id, region, profile_id, arn, is_global, model_ids, destination_regions FROM inference_profiles WHERE account_id = ANY($1)",
        [ids],
      ),
      q<FactRow>(
        "SELECT account_id, region, fact, known, value, reason FROM inventory_facts WHERE account_id = ANY($1)",
        [ids],
      ),
    ]);
    const factsOf = new Map<string, FactRow>();
    for (const f of facts) factsOf.set(`${f.account_id}\u0000${f.region}\u0000${f.fact}`, f);
    const factRow = (account: string, region: string, name: string) =>
      factsOf.get(`${account}\u0000${region}\u0000${name}`);

    const modelsOf = new Map<string, Map<string, ModelFacts>>();
    for (const m of models) {
      const key = `${m.account_id}\u0000${m.region}`;
      const map = modelsOf.get(key) ?? new Map<string, ModelFacts>();
      modelsOf.set(key, map);
      map.set(m.model_id, {
        modelId: m.model_id,
        provider: m.provider,
        inferenceTypes: m.inference_types,
        lifecycleStatus: m.lifecycle_status,
        legacyTime: at(m.legacy_time),
        publicExtendedAccessTime: at(m.public_extended_access_time),
        endOfLifeTime: at(m.end_of_life_time),
        regionAvailability: m.region_availability,
        agreementStatus: m.agreement_status,
        offerCount: m.offer_count,
        agreementError: m.agreement_error,
        authorizationStatus: m.authorization_status,
        entitlementAvailability: m.entitlement_availability,
        availabilityError: m.availability_error,
      });
    }
    const profilesOf = new Map<string, Map<string, ProfileFacts>>();
    for (const p of profiles) {
      const key = `${p.account_id}\u0000${p.region}`;
      const map = profilesOf.get(key) ?? new Map<string, ProfileFacts>();
      profilesOf.set(key, map);
      const modelId = p.model_ids[0];
      if (modelId === undefined) continue;
      map.set(p.profile_id, {
        profileId: p.profile_id,
        arn: p.arn,
        isGlobal: p.is_global,
        modelId,
        destinationRegions: p.destination_regions,
      });
    }
    const regionsOf = new Map<string, typeof regions>();
    for (const r of regions) regionsOf.set(r.account_id, [...(regionsOf.get(r.account_id) ?? []), r]);

    return accounts.map((a): AccountInventory => {
      const lineage = [a.id];
      for (let p = a.parent_id; p && !lineage.includes(p); p = org.parents.get(p) ?? null) lineage.push(p);
      const rootFirst = [...lineage].reverse();
      // SCPs never apply to the management account; with no SCP attached anywhere none is in force.
      const scps: ScpLevel[] = org.scpsInForce
        ? rootFirst.map((targetId) => ({ targetId, policies: org.scpsByTarget.get(targetId) ?? [] }))
        : [];
      const bedrock = effectiveBedrockPolicy(rootFirst.map((t) => org.bedrockByTarget.get(t) ?? []));
      const regionFacts = new Map<string, RegionFacts>();
      const details = new Map<string, RegionDetails>();
      for (const r of regionsOf.get(a.id) ?? []) {
        const key = `${a.id}\u0000${r.region}`;
        regionFacts.set(r.region, {
          region: r.region,
          status: (["ok", "disabled", "error", "never"].includes(r.status)
            ? r.status
            : "error") as RegionFacts["status"],
          errorGate: r.last_error_gate,
          errorMessage: r.last_error_message,
          models: modelsOf.get(key) ?? new Map(),
          profiles: profilesOf.get(key) ?? new Map(),
          ...regionFactsOf((name) => factRow(a.id, r.region, name)),
        });
        details.set(r.region, {
          lastSuccessAt: at(r.last_success_at),
          lastErrorAt: at(r.last_error_at),
          lastErrorCode: r.last_error_code,
          loggingEnabled: r.logging_enabled,
          guardrails: r.status === "never" ? null : toGuardrails(r.guardrails),
        });
      }
      const facts: AccountFacts = {
        accountId: a.id,
        management: a.management,
        active: a.state === "ACTIVE" && a.left_at === null,
        scps,
        useCaseOnFile: a.use_case_submitted === null ? unknownFact("not read yet") : known(a.use_case_submitted),
        // Discovery marks the organization's BEDROCK_POLICY unreadable (no delegation for it).
        bedrockPolicy:
          factRow(a.id, "", BEDROCK_POLICY_UNREADABLE)?.known === false
            ? unknownFact(factRow(a.id, "", BEDROCK_POLICY_UNREADABLE)?.reason ?? "BEDROCK_POLICY could not be read")
            : known({ policyIds: bedrock.policyIds, invalidGuardrails: bedrock.invalidGuardrails }),
        ...accountFactsOf((name) => factRow(a.id, "", name)),
        recentlyUsed: org.ingested.has(a.id)
          ? known(org.recentlyUsed.get(a.id) ?? new Set<string>())
          : unknownFact("no CloudTrail ingestion of the account in the last 30 days"),
        regions: regionFacts,
      };
      return { facts, name: a.name, state: a.state, leftAt: at(a.left_at), lineage, regionDetails: details };
    });
  }

  return {
    /** The inventory of the accounts, a chunk at a time (every account in the organization when unset). */
    async *chunks(query: FactsQuery = {}): AsyncGenerator<AccountInventory[]> {
      const ids =
        query.accountIds !== undefined
          ? [...query.accountIds]
          : (await q<{ id: string }>("SELECT id FROM accounts WHERE left_at IS NULL ORDER BY id")).map((r) => r.id);
      if (ids.length === 0) return;
      const org = await organization();
      const size = query.chunkSize ?? 10;
      for (let i = 0; i < ids.length; i += size) yield chunk(ids.slice(i, i + size), org);
    },

    /** A few accounts at once (the doctor, pre-flight, one account's matrix). */
    async accounts(accountIds: readonly string[]): Promise<AccountInventory[]> {
      const out: AccountInventory[] = [];
      for await (const c of this.chunks({ accountIds })) out.push(...c);
      return out;
    },
  };
}

export type FactsRepository = ReturnType<typeof createFactsRepository>;
