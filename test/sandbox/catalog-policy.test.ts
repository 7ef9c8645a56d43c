// The 2026 catalogue (PROVISIONED-only variants, lifecycle), per-model availability errors, the
// organization's BEDROCK_POLICY (effective policy, malformed guardrail identifier), the Anthropic
// use-case switch (both behaviours), and the new scenario fields in validation, demo and generator.
import {
  GetFoundationModelAvailabilityCommand,
  GetUseCaseForModelAccessCommand,
  ListFoundationModelsCommand,
} from "@aws-sdk/client-bedrock";
import { ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import { DescribeEffectivePolicyCommand } from "@aws-sdk/client-organizations";
import { describe, expect, it } from "vitest";
import { DEMO_ACCOUNTS } from "../../src/sandbox/demo.js";
import { demoScenario, generateScenario, type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { assumeRole } from "./access-helpers.js";
import {
  APP,
  accessScenario,
  app,
  FABLE,
  GPT,
  HAIKU,
  type Json,
  LEGACY,
  MGMT,
  messages,
  NOVA,
  OTHER,
  OU,
  PROV,
  ROLE,
} from "./access-scenario.js";
import { clients, errorOf } from "./helpers.js";

async function withSandbox(change: (s: Json) => void, fn: (sb: Sandbox) => Promise<void>, clock?: () => Date) {
  const sb = await startSandbox({ scenario: accessScenario(change), ...(clock ? { clock: { now: clock } } : {}) });
  try {
    await fn(sb);
  } finally {
    await sb.close();
  }
}
const converse = async (sb: Sandbox, modelId: string) =>
  clients(sb, await assumeRole(sb, ROLE)).runtime.send(new ConverseCommand({ modelId, messages }));

describe("catalogue", () => {
  it("lists PROVISIONED-only variants that on-demand calls refuse; profile-only models keep their error", async () => {
    await withSandbox(
      () => {},
      async (sb) => {
        const { bedrock } = clients(sb);
        const prov = await bedrock.send(new ListFoundationModelsCommand({ byInferenceType: "PROVISIONED" }));
        expect(prov.modelSummaries?.map((m) => [m.modelId, m.inferenceTypesSupported])).toEqual([
          [PROV, ["PROVISIONED"]],
        ]);
        const e = await errorOf(() => converse(sb, PROV));
        expect([e.name, e.message]).toEqual([
          "ValidationException",
          "The provided model doesn't support on-demand throughput.",
        ]);
        expect((await errorOf(() => converse(sb, FABLE))).message).toContain(
          "with on-demand throughput isn’t supported",
        );
      },
    );
  });

  it("closes LEGACY models to accounts that did not use them in the last 30 days; EOL models to everyone", async () => {
    let now = new Date("2026-12-01T00:00:00Z");
    await withSandbox(
      (s) => {
        s.cloudtrail = {
          endTime: "2026-12-01T00:00:00Z",
          events: [{ minutesAgo: 60 * 24 * 10, account: APP, region: "us-east-1", modelId: LEGACY }],
        };
        s.accounts.find((a: Json) => a.id === OTHER).principals = [
          { arn: `arn:aws:iam::${OTHER}:role/R`, policies: app(s).principals[0].policies },
        ];
      },
      async (sb) => {
        expect((await converse(sb, LEGACY)).stopReason).toBe("end_turn");
        const other = clients(sb, await assumeRole(sb, `arn:aws:iam::${OTHER}:role/R`)).runtime;
        const e = await errorOf(() => other.send(new ConverseCommand({ modelId: LEGACY, messages })));
        expect(e.name).toBe("ResourceNotFoundException");
        expect(e.message).toContain("marked by provider as Legacy");
        sb.state.accounts.get(OTHER)?.legacyModelActivity.set(LEGACY, "active");
        expect((await other.send(new ConverseCommand({ modelId: LEGACY, messages }))).stopReason).toBe("end_turn");
        now = new Date("2027-03-02T00:00:00Z");
        const later = clients(sb, await assumeRole(sb, `arn:aws:iam::${OTHER}:role/R`)).runtime;
        const eol = await errorOf(() => later.send(new ConverseCommand({ modelId: LEGACY, messages })));
        expect(eol.message).toContain("end of its life");
      },
      () => now,
    );
  });

  it("answers GetFoundationModelAvailability with a scenario-chosen error for one model only", async () => {
    await withSandbox(
      (s) => {
        app(s).modelAccess = [
          { model: GPT, availabilityError: "AccessDeniedException" },
          { model: NOVA, region: "us-east-1", availabilityError: "InternalServerException" },
        ];
      },
      async (sb) => {
        const { bedrock } = clients(sb, await assumeRole(sb, ROLE));
        const get = (modelId: string) => bedrock.send(new GetFoundationModelAvailabilityCommand({ modelId }));
        expect((await errorOf(() => get(GPT))).name).toBe("AccessDeniedException");
        const five = await errorOf(() => get(NOVA));
        expect([five.name, five.$metadata?.httpStatusCode]).toEqual(["InternalServerException", 500]);
        expect((await get(HAIKU)).regionAvailability).toBe("AVAILABLE");
      },
    );
  });
});

describe("Organizations BEDROCK_POLICY", () => {
  const policy = (id: string, identifier: unknown, targets: string[]) => ({
    id,
    name: id,
    type: "BEDROCK_POLICY",
    content: {
      bedrock: {
        guardrail_inference: {
          "us-east-1": { config_1: { identifier: { "@@assign": identifier }, input_tags: { "@@assign": "honor" } } },
        },
      },
    },
    targets,
  });

  it("DescribeEffectivePolicy merges root → OU → account; a member reads its own only", async () => {
    await withSandbox(
      (s) => {
        s.policies = [
          policy("p-rootguard01", `arn:aws:bedrock:us-east-1:${MGMT}:guardrail/grroot000001:1`, ["root"]),
          policy("p-ouguard0001", `arn:aws:bedrock:us-east-1:${MGMT}:guardrail/grou00000001:2`, [OU]),
        ];
      },
      async (sb) => {
        const eff = await clients(sb).organizations.send(
          new DescribeEffectivePolicyCommand({ PolicyType: "BEDROCK_POLICY", TargetId: APP }),
        );
        expect(JSON.parse(eff.EffectivePolicy?.PolicyContent as string)).toEqual({
          bedrock: {
            guardrail_inference: {
              "us-east-1": {
                config_1: {
                  identifier: `arn:aws:bedrock:us-east-1:${MGMT}:guardrail/grou00000001:2`,
                  input_tags: "honor",
                },
              },
            },
          },
        });
        const member = clients(sb, await assumeRole(sb, ROLE)).organizations;
        expect(
          (await member.send(new DescribeEffectivePolicyCommand({ PolicyType: "BEDROCK_POLICY" }))).EffectivePolicy
            ?.TargetId,
        ).toBe(APP);
        expect(
          (
            await errorOf(() =>
              member.send(new DescribeEffectivePolicyCommand({ PolicyType: "BEDROCK_POLICY", TargetId: OTHER })),
            )
          ).name,
        ).toBe("AccessDeniedException");
        expect(
          (await errorOf(() => member.send(new DescribeEffectivePolicyCommand({ PolicyType: "TAG_POLICY" })))).name,
        ).toBe("EffectivePolicyNotFoundException");
      },
    );
  });

  it("a malformed identifier fails every Bedrock call in scope; the scope switch can limit it to invocations", async () => {
    const bad = (s: Json) => {
      s.policies = [policy("p-badguard001", "gr-org", [OU])];
    };
    await withSandbox(bad, async (sb) => {
      const { bedrock } = clients(sb, await assumeRole(sb, ROLE));
      const e = await errorOf(() => bedrock.send(new ListFoundationModelsCommand({})));
      expect(e.name).toBe("AccessDeniedException");
      expect(e.message).toContain("guardrail identifier 'gr-org' is malformed");
      expect((await errorOf(() => converse(sb, NOVA))).name).toBe("AccessDeniedException");
      // The management account is outside the OU: unaffected.
      expect(
        (await clients(sb).bedrock.send(new ListFoundationModelsCommand({}))).modelSummaries?.length,
      ).toBeGreaterThan(0);
    });
    await withSandbox(
      (s) => {
        bad(s);
        s.bedrockPolicyFailure = { scope: "invocations", error: "ValidationException" };
      },
      async (sb) => {
        const { bedrock } = clients(sb, await assumeRole(sb, ROLE));
        expect((await bedrock.send(new ListFoundationModelsCommand({}))).modelSummaries?.length).toBeGreaterThan(0);
        expect((await errorOf(() => converse(sb, NOVA))).name).toBe("ValidationException");
      },
    );
  });
});

describe("the Anthropic use-case form filed in the management account", () => {
  const form = (sb: Sandbox) => clients(sb, sb.baseCredentials);
  it.each([
    ["inherited", "the management account's form"],
    ["not_found", "ResourceNotFoundException"],
  ] as const)(
    "useCaseMemberAnswer %s: GetUseCaseForModelAccess in a member answers %s; invocation works either way",
    async (answer, _what) => {
      await withSandbox(
        (s) => {
          s.useCaseMemberAnswer = answer;
        },
        async (sb) => {
          const { bedrock } = clients(sb, await assumeRole(sb, ROLE));
          if (answer === "inherited") {
            const got = await bedrock.send(new GetUseCaseForModelAccessCommand({}));
            expect(JSON.parse(Buffer.from(got.formData as Uint8Array).toString())).toMatchObject({
              companyName: "management",
            });
          } else {
            const e = await errorOf(() => bedrock.send(new GetUseCaseForModelAccessCommand({})));
            expect([e.name, e.message]).toEqual([
              "ResourceNotFoundException",
              "You have not filled out the request form.",
            ]);
          }
          const availability = await bedrock.send(new GetFoundationModelAvailabilityCommand({ modelId: HAIKU }));
          expect(availability.authorizationStatus).toBe("AUTHORIZED");
          expect((await converse(sb, HAIKU)).stopReason).toBe("end_turn");
          expect((await form(sb).bedrock.send(new GetUseCaseForModelAccessCommand({}))).formData).toBeDefined();
        },
      );
    },
  );
});

describe("scenario fields", () => {
  it("are validated with paths", () => {
    expect(() =>
      accessScenario((s) => {
        app(s).dataRetention = { "us-east-1": "sometimes" };
      }),
    ).toThrow(/accounts\[1\]\.dataRetention/);
    expect(() =>
      accessScenario((s) => {
        app(s).managedEntitlementModels = ["acme.nothing-v1:0"];
      }),
    ).toThrow("scenario.accounts[1].managedEntitlementModels[0]: unknown model acme.nothing-v1:0");
    expect(() =>
      accessScenario((s) => {
        s.managedEntitlements = { grants: [{ model: HAIKU, principal: "ou-zz99-nothere1" }] };
      }),
    ).toThrow("scenario.managedEntitlements.grants[0].principal: unknown principal ou-zz99-nothere1");
    expect(() =>
      accessScenario((s) => {
        app(s).mantleProjects = [{ id: "proj_x", name: "x", region: "eu-west-1" }];
      }),
    ).toThrow(/mantleProjects\[0\]\.region: Region eu-west-1 is not enabled/);
    expect(() =>
      accessScenario((s) => {
        app(s).apiKeys = [{ user: "u", key: "sk-123" }];
      }),
    ).toThrow(/apiKeys\[0\]\.key: must match/);
  });

  it("appear in the demo and, seeded, in generated organizations", async () => {
    const demo = demoScenario();
    const byId = new Map(demo.accounts.map((a) => [a.id, a]));
    expect(byId.get(DEMO_ACCOUNTS.nonprodData)?.dataRetention).toEqual({ "us-west-2": "none" });
    expect(byId.get(DEMO_ACCOUNTS.prodSearch)?.mantleProjects?.[0]?.id).toBe("proj_searchprod01");
    expect(demo.managedEntitlements?.grants?.map((g) => g.status)).toEqual(["ACTIVE", "PENDING_ACCEPT"]);
    expect(demo.models?.some((m) => m.inferenceTypes?.join() === "PROVISIONED")).toBe(true);
    expect(demo.policies?.filter((p) => p.type === "BEDROCK_POLICY")).toHaveLength(2);
    const g = generateScenario({ accounts: 400, regions: 3, models: 30, seed: 4 });
    expect(generateScenario({ accounts: 400, regions: 3, models: 30, seed: 4 })).toEqual(g);
    expect(g.accounts.some((a) => a.dataRetention !== undefined)).toBe(true);
    expect(g.accounts.some((a) => a.mantleProjects !== undefined)).toBe(true);
    expect(g.models?.some((m) => m.id === FABLE)).toBe(true);
    const plain = generateScenario({ accounts: 400, regions: 3, models: 30, seed: 4, access: false });
    expect(plain.accounts.every((a) => a.dataRetention === undefined)).toBe(true);
    // The organization itself does not change with the access features.
    expect(plain.accounts.map((a) => a.id)).toEqual(g.accounts.map((a) => a.id));
    const sb = await startSandbox({ scenario: demo });
    try {
      const fable = await clients(sb).bedrock.send(new ListFoundationModelsCommand({}));
      expect(fable.modelSummaries?.some((m) => m.modelId === FABLE)).toBe(false);
    } finally {
      await sb.close();
    }
  });
});
