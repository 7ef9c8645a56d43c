// Each invoke-time gate failing alone, on each surface: Bedrock Runtime Converse (direct, geographic
// profile, global profile), bedrock-mantle (Anthropic Messages, SigV4) and Claude Platform on AWS.
// The healthy organization passes everywhere; every variant breaks exactly one gate and the table
// says which surfaces notice, with the error each answers (docs/sandbox.md "Invoke-time gates").
import { ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import { describe, expect, it } from "vitest";
import { startSandbox } from "../../src/sandbox/index.js";
import { assumeRole, signedFetch } from "./access-helpers.js";
import { accessScenario, app, HAIKU, HAIKU_MANTLE, type Json, MGMT, messages, OU, ROLE } from "./access-scenario.js";
import { clients } from "./helpers.js";

type Outcome = { direct: string; geo: string; global: string; mantle: string; claude: string };

async function outcomes(change: (s: Json) => void): Promise<Outcome> {
  const sandbox = await startSandbox({ scenario: accessScenario(change) });
  try {
    const creds = await assumeRole(sandbox, ROLE);
    const { runtime } = clients(sandbox, creds);
    const converse = async (modelId: string) => {
      try {
        await runtime.send(new ConverseCommand({ modelId, messages }));
        return "ok";
      } catch (e) {
        return (e as Error).name;
      }
    };
    const mantle = await signedFetch(sandbox, creds, {
      service: "bedrock-mantle",
      region: "us-east-1",
      method: "POST",
      path: "/anthropic/v1/messages",
      body: { model: HAIKU_MANTLE, max_tokens: 64, messages: [{ role: "user", content: "Hello" }] },
    });
    const claude = await signedFetch(sandbox, creds, {
      service: "aws-external-anthropic",
      region: "us-east-1",
      method: "POST",
      path: "/v1/messages",
      headers: { "anthropic-workspace-id": "wrkspc_app01", "anthropic-version": "2023-06-01" },
      body: { model: "claude-sonnet-4-6", max_tokens: 64, messages: [{ role: "user", content: "Hello" }] },
    });
    const web = (r: { status: number; json: Json }) => (r.status === 200 ? "ok" : `${r.status} ${r.json.error?.type}`);
    return {
      direct: await converse(HAIKU),
      geo: await converse(`us.${HAIKU}`),
      global: await converse(`global.${HAIKU}`),
      mantle: web(mantle),
      claude: web(claude),
    };
  } finally {
    await sandbox.close();
  }
}

const scp = (id: string, statement: Json) => ({
  id,
  name: id,
  content: { Version: "2012-10-17", Statement: [statement] },
  targets: [OU],
});
const bedrockPolicy = (version: string) => ({
  id: "p-bedrockpol01",
  name: "OrgGuardrails",
  type: "BEDROCK_POLICY",
  content: {
    bedrock: {
      guardrail_inference: {
        "us-east-1": {
          config_1: { identifier: { "@@assign": `arn:aws:bedrock:us-east-1:${MGMT}:guardrail/gr1:${version}` } },
        },
      },
    },
  },
  targets: [OU],
});
const role = (s: Json, actions: string[]) => {
  app(s).principals[0].policies = [
    {
      name: "Scoped",
      document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }] },
    },
  ];
};
const haiku = (s: Json) => s.models.find((m: Json) => m.id === HAIKU);
const ALL = (direct: string, mantle: string, claude = "ok"): Outcome => ({
  direct,
  geo: direct,
  global: direct,
  mantle,
  claude,
});

const CASES: [string, (s: Json) => void, Outcome][] = [
  ["healthy", () => {}, ALL("ok", "ok")],
  [
    "the Region is not enabled in the account",
    (s) => {
      app(s).regions = ["us-west-2"];
      app(s).claudePlatformWorkspaces = [{ id: "wrkspc_app01", region: "us-west-2" }];
    },
    ALL("UnrecognizedClientException", "401 authentication_error", "401 authentication_error"),
  ],
  [
    "a BEDROCK_POLICY with a malformed guardrail identifier",
    (s) => {
      s.policies = [bedrockPolicy("DRAFT")];
    },
    ALL("AccessDeniedException", "ok"),
  ],
  [
    "…and the switch that extends it to bedrock-mantle",
    (s) => {
      s.policies = [bedrockPolicy("DRAFT")];
      s.bedrockPolicyFailure = { mantle: true };
    },
    ALL("AccessDeniedException", "403 permission_error"),
  ],
  [
    "a well-formed BEDROCK_POLICY",
    (s) => {
      s.policies = [bedrockPolicy("1")];
    },
    ALL("ok", "ok"),
  ],
  [
    "an SCP denies bedrock:* on the model",
    (s) => {
      s.policies = [
        scp("p-denyhaiku001", {
          Effect: "Deny",
          Action: "bedrock:*",
          Resource: "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-haiku*",
        }),
      ];
    },
    ALL("AccessDeniedException", "ok"),
  ],
  [
    "an SCP denies bedrock-mantle:CreateInference for the model",
    (s) => {
      s.policies = [
        scp("p-denymantle01", {
          Effect: "Deny",
          Action: "bedrock-mantle:CreateInference",
          Resource: "*",
          Condition: { StringEquals: { "bedrock-mantle:Model": HAIKU_MANTLE } },
        }),
      ];
    },
    ALL("ok", "403 permission_error"),
  ],
  [
    "the role may not call bedrock:InvokeModel",
    (s) => role(s, ["bedrock-mantle:*", "aws-marketplace:*", "aws-external-anthropic:*", "sts:*"]),
    ALL("AccessDeniedException", "ok"),
  ],
  [
    "the account's availability override says NOT_AVAILABLE",
    (s) => {
      app(s).modelAccess = [{ model: HAIKU, entitlement: "NOT_AVAILABLE" }];
    },
    ALL("AccessDeniedException", "403 permission_error"),
  ],
  [
    "the model is LEGACY and the account never used it",
    (s) => {
      haiku(s).lifecycle = { status: "LEGACY", legacyTime: "2026-01-01T00:00:00Z" };
    },
    ALL("ResourceNotFoundException", "404 not_found_error"),
  ],
  [
    "zero data retention and a model that requires retention",
    (s) => {
      app(s).dataRetention = { "*": "none" };
      haiku(s).dataRetention = { allowedModes: ["default", "provider_data_share"] };
    },
    ALL("ValidationException", "400 invalid_request_error"),
  ],
  [
    "a managed-entitlement model whose grant is PENDING_ACCEPT",
    (s) => {
      app(s).managedEntitlementModels = [HAIKU];
      s.managedEntitlements = { grants: [{ model: HAIKU, principal: "organization", status: "PENDING_ACCEPT" }] };
    },
    ALL("AccessDeniedException", "403 permission_error"),
  ],
  [
    "no Anthropic use-case form (not required on bedrock-mantle)",
    (s) => {
      s.accounts[0].anthropicUseCase = false;
    },
    ALL("AccessDeniedException", "ok"),
  ],
  [
    "the role lacks the AWS Marketplace permissions",
    (s) => role(s, ["bedrock:*", "bedrock-mantle:*", "aws-external-anthropic:*", "sts:*"]),
    ALL("AccessDeniedException", "403 permission_error"),
  ],
  [
    "the account has no valid payment method",
    (s) => {
      app(s).marketplace = { paymentMethod: false };
    },
    ALL("AccessDeniedException", "403 permission_error"),
  ],
  [
    "no Claude Platform workspace",
    (s) => {
      app(s).claudePlatformWorkspaces = [];
    },
    ALL("ok", "ok", "404 not_found_error"),
  ],
  [
    "an SCP denies aws-external-anthropic:*",
    (s) => {
      s.policies = [scp("p-denyclaude01", { Effect: "Deny", Action: "aws-external-anthropic:*", Resource: "*" })];
    },
    ALL("ok", "ok", "403 permission_error"),
  ],
];

describe("invoke-time gates, one at a time, on every surface", () => {
  it.each(CASES)("%s", async (_name, change, expected) => {
    expect(await outcomes(change)).toEqual(expected);
  });
});

describe("a managed entitlement replaces the account's own Marketplace subscription", () => {
  it("ACTIVE grant: invocable without any AWS Marketplace permission", async () => {
    const o = await outcomes((s) => {
      role(s, ["bedrock:*", "bedrock-mantle:*", "sts:*", "aws-external-anthropic:*"]);
      app(s).managedEntitlementModels = [HAIKU];
      s.managedEntitlements = { grants: [{ model: HAIKU, principal: OU, status: "ACTIVE" }] };
    });
    expect(o).toEqual(ALL("ok", "ok"));
  });
});
