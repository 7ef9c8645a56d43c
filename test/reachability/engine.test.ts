// The reachability engine gate by gate, on facts built in the test: each gate passing, failing
// and unknown on its own, the paths a model has, and the verdict over paths.
import { describe, expect, it } from "vitest";
import type { NamedPolicy, ScpLevel } from "../../src/lib/policy-evaluator.js";
import { createReachabilityEngine } from "../../src/modules/reachability/engine.js";
import { modelTraits } from "../../src/modules/reachability/model-traits.js";
import {
  type AccountFacts,
  known,
  type ModelFacts,
  type PrincipalClass,
  type ProfileFacts,
  type RegionFacts,
  unknownFact,
} from "../../src/modules/reachability/reachability.types.js";

const ACCT = "111111111111";
const NOW = new Date("2026-12-01T00:00:00Z");
const CLAUDE = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const NOVA = "amazon.nova-pro-v1:0";
const COHERE = "cohere.command-r-plus-v1:0";
const FABLE = "anthropic.claude-fable-5-20260801-v1:0";
const ANY: PrincipalClass = { kind: "any" };

const model = (modelId: string, over: Partial<ModelFacts> = {}): ModelFacts => ({
  modelId,
  provider: modelId.split(".")[0] ?? "",
  inferenceTypes: ["ON_DEMAND"],
  lifecycleStatus: "ACTIVE",
  legacyTime: null,
  publicExtendedAccessTime: null,
  endOfLifeTime: null,
  regionAvailability: "AVAILABLE",
  agreementStatus: "AVAILABLE",
  agreementError: null,
  offerCount: null,
  authorizationStatus: "AUTHORIZED",
  entitlementAvailability: "AVAILABLE",
  availabilityError: null,
  ...over,
});

const profile = (profileId: string, modelId: string, over: Partial<ProfileFacts> = {}): ProfileFacts => ({
  profileId,
  arn: `arn:aws:bedrock:us-east-1:${ACCT}:inference-profile/${profileId}`,
  isGlobal: profileId.startsWith("global."),
  modelId,
  destinationRegions: profileId.startsWith("global.") ? [] : ["us-east-1", "us-west-2"],
  ...over,
});

function region(
  over: Partial<RegionFacts> = {},
  models: ModelFacts[] = [model(NOVA)],
  profiles: ProfileFacts[] = [],
): RegionFacts {
  return {
    region: "us-east-1",
    status: "ok",
    errorGate: null,
    errorMessage: null,
    models: new Map(models.map((m) => [m.modelId, m])),
    profiles: new Map(profiles.map((p) => [p.profileId, p])),
    dataRetention: known("default"),
    mantleProjects: known([]),
    mantleModels: known([]),
    ...over,
  };
}

function account(over: Partial<AccountFacts> = {}, rf: RegionFacts = region()): AccountFacts {
  return {
    accountId: ACCT,
    management: false,
    active: true,
    scps: [],
    useCaseOnFile: known(true),
    bedrockPolicy: known({ policyIds: [], invalidGuardrails: [] }),
    grants: known([]),
    apiKeys: known([]),
    claudePlatform: known([]),
    recentlyUsed: known(new Set<string>()),
    regions: new Map([[rf.region, rf]]),
    ...over,
  };
}

const policy = (id: string, Effect: "Allow" | "Deny", Action: string | string[], Resource: string): NamedPolicy => ({
  id,
  document: { Version: "2012-10-17", Statement: [{ Sid: id, Effect, Action, Resource }] },
});
const FULL = policy("p-full", "Allow", "*", "*");
const scps = (...extra: NamedPolicy[]): ScpLevel[] => [
  { targetId: "r-root", policies: [FULL] },
  { targetId: ACCT, policies: [FULL, ...extra] },
];

const judge = (a: AccountFacts, modelId = NOVA, principal: PrincipalClass = ANY) =>
  createReachabilityEngine({ now: NOW }).evaluate(a, "us-east-1", modelId, principal);

describe("reachability engine", () => {
  it("a model every gate passes is usable directly, with each gate on record", () => {
    const v = judge(account());
    expect(v.status).toBe("usable");
    expect(v.paths.map((p) => [p.path.kind, p.status])).toEqual([["direct", "usable"]]);
    expect(v.paths[0]?.checks.every((c) => c.status === "pass")).toBe(true);
  });

  it("credentials: an account-Region never read, or failing with nothing read, is unknown, and judging stops", () => {
    expect(judge(account({}, region({ status: "never" }))).paths[0]).toMatchObject({
      status: "unknown",
      gate: "credentials",
    });
    const failed = judge(
      account({}, region({ status: "error", errorGate: "credentials", errorMessage: "AssumeRole denied" }, [])),
    );
    expect(failed.paths[0]).toMatchObject({ status: "unknown", gate: "credentials" });
    // The org Bedrock policy is still judged (a malformed one blocks whatever the credentials), then judging stops.
    expect(failed.paths[0]?.checks.map((c) => c.gate)).toEqual(["credentials", "bedrock_policy"]);
    // Facts from the last good sync still count when the latest one failed.
    expect(judge(account({}, region({ status: "error", errorGate: "throttling" }))).status).toBe("usable");
  });

  it("region: not offered, not enabled, Provisioned-only and profile-only models have no usable direct path", () => {
    expect(judge(account(), "amazon.titan-nothing").paths[0]).toMatchObject({ status: "blocked", gate: "region" });
    expect(judge(account({}, region({ status: "disabled" }))).paths[0]).toMatchObject({ gate: "region" });
    const provisioned = judge(account({}, region({}, [model(NOVA, { inferenceTypes: ["PROVISIONED"] })])));
    expect(provisioned.paths[0]?.reason).toContain("Provisioned Throughput");
    const profileOnly = account(
      {},
      region({}, [model(CLAUDE, { inferenceTypes: ["INFERENCE_PROFILE"] })], [profile("us.x", CLAUDE)]),
    );
    expect(judge(profileOnly, CLAUDE).paths.map((p) => [p.path.kind, p.status])).toEqual([["profile", "usable"]]);
    const noProfile = judge(
      account({}, region({}, [model(CLAUDE, { inferenceTypes: ["INFERENCE_PROFILE"] })])),
      CLAUDE,
    );
    expect(noProfile.paths[0]).toMatchObject({ status: "blocked", gate: "region" });
    expect(noProfile.paths[0]?.reason).toContain("only through an inference profile");
  });

  it("lifecycle: past its end of life a model is blocked; Legacy is open only to accounts that used it in 30 days", () => {
    const eol = judge(account({}, region({}, [model(NOVA, { endOfLifeTime: new Date("2026-11-01T00:00:00Z") })])));
    expect(eol.paths[0]).toMatchObject({ status: "blocked", gate: "lifecycle" });
    const legacyModel = region({}, [model(NOVA, { lifecycleStatus: "LEGACY" })]);
    const used = judge(account({ recentlyUsed: known(new Set([NOVA])) }, legacyModel));
    expect(used.status).toBe("usable");
    expect(used.paths[0]?.checks.find((c) => c.gate === "lifecycle")?.reason).toContain("Legacy");
    expect(judge(account({ recentlyUsed: known(new Set<string>()) }, legacyModel)).paths[0]).toMatchObject({
      status: "blocked",
      gate: "lifecycle",
    });
    expect(judge(account({ recentlyUsed: unknownFact("no CloudTrail ingested") }, legacyModel)).paths[0]).toMatchObject(
      {
        status: "unknown",
        gate: "lifecycle",
      },
    );
  });

  it("bedrock_policy: a malformed guardrail blocks bedrock-runtime calls; unread is unknown", () => {
    const bad = account({ bedrockPolicy: known({ policyIds: ["p-b"], invalidGuardrails: ["guardrail/x"] }) });
    expect(judge(bad).paths[0]).toMatchObject({ status: "blocked", gate: "bedrock_policy", checks: expect.any(Array) });
    expect(judge(bad).paths[0]?.checks.at(-1)?.fixOwner).toBe("platform_team");
    expect(judge(account({ bedrockPolicy: unknownFact("not delegated") })).paths[0]).toMatchObject({
      status: "unknown",
      gate: "bedrock_policy",
    });
  });

  it("org_policy: an explicit or implicit SCP deny blocks, naming the policy and Sid; the management account is exempt", () => {
    const denied = judge(
      account({ scps: scps(policy("NoNova", "Deny", "bedrock:*", "arn:aws:bedrock:*::foundation-model/amazon.*")) }),
    );
    expect(denied.paths[0]).toMatchObject({ status: "blocked", gate: "org_policy" });
    expect(denied.paths[0]?.checks.at(-1)?.evidence[0]?.data).toMatchObject({
      decision: "explicitDeny",
      matched: [{ policyId: "NoNova", sid: "NoNova" }],
    });
    const implicit = judge(
      account({
        scps: [
          { targetId: "r-root", policies: [FULL] },
          { targetId: ACCT, policies: [] },
        ],
      }),
    );
    expect(implicit.paths[0]?.reason).toContain(`no SCP at ${ACCT}`);
    expect(judge(account({ management: true, scps: scps(policy("NoAll", "Deny", "*", "*")) })).status).toBe("usable");
    expect(judge(account({ scps: undefined })).paths[0]).toMatchObject({ status: "unknown", gate: "org_policy" });
  });

  it("a profile path needs the profile ARN and the model in every destination; a global one the Region-less ARN", () => {
    const facts = (extra: NamedPolicy) =>
      account(
        { scps: scps(extra) },
        region({}, [model(CLAUDE)], [profile("us.claude", CLAUDE), profile("global.claude", CLAUDE)]),
      );
    const westDenied = judge(
      facts(policy("NoWest", "Deny", "bedrock:*", "arn:aws:bedrock:us-west-2::foundation-model/*")),
      CLAUDE,
    );
    expect(westDenied.paths.map((p) => [p.path.kind, p.status])).toEqual([
      ["direct", "usable"],
      ["global_profile", "usable"],
      ["profile", "blocked"],
    ]);
    expect(westDenied.paths[2]?.reason).toContain("us-west-2");
    const regionless = judge(
      facts(policy("NoGlobal", "Deny", "bedrock:*", "arn:aws:bedrock:::foundation-model/*")),
      CLAUDE,
    );
    expect(regionless.paths.find((p) => p.path.kind === "global_profile")?.status).toBe("blocked");
  });

  it("iam: judged for a principal through its identity answers; unknown answers make the path unknown", () => {
    const denyAll: PrincipalClass = { kind: "principal", arn: `arn:aws:iam::${ACCT}:role/App`, iam: () => "denied" };
    expect(judge(account(), NOVA, denyAll).paths[0]).toMatchObject({ status: "blocked", gate: "iam" });
    const unsure: PrincipalClass = { kind: "principal", arn: `arn:aws:iam::${ACCT}:role/App`, iam: () => undefined };
    expect(judge(account(), NOVA, unsure).paths[0]).toMatchObject({ status: "unknown", gate: "iam" });
  });

  it("entitlement: a covering grant must be ACTIVE; without one the Marketplace applies", () => {
    const grant = (status: "ACTIVE" | "PENDING_ACCEPTANCE" | "DISABLED") =>
      account(
        { grants: known([{ grantArn: "arn:aws:license-manager::1:grant:g", modelIds: [CLAUDE], status }]) },
        region({}, [model(CLAUDE, { agreementStatus: "NOT_AVAILABLE" })]),
      );
    expect(judge(grant("ACTIVE"), CLAUDE).status).toBe("usable");
    expect(judge(grant("PENDING_ACCEPTANCE"), CLAUDE).paths[0]).toMatchObject({
      status: "blocked",
      gate: "entitlement",
    });
    expect(judge(grant("DISABLED"), CLAUDE).paths[0]?.checks.at(-1)?.fixOwner).toBe("platform_team");
  });

  it("marketplace: the first call subscribes when the caller may; a failed subscription or a denied permission blocks", () => {
    const never = (extra?: NamedPolicy) =>
      account(
        { scps: extra ? scps(extra) : scps() },
        region({}, [model(COHERE, { agreementStatus: "NOT_AVAILABLE" })]),
      );
    expect(judge(never(), COHERE).status).toBe("usable");
    expect(judge(never(policy("NoSub", "Deny", "aws-marketplace:Subscribe", "*")), COHERE).paths[0]).toMatchObject({
      status: "blocked",
      gate: "marketplace",
    });
    const failed = account({}, region({}, [model(COHERE, { agreementStatus: "ERROR", agreementError: "payment" })]));
    expect(judge(failed, COHERE).paths[0]).toMatchObject({ status: "blocked", gate: "marketplace" });
    // Amazon's own models need no subscription.
    expect(judge(account({ scps: scps(policy("NoSub", "Deny", "aws-marketplace:*", "*")) })).status).toBe("usable");
  });

  it("marketplace is read from facts, not a provider list: an unknown provider with an offer is, a first-party model is not", () => {
    const ACME = "acme.frontier-1-v1:0";
    const noSubscribe = scps(policy("NoSub", "Deny", "aws-marketplace:Subscribe", "*"));
    // A provider no list knows, never used here, with an agreement offer: its first call subscribes.
    const acme = account(
      { scps: noSubscribe },
      region({}, [model(ACME, { provider: "Acme AI", agreementStatus: "NOT_AVAILABLE", offerCount: 1 })]),
    );
    expect(judge(acme, ACME).paths[0]).toMatchObject({ status: "blocked", gate: "marketplace" });
    // The same model where no offer exists (offers read: none) needs no subscription.
    const none = account(
      { scps: noSubscribe },
      region({}, [model(ACME, { provider: "Acme AI", agreementStatus: "NOT_AVAILABLE", offerCount: 0 })]),
    );
    expect(judge(none, ACME).status).toBe("usable");
    // A first-party model (no product id, no offers, agreement AVAILABLE) is not Marketplace.
    expect(modelTraits(NOVA, [{ agreementStatus: "AVAILABLE", offerCount: null }]).marketplace).toBe(false);
    expect(modelTraits(NOVA, [{ agreementStatus: "NOT_AVAILABLE", offerCount: 0 }]).marketplace).toBe(false);
    expect(judge(account({ scps: noSubscribe }), NOVA).status).toBe("usable");
    // The evidence that makes a model Marketplace: offers, a pending or failed agreement, AWS's product-id table.
    expect(modelTraits(ACME, [{ agreementStatus: "NOT_AVAILABLE", offerCount: 2 }]).marketplace).toBe(true);
    expect(modelTraits(ACME, [{ agreementStatus: "PENDING", offerCount: null }]).marketplace).toBe(true);
    expect(modelTraits(ACME, [{ agreementStatus: "ERROR", offerCount: null }]).marketplace).toBe(true);
    expect(modelTraits(COHERE).marketplace).toBe(true);
  });

  it("use_case: only AWS's not-authorized answer blocks; never on bedrock-mantle", () => {
    const auth = (a: string | null, onFile = known(false)) =>
      account({ useCaseOnFile: onFile }, region({}, [model(CLAUDE, { authorizationStatus: a })]));
    expect(judge(auth("AUTHORIZED"), CLAUDE).status).toBe("usable");
    expect(judge(auth("NOT_AUTHORIZED"), CLAUDE).paths[0]).toMatchObject({ status: "blocked", gate: "use_case" });
    expect(judge(auth(null), CLAUDE).paths[0]).toMatchObject({ status: "unknown", gate: "use_case" });
    expect(judge(auth(null, known(true)), CLAUDE).status).toBe("usable");
    const mantle = account(
      {},
      region(
        {
          mantleModels: known([{ mantleId: CLAUDE, allowedModes: null }]),
          mantleProjects: known([
            {
              projectId: "default",
              arn: "arn:aws:bedrock-mantle:us-east-1:1:project/default",
              retentionMode: null,
              tags: {},
            },
          ]),
        },
        [model(CLAUDE, { authorizationStatus: "NOT_AUTHORIZED" })],
      ),
    );
    expect(judge(mantle, CLAUDE).paths.map((p) => [p.path.kind, p.status])).toEqual([
      ["direct", "blocked"],
      ["mantle", "usable"],
    ]);
  });

  it("data_retention: a model requiring retention is refused under none; a mantle project's own mode wins", () => {
    const none = account({}, region({ dataRetention: known("none") }, [model(FABLE)]));
    expect(judge(none, FABLE).paths[0]).toMatchObject({ status: "blocked", gate: "data_retention" });
    expect(
      judge(account({}, region({ dataRetention: unknownFact("AccessDenied") }, [model(FABLE)])), FABLE).paths[0],
    ).toMatchObject({
      status: "unknown",
      gate: "data_retention",
    });
    const project = (mode: "provider_data_share" | null) =>
      account(
        {},
        region(
          {
            dataRetention: known("none"),
            mantleModels: known([{ mantleId: FABLE, allowedModes: null }]),
            mantleProjects: known([
              { projectId: "p", arn: "arn:aws:bedrock-mantle:us-east-1:1:project/p", retentionMode: mode, tags: {} },
            ]),
          },
          [model(FABLE)],
        ),
      );
    expect(judge(project("provider_data_share"), FABLE).paths.find((p) => p.path.kind === "mantle")?.status).toBe(
      "usable",
    );
    expect(judge(project(null), FABLE).paths.find((p) => p.path.kind === "mantle")?.status).toBe("blocked");
    // A model without the requirement runs under none.
    expect(judge(account({}, region({ dataRetention: known("none") }))).status).toBe("usable");
  });

  it("Claude Platform is a path for Anthropic models in a signed-up account, governed by aws-external-anthropic", () => {
    const signedUp = (extra?: NamedPolicy) =>
      account(
        {
          scps: extra ? scps(extra) : scps(),
          claudePlatform: known([
            {
              workspaceId: "wrkspc_1",
              arn: `arn:aws:aws-external-anthropic:us-east-1:${ACCT}:workspace/wrkspc_1`,
              region: "us-east-1",
            },
          ]),
        },
        region({}, [model(CLAUDE, { authorizationStatus: "NOT_AUTHORIZED" }), model(NOVA)]),
      );
    expect(judge(signedUp(), CLAUDE).paths.find((p) => p.path.kind === "claude_platform")?.status).toBe("usable");
    expect(judge(signedUp(), NOVA).paths.some((p) => p.path.kind === "claude_platform")).toBe(false);
    const denied = judge(signedUp(policy("NoClaudePlatform", "Deny", "aws-external-anthropic:*", "*")), CLAUDE);
    expect(denied.paths.find((p) => p.path.kind === "claude_platform")).toMatchObject({
      status: "blocked",
      gate: "org_policy",
    });
  });

  it("a model is usable when any path is, blocked when every path is, unknown otherwise; the memo changes nothing", () => {
    const a = account(
      { scps: scps(policy("NoDirect", "Deny", "bedrock:*", "arn:aws:bedrock:us-east-1::foundation-model/*")) },
      region({}, [model(CLAUDE)], [profile("us.claude", CLAUDE)]),
    );
    // The profile's destination us-east-1 is denied too: every path blocked.
    expect(judge(a, CLAUDE).status).toBe("blocked");
    const engine = createReachabilityEngine({ now: NOW });
    const first = engine.evaluate(a, "us-east-1", CLAUDE, ANY);
    const again = engine.evaluate({ ...a, accountId: "222222222222" }, "us-east-1", CLAUDE, ANY);
    expect(again.paths.map((p) => [p.status, p.gate])).toEqual(first.paths.map((p) => [p.status, p.gate]));
    expect(judge(account({ bedrockPolicy: unknownFact("x") })).status).toBe("unknown");
  });

  it("one engine judging many accounts keeps apart what their SCPs tell apart by account", () => {
    // Under these policies two accounts differ only by their id: the memo that serves accounts
    // with the same SCPs must not hand one account's decision to the other.
    const denyWhere = (sid: string, condition: Record<string, Record<string, string>>): NamedPolicy => ({
      id: sid,
      document: {
        Version: "2012-10-17",
        Statement: [{ Sid: sid, Effect: "Deny", Action: "bedrock:*", Resource: "*", Condition: condition }],
      },
    });
    const cases: Array<[string, NamedPolicy]> = [
      ["an account-number prefix", denyWhere("Prefix", { StringLike: { "aws:PrincipalAccount": "3333*" } })],
      [
        "a profile ARN of one account",
        denyWhere("OneAccountsProfiles", {
          ArnLike: { "bedrock:InferenceProfileArn": "arn:aws:bedrock:*:3333*:inference-profile/*" },
        }),
      ],
      [
        "a policy variable",
        {
          id: "OwnAccountOnly",
          document: {
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "OwnAccountOnly",
                Effect: "Deny",
                Action: "bedrock:InvokeModel",
                NotResource: ["arn:aws:bedrock:*::foundation-model/*", "arn:aws:bedrock:*:${aws:PrincipalAccount}:*"],
              },
            ],
          },
        },
      ],
    ];
    for (const [what, deny] of cases) {
      const engine = createReachabilityEngine({ now: NOW });
      const judgeFor = (accountId: string) => {
        const rf = region(
          {},
          [model(CLAUDE, { inferenceTypes: ["INFERENCE_PROFILE"] })],
          [profile("us.claude", CLAUDE, { arn: `arn:aws:bedrock:us-east-1:${accountId}:inference-profile/us.claude` })],
        );
        return engine.evaluate(
          account({ accountId, scps: [{ targetId: "r-root", policies: [FULL, deny] }] }, rf),
          "us-east-1",
          CLAUDE,
          ANY,
        ).status;
      };
      // "a policy variable": both accounts call their own profile, so both may; the others deny 3333….
      const expected = what === "a policy variable" ? ["usable", "usable"] : ["usable", "blocked"];
      expect([judgeFor("111111111111"), judgeFor("333333333333")], what).toEqual(expected);
      expect([judgeFor("333333333333"), judgeFor("111111111111")].reverse(), what).toEqual(expected);
    }
  });
});
