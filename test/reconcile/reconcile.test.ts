import { describe, expect, it } from "vitest";
import type { ScpLevel } from "../../src/lib/policy-evaluator.js";
import type { CatalogEntry } from "../../src/modules/catalog/catalog.types.js";
import { createReachabilityEngine } from "../../src/modules/reachability/engine.js";
import { type ApiKeyHolder, known, unknownFact } from "../../src/modules/reachability/reachability.types.js";
import { reconcile } from "../../src/modules/reconcile/reconcile.js";
import type { FindingCandidate } from "../../src/modules/reconcile/reconcile.types.js";
import {
  type AccountRow as ReconcileAccount,
  type AccountRegionRow as ReconcileAccountRegion,
  type ModelRow as ReconcileModel,
  type ProfileRow as ReconcileProfile,
  toInventory,
} from "../helpers/inventory.js";

const ACCT = "111111111111";
const OTHER = "222222222222";
const NOW = new Date("2026-06-01T00:00:00.000Z");
const CLAUDE = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const TITAN = "amazon.titan-text-express-v1";
const LLAMA = "meta.llama3-70b-instruct-v1:0";
const HAIKU = "anthropic.claude-3-haiku-20240307-v1:0";
const COHERE = "cohere.command-r-plus-v1:0";

const account = (over: Partial<ReconcileAccount> = {}): ReconcileAccount => ({
  id: ACCT,
  name: "dev",
  state: "ACTIVE",
  leftAt: null,
  lineage: [ACCT, "ou-dev", "r-root"],
  useCaseSubmitted: true,
  ...over,
});

const accountRegion = (region: string, over: Partial<ReconcileAccountRegion> = {}): ReconcileAccountRegion => ({
  accountId: ACCT,
  region,
  status: "ok",
  lastSuccessAt: new Date("2026-05-31T23:00:00.000Z"),
  lastErrorAt: null,
  lastErrorGate: null,
  lastErrorCode: null,
  lastErrorMessage: null,
  loggingEnabled: true,
  guardrails: [],
  ...over,
});

const model = (modelId: string, region: string, over: Partial<ReconcileModel> = {}): ReconcileModel => ({
  accountId: ACCT,
  region,
  modelId,
  provider: modelId.split(".")[0] ?? "x",
  lifecycleStatus: "ACTIVE",
  legacyTime: null,
  endOfLifeTime: null,
  agreementStatus: "AVAILABLE",
  agreementError: null,
  authorizationStatus: "AUTHORIZED",
  entitlementAvailability: "AVAILABLE",
  regionAvailability: "AVAILABLE",
  offerCount: null,
  ...over,
});

const profile = (profileId: string, region: string, over: Partial<ReconcileProfile> = {}): ReconcileProfile => ({
  accountId: ACCT,
  region,
  profileId,
  isGlobal: false,
  modelIds: [CLAUDE],
  destinationRegions: [],
  ...over,
});

const entry = (over: Partial<CatalogEntry> = {}): CatalogEntry => ({
  id: "e-claude",
  model: CLAUDE,
  scope: { kind: "organization" },
  owner: "platform",
  justification: "approved",
  ...over,
});

const doc = (Effect: "Allow" | "Deny", Action: string, Resource: string) => ({
  Version: "2012-10-17",
  Statement: [{ Effect, Action, Resource }],
});
const FULL_ACCESS = { id: "p-FullAWSAccess", document: doc("Allow", "*", "*") };
const levels = (...accountPolicies: ScpLevel["policies"]): ScpLevel[] => [
  { targetId: "r-root", policies: [FULL_ACCESS] },
  { targetId: "ou-dev", policies: [FULL_ACCESS] },
  { targetId: ACCT, policies: [FULL_ACCESS, ...accountPolicies] },
];

interface RunInput {
  entries: CatalogEntry[];
  accounts: ReconcileAccount[];
  accountRegions: ReconcileAccountRegion[];
  models: ReconcileModel[];
  profiles: ReconcileProfile[];
  scps: Map<string, ScpLevel[]>;
}

function run(over: Partial<RunInput>): FindingCandidate[] {
  const i: RunInput = {
    entries: [entry()],
    accounts: [account()],
    accountRegions: [accountRegion("us-east-1")],
    models: [model(CLAUDE, "us-east-1")],
    profiles: [],
    scps: new Map(),
    ...over,
  };
  return reconcile({
    entries: i.entries,
    accounts: toInventory(i),
    now: NOW,
    legacyWindowDays: 90,
    engine: createReachabilityEngine({ now: NOW }),
  });
}

const keys = (fs: FindingCandidate[]) => fs.map((f) => f.key);
/** The SCP evidence of a finding's org_policy check (the engine's). */
const scpEvidence = (f: FindingCandidate | undefined) => {
  const checks = (f?.evidence.checks ?? []) as Array<{
    gate: string;
    evidence: Array<{ kind: string; data?: unknown }>;
  }>;
  return checks.find((c) => c.gate === "org_policy")?.evidence.find((e) => e.kind === "scp")?.data;
};
const ofType = (fs: FindingCandidate[], type: FindingCandidate["type"]) => fs.filter((f) => f.type === type);

describe("reconcile", () => {
  it("finds nothing when the approved model is usable and nothing else is offered", () => {
    expect(run({})).toEqual([]);
  });

  it("finds nothing for accounts that are not active or have left, and for Regions never synced", () => {
    const models = [model(TITAN, "us-east-1")];
    expect(run({ models, accounts: [account({ state: "SUSPENDED" })] })).toEqual([]);
    expect(run({ models, accounts: [account({ leftAt: NOW })] })).toEqual([]);
    expect(run({ models, accountRegions: [accountRegion("us-east-1", { status: "never" })] })).toEqual([]);
  });

  describe("UNAPPROVED_MODEL_ACCESSIBLE", () => {
    it("reports an accessible model no entry approves, with a stable key", () => {
      const fs = run({ models: [model(CLAUDE, "us-east-1"), model(TITAN, "us-east-1")] });
      expect(fs).toHaveLength(1);
      expect(fs[0]).toMatchObject({
        type: "UNAPPROVED_MODEL_ACCESSIBLE",
        severity: "high",
        accountId: ACCT,
        region: "us-east-1",
        modelId: TITAN,
        path: "direct",
        gate: null,
        key: `UNAPPROVED_MODEL_ACCESSIBLE|${ACCT}|us-east-1|${TITAN}||direct`,
      });
      expect(fs[0]?.detail).toContain("no catalog entry approves it");
    });

    it("reports a model approved only in another Region, and one whose entry scopes another OU", () => {
      const inOtherRegion = run({ entries: [entry({ regions: ["eu-west-1"] })] });
      expect(keys(inOtherRegion)).toEqual([`UNAPPROVED_MODEL_ACCESSIBLE|${ACCT}|us-east-1|${CLAUDE}||direct`]);
      const otherOu = run({ entries: [entry({ scope: { kind: "ou", id: "ou-prod" } })] });
      expect(ofType(otherOu, "UNAPPROVED_MODEL_ACCESSIBLE")).toHaveLength(1);
      const expired = run({ entries: [entry({ expiresAt: "2026-01-01T00:00:00Z" })] });
      expect(ofType(expired, "UNAPPROVED_MODEL_ACCESSIBLE")).toHaveLength(1);
    });

    it("approves through OU and account scopes and provider patterns", () => {
      expect(run({ entries: [entry({ scope: { kind: "ou", id: "ou-dev" } })] })).toEqual([]);
      expect(run({ entries: [entry({ scope: { kind: "account", id: ACCT } })] })).toEqual([]);
      expect(run({ entries: [entry({ model: "anthropic.*" })] })).toEqual([]);
    });

    it("does not report an unapproved model that is blocked anyway", () => {
      const blocked = [
        model(HAIKU, "us-east-1", { authorizationStatus: "NOT_AUTHORIZED" }),
        model(LLAMA, "us-east-1", { regionAvailability: "NOT_AVAILABLE" }),
      ];
      expect(run({ models: [model(CLAUDE, "us-east-1"), ...blocked] })).toEqual([]);
      const denied = {
        id: "p-deny-titan",
        document: doc("Deny", "bedrock:*", "arn:aws:bedrock:*::foundation-model/amazon.*"),
      };
      expect(
        run({
          models: [model(CLAUDE, "us-east-1"), model(TITAN, "us-east-1")],
          scps: new Map([[ACCT, levels(denied)]]),
        }),
      ).toEqual([]);
    });
  });

  describe("APPROVED_MODEL_BLOCKED", () => {
    const gateOf = (fs: FindingCandidate[]) => ofType(fs, "APPROVED_MODEL_BLOCKED").map((f) => f.gate);

    it("names the Region as the gate when the Region does not offer the model (and nothing else)", () => {
      const fs = run({
        models: [model(CLAUDE, "us-east-1", { regionAvailability: "NOT_AVAILABLE", agreementStatus: "NOT_AVAILABLE" })],
      });
      expect(gateOf(fs)).toEqual(["region"]);
    });

    it("reports an exact model approved in a listed Region the account syncs but that does not offer it", () => {
      const fs = run({
        entries: [entry({ regions: ["us-east-1", "eu-west-1"] })],
        accountRegions: [accountRegion("us-east-1"), accountRegion("eu-west-1"), accountRegion("ap-south-1")],
      });
      expect(keys(fs)).toEqual([`APPROVED_MODEL_BLOCKED|${ACCT}|eu-west-1|${CLAUDE}|region|direct`]);
      const disabled = run({
        entries: [entry({ regions: ["us-east-1", "ap-east-1"] })],
        accountRegions: [accountRegion("us-east-1"), accountRegion("ap-east-1", { status: "disabled" })],
      });
      expect(keys(disabled)).toEqual([`APPROVED_MODEL_BLOCKED|${ACCT}|ap-east-1|${CLAUDE}|region|direct`]);
    });

    it("names an SCP deny, with the policy as evidence", () => {
      const deny = {
        id: "p-deny",
        document: doc("Deny", "bedrock:InvokeModel", "arn:aws:bedrock:*::foundation-model/anthropic.*"),
      };
      const fs = run({ scps: new Map([[ACCT, levels(deny)]]) });
      expect(gateOf(fs)).toEqual(["org_policy"]);
      expect(scpEvidence(fs[0])).toMatchObject({ decision: "explicitDeny", matched: [{ policyId: "p-deny" }] });
      // A level without any allowing SCP denies implicitly.
      const noAllow: ScpLevel[] = [
        { targetId: "r-root", policies: [FULL_ACCESS] },
        { targetId: ACCT, policies: [] },
      ];
      const implicit = run({ scps: new Map([[ACCT, noAllow]]) });
      expect(gateOf(implicit)).toEqual(["org_policy"]);
      expect(scpEvidence(implicit[0])).toMatchObject({ decision: "implicitDeny", missingAllowAt: ACCT });
    });

    it("does not report SCPs that allow the model", () => {
      const denyOther = {
        id: "p-deny-meta",
        document: doc("Deny", "bedrock:*", "arn:aws:bedrock:*::foundation-model/meta.*"),
      };
      expect(run({ scps: new Map([[ACCT, levels(denyOther)]]) })).toEqual([]);
    });

    it("a never-used or pending Marketplace agreement is evidence, not a gate: the first call subscribes", () => {
      expect(
        run({ models: [model(CLAUDE, "us-east-1", { agreementStatus: "NOT_AVAILABLE", offerCount: 1 })] }),
      ).toEqual([]);
      expect(run({ models: [model(CLAUDE, "us-east-1", { agreementStatus: "PENDING" })] })).toEqual([]);
      expect(run({ models: [model(CLAUDE, "us-east-1", { agreementStatus: null })] })).toEqual([]);
    });

    it("a failed subscription, or SCPs denying the Marketplace permissions, block the first call", () => {
      const failed = run({
        models: [model(CLAUDE, "us-east-1", { agreementStatus: "ERROR", agreementError: "no payment method" })],
      });
      expect(failed.map((f) => [f.type, f.gate])).toEqual([["MARKETPLACE_SUBSCRIPTION_BLOCKED", "marketplace"]]);
      expect(failed[0]?.detail).toContain("no payment method");
      const denySubscribe = {
        id: "p-no-marketplace",
        document: doc("Deny", "aws-marketplace:Subscribe", "*"),
      };
      const denied = run({
        models: [model(CLAUDE, "us-east-1", { agreementStatus: "NOT_AVAILABLE" })],
        scps: new Map([[ACCT, levels(denySubscribe)]]),
      });
      expect(denied.map((f) => [f.type, f.gate, f.path])).toEqual([
        ["MARKETPLACE_SUBSCRIPTION_BLOCKED", "marketplace", "direct"],
      ]);
      // Once subscribed, the Marketplace permissions are no longer needed.
      expect(run({ scps: new Map([[ACCT, levels(denySubscribe)]]) })).toEqual([]);
    });

    it("the Anthropic use case blocks only where AWS reports the account not authorized", () => {
      expect(run({ accounts: [account({ useCaseSubmitted: false })] })).toEqual([]);
      const notAuthorized = [model(CLAUDE, "us-east-1", { authorizationStatus: "NOT_AUTHORIZED" })];
      expect(gateOf(run({ models: notAuthorized, accounts: [account({ useCaseSubmitted: null })] }))).toEqual([
        "use_case",
      ]);
    });

    it("a pending agreement is evidence only; AWS's NOT_AVAILABLE entitlement blocks; one finding per blocked approved path", () => {
      expect(
        run({
          entries: [entry({ model: LLAMA })],
          models: [model(LLAMA, "us-east-1", { agreementStatus: "PENDING" })],
        }),
      ).toEqual([]);
      // AWS answers Converse with 403 AccessDeniedException where GetFoundationModelAvailability
      // reports entitlementAvailability NOT_AVAILABLE (docs/sandbox.md, Converse gate 9).
      const notEntitled = run({
        entries: [entry({ model: LLAMA })],
        models: [model(LLAMA, "us-east-1", { entitlementAvailability: "NOT_AVAILABLE", agreementStatus: "PENDING" })],
      });
      expect(keys(notEntitled)).toEqual([`ENTITLEMENT_INACTIVE|${ACCT}|us-east-1|${LLAMA}|entitlement|direct`]);
      const deny = { id: "p-deny", document: doc("Deny", "bedrock:InvokeModel", "*") };
      const fs = run({
        profiles: [
          profile("us.anthropic.claude-sonnet-4-5", "us-east-1", { destinationRegions: ["us-east-1", "us-west-2"] }),
        ],
        scps: new Map([[ACCT, levels(deny)]]),
      });
      expect(keys(fs)).toEqual([
        `APPROVED_MODEL_BLOCKED|${ACCT}|us-east-1|${CLAUDE}|org_policy|direct`,
        `APPROVED_MODEL_BLOCKED|${ACCT}|us-east-1|${CLAUDE}|org_policy|us.anthropic.claude-sonnet-4-5`,
      ]);
    });
  });

  describe("RESIDENCY_VIOLATION", () => {
    const eu = { entries: [entry({ geography: "EU" as const })], accountRegions: [accountRegion("eu-west-1")] };
    const euModels = [model(CLAUDE, "eu-west-1")];

    it("reports a global profile usable where the model is kept in the EU", () => {
      const fs = run({
        ...eu,
        models: euModels,
        profiles: [profile("global.anthropic.claude-sonnet-4-5", "eu-west-1", { isGlobal: true })],
      });
      expect(keys(fs)).toEqual([
        `RESIDENCY_VIOLATION|${ACCT}|eu-west-1|global.anthropic.claude-sonnet-4-5||global.anthropic.claude-sonnet-4-5`,
      ]);
      expect(fs[0]).toMatchObject({ severity: "critical", evidence: { geography: "EU", entryIds: ["e-claude"] } });
    });

    it("reports an approved geographic profile that routes outside the geography", () => {
      const fs = run({
        entries: [entry({ geography: "EU", viaProfiles: ["eu.anthropic.claude-sonnet-4-5"] })],
        accountRegions: [accountRegion("eu-west-1")],
        models: euModels,
        profiles: [
          profile("eu.anthropic.claude-sonnet-4-5", "eu-west-1", { destinationRegions: ["eu-west-1", "me-south-1"] }),
        ],
      });
      expect(ofType(fs, "RESIDENCY_VIOLATION")).toHaveLength(1);
      expect(ofType(fs, "RESIDENCY_VIOLATION")[0]?.evidence.outsideRegions).toEqual(["me-south-1"]);
    });

    it("does not report profiles that stay in the geography, or that SCPs deny", () => {
      const inside = profile("eu.anthropic.claude-sonnet-4-5", "eu-west-1", {
        destinationRegions: ["eu-central-1", "eu-west-1", "eu-west-3"],
      });
      expect(run({ ...eu, models: euModels, profiles: [inside] })).toEqual([]);
      const global = profile("global.anthropic.claude-sonnet-4-5", "eu-west-1", { isGlobal: true });
      const denyGlobal = {
        id: "p-deny-global",
        document: doc("Deny", "bedrock:*", "arn:aws:bedrock:*:*:inference-profile/global.*"),
      };
      expect(run({ ...eu, models: euModels, profiles: [global], scps: new Map([[ACCT, levels(denyGlobal)]]) })).toEqual(
        [],
      );
      // No geography in the entry: a global profile is no residency matter.
      expect(run({ accountRegions: [accountRegion("eu-west-1")], models: euModels, profiles: [global] })).toEqual([]);
    });
  });

  describe("LEGACY_MODEL", () => {
    const legacyOf = (over: Partial<ReconcileModel>) =>
      ofType(run({ models: [model(CLAUDE, "us-east-1", over)] }), "LEGACY_MODEL");

    it("reports a LEGACY lifecycle, and an end of life within the window or past", () => {
      expect(legacyOf({ lifecycleStatus: "LEGACY" })).toMatchObject([{ severity: "low", modelId: CLAUDE }]);
      expect(legacyOf({ endOfLifeTime: new Date("2026-07-01T00:00:00Z") })).toMatchObject([{ severity: "medium" }]);
      expect(legacyOf({ lifecycleStatus: "LEGACY", endOfLifeTime: new Date("2026-05-01T00:00:00Z") })).toMatchObject([
        { severity: "high" },
      ]);
    });

    it("does not report an active model whose end of life is beyond the window, or an unapproved legacy model", () => {
      expect(legacyOf({ endOfLifeTime: new Date("2027-01-01T00:00:00Z") })).toEqual([]);
      const fs = run({
        models: [model(CLAUDE, "us-east-1"), model(TITAN, "us-east-1", { lifecycleStatus: "LEGACY" })],
      });
      expect(ofType(fs, "LEGACY_MODEL")).toEqual([]);
    });
  });

  describe("LOGGING_REQUIRED_BUT_DISABLED", () => {
    const entries = [entry({ conditions: { loggingRequired: true } })];

    it("reports logging off where an entry requiring it approves an offered model", () => {
      const fs = run({ entries, accountRegions: [accountRegion("us-east-1", { loggingEnabled: false })] });
      expect(keys(fs)).toEqual([`LOGGING_REQUIRED_BUT_DISABLED|${ACCT}|us-east-1||`]);
      expect(fs[0]?.evidence).toMatchObject({ entryIds: ["e-claude"], models: [CLAUDE] });
    });

    it("does not report logging on, or logging off where no entry requires it", () => {
      expect(run({ entries })).toEqual([]);
      expect(run({ accountRegions: [accountRegion("us-east-1", { loggingEnabled: false })] })).toEqual([]);
    });
  });

  describe("GUARDRAIL_REQUIRED_BUT_MISSING", () => {
    const entries = [entry({ conditions: { guardrailRequired: true } })];
    const withGuardrails = (guardrails: ReconcileAccountRegion["guardrails"]) =>
      run({ entries, accountRegions: [accountRegion("us-east-1", { guardrails })] });

    it("reports an approved model no enforced guardrail covers", () => {
      expect(keys(withGuardrails([]))).toEqual([`GUARDRAIL_REQUIRED_BUT_MISSING|${ACCT}|us-east-1|${CLAUDE}|`]);
      const excluding = [{ guardrailId: "g1", includedModels: [], excludedModels: [CLAUDE] }];
      expect(ofType(withGuardrails(excluding), "GUARDRAIL_REQUIRED_BUT_MISSING")).toHaveLength(1);
    });

    it("does not report a model covered by an enforced guardrail, or guardrails not read yet", () => {
      expect(withGuardrails([{ guardrailId: "g1", includedModels: [], excludedModels: [] }])).toEqual([]);
      expect(withGuardrails([{ guardrailId: "g2", includedModels: ["anthropic.*"], excludedModels: [] }])).toEqual([]);
      expect(withGuardrails(null)).toEqual([]);
    });
  });

  describe("ACCOUNT_UNREACHABLE", () => {
    it("reports an account-Region whose last sync failed, and keeps findings from its last inventory", () => {
      const fs = run({
        models: [model(CLAUDE, "us-east-1"), model(TITAN, "us-east-1")],
        accountRegions: [
          accountRegion("us-east-1", {
            status: "error",
            lastErrorGate: "credentials",
            lastErrorMessage: "AssumeRole denied",
            lastErrorAt: NOW,
          }),
        ],
      });
      expect(keys(fs)).toEqual([
        `ACCOUNT_UNREACHABLE|${ACCT}|us-east-1||`,
        `UNAPPROVED_MODEL_ACCESSIBLE|${ACCT}|us-east-1|${TITAN}||direct`,
      ]);
      expect(fs[0]).toMatchObject({ severity: "high", evidence: { lastErrorGate: "credentials" } });
      expect(fs[0]?.detail).toContain("AssumeRole denied");
    });

    it("does not report an account-Region whose last sync succeeded", () => {
      expect(ofType(run({}), "ACCOUNT_UNREACHABLE")).toEqual([]);
    });
  });

  describe("the 2026 access model (reachability engine)", () => {
    const FABLE = "anthropic.claude-fable-5-20260801-v1:0";
    const PROJECT = `arn:aws:bedrock-mantle:us-east-1:${ACCT}:project/default`;
    const mantleHere = (modelIds: string[]) =>
      accountRegion("us-east-1", {
        mantleModels: known(modelIds.map((mantleId) => ({ mantleId, allowedModes: null }))),
        mantleProjects: known([{ projectId: "default", arn: PROJECT, retentionMode: null, tags: {} }]),
      });

    it("reports a never-used third-party model as unapproved and accessible: AWS subscribes on the first call", () => {
      const fs = run({
        models: [model(CLAUDE, "us-east-1"), model(COHERE, "us-east-1", { agreementStatus: "NOT_AVAILABLE" })],
      });
      expect(keys(fs)).toEqual([`UNAPPROVED_MODEL_ACCESSIBLE|${ACCT}|us-east-1|${COHERE}||direct`]);
    });

    it("an SCP denying bedrock:* but not bedrock-mantle:* leaves the unapproved model reachable through mantle", () => {
      const denyBedrock = { id: "p-deny-bedrock", document: doc("Deny", "bedrock:*", "*") };
      const fs = run({
        entries: [],
        accountRegions: [mantleHere([TITAN])],
        models: [model(TITAN, "us-east-1")],
        scps: new Map([[ACCT, levels(denyBedrock)]]),
      });
      expect(fs.map((f) => [f.type, f.modelId, f.path])).toEqual([["UNAPPROVED_MODEL_ACCESSIBLE", TITAN, "mantle"]]);
      // Denying bedrock-mantle:* too closes it.
      const denyMantle = { id: "p-deny-mantle", document: doc("Deny", "bedrock-mantle:*", "*") };
      expect(
        run({
          entries: [],
          accountRegions: [mantleHere([TITAN])],
          models: [model(TITAN, "us-east-1")],
          scps: new Map([[ACCT, levels(denyBedrock, denyMantle)]]),
        }),
      ).toEqual([]);
    });

    it("no residency violation for a global profile that a Region guard without 'unspecified' makes uncallable", () => {
      const guard: ScpLevel["policies"][number] = {
        id: "p-region-guard",
        document: {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Deny",
              NotAction: ["iam:*", "organizations:*", "sts:*"],
              Resource: "*",
              Condition: { StringNotEquals: { "aws:RequestedRegion": ["eu-west-1", "eu-central-1"] } },
            },
          ],
        },
      };
      const global = profile("global.anthropic.claude-sonnet-4-5", "eu-west-1", { isGlobal: true });
      const fs = run({
        entries: [entry({ geography: "EU" })],
        accountRegions: [accountRegion("eu-west-1")],
        models: [model(CLAUDE, "eu-west-1")],
        profiles: [global],
        scps: new Map([[ACCT, levels(guard)]]),
      });
      expect(ofType(fs, "RESIDENCY_VIOLATION")).toEqual([]);
      expect(fs).toEqual([]);
    });

    it("reports an approved profile-only model that a deny in a destination Region blocks, naming the Region", () => {
      const denyCentral = {
        id: "p-deny-central",
        document: doc("Deny", "bedrock:*", "arn:aws:bedrock:eu-central-1::foundation-model/*"),
      };
      const euProfile = profile("eu.anthropic.claude-sonnet-4-5", "eu-west-1", {
        destinationRegions: ["eu-central-1", "eu-west-1"],
      });
      const fs = run({
        entries: [entry({ geography: "EU", viaProfiles: ["eu.anthropic.claude-sonnet-4-5"] })],
        accountRegions: [accountRegion("eu-west-1")],
        models: [model(CLAUDE, "eu-west-1", { inferenceTypes: ["INFERENCE_PROFILE"] })],
        profiles: [euProfile],
        scps: new Map([[ACCT, levels(denyCentral)]]),
      });
      expect(fs.map((f) => [f.type, f.gate, f.path])).toEqual([
        ["APPROVED_MODEL_BLOCKED", "org_policy", "eu.anthropic.claude-sonnet-4-5"],
      ]);
      expect(fs[0]?.detail).toContain("eu-central-1");
    });

    it("reports retention: a model that requires it where the mode is none, and a mode the catalog does not allow", () => {
      const none = run({
        entries: [entry({ model: FABLE })],
        accountRegions: [accountRegion("us-east-1", { dataRetention: known("none") })],
        models: [model(FABLE, "us-east-1")],
      });
      expect(none.map((f) => [f.type, f.gate])).toEqual([["RETENTION_VIOLATION", "data_retention"]]);
      const notAllowed = run({
        entries: [entry({ retentionModes: ["none"] })],
        accountRegions: [accountRegion("us-east-1", { dataRetention: known("provider_data_share") })],
      });
      expect(notAllowed.map((f) => [f.type, f.evidence.retentionMode])).toEqual([
        ["RETENTION_VIOLATION", "provider_data_share"],
      ]);
      expect(run({ entries: [entry({ retentionModes: ["default", "none"] })] })).toEqual([]);
    });

    it("reports an inactive managed-entitlement grant and an invalid Bedrock policy", () => {
      const grants = known([
        {
          grantArn: "arn:aws:license-manager::111:grant:g-1",
          modelIds: ["anthropic.*"],
          status: "PENDING_ACCEPTANCE" as const,
        },
      ]);
      const inactive = run({ accounts: [account({ grants })] });
      expect(inactive.map((f) => [f.type, f.gate])).toEqual([["ENTITLEMENT_INACTIVE", "entitlement"]]);
      const bad = run({
        accounts: [
          account({ bedrockPolicy: known({ policyIds: ["p-bedrock"], invalidGuardrails: ["guardrail/abc"] }) }),
        ],
      });
      expect(bad.map((f) => [f.type, f.severity, f.region])).toEqual([["BEDROCK_POLICY_INVALID", "critical", null]]);
    });

    it("reports bedrock-mantle open for a model approved on bedrock-runtime only, unless an entry allows mantle", () => {
      const fs = run({ accountRegions: [mantleHere([CLAUDE])] });
      expect(fs.map((f) => [f.type, f.path])).toEqual([["UNGUARDED_SURFACE", "mantle"]]);
      expect(
        run({ entries: [entry({ endpoints: ["runtime", "mantle"] })], accountRegions: [mantleHere([CLAUDE])] }),
      ).toEqual([]);
    });

    it("reports active long-term Bedrock API keys through which a model can be called, unless an entry allows API keys or an SCP denies them", () => {
      const key = (over: Partial<ApiKeyHolder> = {}): ApiKeyHolder => ({
        userName: "ci-bot",
        credentialId: "ACCA1234567890EXAMPLE",
        status: "Active",
        expiresAt: null,
        ...over,
      });
      const keys = (...k: ApiKeyHolder[]) => known(k);
      const fs = run({ accounts: [account({ apiKeys: keys(key()) })] });
      expect(fs.map((f) => [f.type, f.region, f.modelId, f.path, f.severity])).toEqual([
        ["UNGUARDED_SURFACE", "us-east-1", null, "api_keys", "high"],
      ]);
      expect(fs[0]?.detail).toContain("IAM user ci-bot");
      expect(fs[0]?.evidence).toMatchObject({ modelCount: 1, models: [CLAUDE] });
      // Inactive or expired keys, an entry allowing keys, unknown holders: nothing to report.
      expect(run({ accounts: [account({ apiKeys: keys(key({ status: "Inactive" })) })] })).toEqual([]);
      expect(run({ accounts: [account({ apiKeys: keys(key({ expiresAt: "2026-05-01T00:00:00.000Z" })) })] })).toEqual(
        [],
      );
      expect(run({ accounts: [account({ apiKeys: keys(key()) })], entries: [entry({ apiKeys: true })] })).toEqual([]);
      expect(
        run({ accounts: [account({ apiKeys: unknownFact("iam:ListServiceSpecificCredentials denied") })] }),
      ).toEqual([]);
      // An SCP that denies long-term keys (bedrock:bearerTokenType) closes the surface.
      const denyLongTerm = {
        id: "p-no-long-term-keys",
        document: {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Deny" as const,
              Action: "bedrock:CallWithBearerToken",
              Resource: "*",
              Condition: { StringEquals: { "bedrock:bearerTokenType": "LONG_TERM" } },
            },
          ],
        },
      };
      expect(
        run({ accounts: [account({ apiKeys: keys(key()) })], scps: new Map([[ACCT, levels(denyLongTerm)]]) }),
      ).toEqual([]);
    });

    it("does not treat Provisioned Throughput variants as on-demand models", () => {
      const fs = run({
        models: [model(CLAUDE, "us-east-1"), model(`${TITAN}:0:8k`, "us-east-1", { inferenceTypes: ["PROVISIONED"] })],
      });
      expect(fs).toEqual([]);
    });
  });

  it("keeps accounts apart, sorts by key and is deterministic", () => {
    const input: Partial<RunInput> = {
      accounts: [account(), account({ id: OTHER, lineage: [OTHER, "ou-prod", "r-root"] })],
      entries: [entry({ scope: { kind: "ou", id: "ou-dev" } })],
      accountRegions: [accountRegion("us-east-1"), { ...accountRegion("us-east-1"), accountId: OTHER }],
      models: [model(CLAUDE, "us-east-1"), { ...model(CLAUDE, "us-east-1"), accountId: OTHER }],
    };
    const fs = run(input);
    expect(keys(fs)).toEqual([`UNAPPROVED_MODEL_ACCESSIBLE|${OTHER}|us-east-1|${CLAUDE}||direct`]);
    expect(run(input)).toEqual(fs);
  });
});
