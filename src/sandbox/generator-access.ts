// The generator's share of the 2026 access rules, drawn from its own seeded stream so that the
// organization, models and traffic of a seed stay what they were: data retention (per account-Region
// and per bedrock-mantle project), accounts that cannot buy on AWS Marketplace, Managed Entitlements
// grants, Bedrock API keys, Claude Platform workspaces, LEGACY-model activity, the use-case switch,
// a BEDROCK_POLICY (sometimes with a malformed guardrail identifier), PROVISIONED-only variants and
// a model that only runs with provider data sharing.
import { builtin2026Models, builtin2026Profiles } from "./catalog.js";
import { createRng, hashString, type Rng } from "./rng.js";
import type { Scenario, ScenarioAccount, ScenarioModel, ScenarioOu, ScenarioProfile } from "./scenario.js";

const RETENTION = ["inherit", "none", "default", "provider_data_share"] as const;
const GRANT_STATES = ["ACTIVE", "DISABLED", "PENDING_ACCEPT"] as const;
const alnum = "abcdefghijklmnopqrstuvwxyz0123456789";
const token = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.pick([...alnum])).join("");

export interface AccessAdditions {
  models: ScenarioModel[];
  profiles: ScenarioProfile[];
  fields: Pick<Scenario, "managedEntitlements" | "useCaseMemberAnswer" | "policies">;
}

export function generateAccessFeatures(
  seed: number,
  mgmt: string,
  regions: string[],
  ous: ScenarioOu[],
  accounts: ScenarioAccount[],
  models: ScenarioModel[],
): AccessAdditions {
  const rng = createRng(hashString(`access-2026|${seed}`));
  const where = regions.slice(0, Math.min(2, regions.length));
  const added = builtin2026Models().map((m) => ({ ...m, regions: where }));
  // Some generated OpenAI and Anthropic models are also served on bedrock-mantle.
  for (const m of models) {
    const provider = m.provider.toLowerCase();
    if (m.mantleId === undefined && (provider === "openai" || provider === "anthropic") && rng.chance(0.4))
      m.mantleId = m.id.slice(0, m.id.lastIndexOf("-"));
  }
  const anthropic = models.find(
    (m) => m.provider === "Anthropic" && m.lifecycle?.status !== "LEGACY" && m.marketplace !== false,
  );
  const legacy = models.filter((m) => m.lifecycle?.status === "LEGACY");
  const grants: NonNullable<NonNullable<Scenario["managedEntitlements"]>["grants"]> = [];
  accounts.forEach((a, i) => {
    if (a.id === mgmt) return;
    const regionsOf = a.regions ?? regions;
    if (rng.chance(0.04)) a.dataRetention = { [rng.pick(regionsOf)]: "none" };
    else if (rng.chance(0.03)) a.dataRetention = { "*": "provider_data_share" };
    if (rng.chance(0.01)) a.marketplace = { paymentMethod: false };
    if (rng.chance(0.05))
      a.mantleProjects = [
        {
          id: `proj_${token(rng, 12)}`,
          name: `${a.name}-project`,
          region: regionsOf[0],
          tags: { Team: a.name.split("-")[0] ?? "team" },
          dataRetention: rng.pick(RETENTION),
        },
      ];
    if (rng.chance(0.02))
      a.apiKeys = [
        { user: `app-${i}`, key: `ABSK${Buffer.from(`gen-${seed}-${i}-${token(rng, 24)}`).toString("base64")}` },
      ];
    if (anthropic !== undefined && rng.chance(0.03)) {
      a.managedEntitlementModels = [anthropic.id];
      grants.push({ model: anthropic.id, principal: a.id, status: rng.pick(GRANT_STATES) });
    }
    if (rng.chance(0.02)) a.claudePlatformWorkspaces = [{ id: `wrkspc_${token(rng, 16)}`, region: regionsOf[0] }];
    if (legacy.length > 0 && rng.chance(0.05)) a.legacyModelActivity = { [rng.pick(legacy).id]: "active" };
  });
  const policies: NonNullable<Scenario["policies"]> = [];
  if (ous.length > 0 && rng.chance(0.5)) {
    const region = regions[0] as string;
    const malformed = rng.chance(0.3);
    const identifier = `arn:aws:bedrock:${region}:${mgmt}:guardrail/gr${token(rng, 10)}:${malformed ? "DRAFT" : "1"}`;
    policies.push({
      id: `p-${token(rng, 8)}`,
      name: malformed ? "GuardrailsDraft" : "OrgGuardrails",
      type: "BEDROCK_POLICY",
      content: {
        bedrock: { guardrail_inference: { [region]: { config_1: { identifier: { "@@assign": identifier } } } } },
      },
      targets: [rng.pick(ous).id],
    });
  }
  return {
    models: added,
    profiles: builtin2026Profiles(where),
    fields: {
      useCaseMemberAnswer: rng.pick(["inherited", "not_found"] as const),
      ...(grants.length > 0 ? { managedEntitlements: { grants } } : {}),
      policies,
    },
  };
}
