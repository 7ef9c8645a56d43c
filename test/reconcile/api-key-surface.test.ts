// Long-term Bedrock API keys as a surface, end to end: the sandbox's IAM user holds a key, the sync
// records it (api_key_holders), reconciliation reports UNGUARDED_SURFACE on path api_keys, and the
// sandbox really answers a Converse call made with that key. An SCP that denies LONG_TERM bearer
// tokens closes the surface for both; a catalog entry that allows API keys accepts it.
import { ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import { afterEach, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { parseCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import { APP, healthyOrg, type Json, NOVA, OU } from "../helpers/healthy-org.js";
import { type SandboxApp, startSandboxApp } from "../helpers/sandbox-app.js";
import { waitForSyncRun } from "../helpers/wait.js";
import { bearerClients } from "../sandbox/access-helpers.js";

const REGION = "us-east-1";
const KEY = "ABSKY2ktYm90LWxvbmctdGVybS1rZXktMDAwMDE=";
const ctx = { principal: SYSTEM_PRINCIPAL };

const denyLongTermKeys = {
  id: "p-nolongterm01",
  name: "DenyLongTermBedrockKeys",
  type: "SERVICE_CONTROL_POLICY",
  content: {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "NoLongTermKeys",
        Effect: "Deny",
        Action: "bedrock:CallWithBearerToken",
        Resource: "*",
        Condition: { StringEquals: { "bedrock:bearerTokenType": "LONG_TERM" } },
      },
    ],
  },
  targets: [OU],
};

const catalog = (apiKeys: boolean) =>
  parseCatalogDocument(`entries:
  - id: nova
    model: ${NOVA}
    scope: organization
    owner: platform
    justification: general use${apiKeys ? "\n    apiKeys: true" : ""}
`);

let opened: SandboxApp | undefined;
afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

async function reconcileWith(opts: { denyKeys: boolean; entryAllowsKeys: boolean }) {
  const rig = await startSandboxApp(
    healthyOrg((s) => {
      const app = s.accounts.find((a) => a.id === APP) as Json & { principals: Json[] };
      app.principals.push({
        arn: `arn:aws:iam::${APP}:user/ci-bot`,
        policies: [
          {
            name: "Bedrock",
            document: {
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Action: ["bedrock:*", "aws-marketplace:*"], Resource: "*" }],
            },
          },
        ],
      });
      app.apiKeys = [{ user: "ci-bot", key: KEY }];
      if (opts.denyKeys) s.policies.push(denyLongTermKeys);
    }),
    { INVENTORY_REGIONS: REGION },
  );
  opened = rig;
  const { t, sandbox } = rig;
  await t.services.catalog.apply(ctx, catalog(opts.entryAllowsKeys), "api-key test");
  const run = await t.services.sync.requestSync(ctx, { scope: "organization" });
  expect((await waitForSyncRun(t, run.id)).status).toBe("succeeded");
  await t.services.reconcile.run();
  const page = await t.services.reconcile.list(
    ctx,
    { type: "UNGUARDED_SURFACE", accountId: APP, status: "open" },
    { limit: 50 },
  );
  let answer = "ok";
  try {
    await bearerClients(sandbox, KEY, REGION).runtime.send(
      new ConverseCommand({
        modelId: NOVA,
        messages: [{ role: "user", content: [{ text: "ok" }] }],
        inferenceConfig: { maxTokens: 1 },
      }),
    );
  } catch (err) {
    answer = `${(err as Error).name}: ${(err as Error).message}`;
  }
  return { findings: page.items.filter((f) => f.path === "api_keys"), answer };
}

describe("long-term Bedrock API keys: reconciliation and the sandbox agree", () => {
  it("an active key no entry allows is reported, and the key really calls the model", async () => {
    const { findings, answer } = await reconcileWith({ denyKeys: false, entryAllowsKeys: false });
    expect(answer).toBe("ok");
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ region: REGION, modelId: null, severity: "high", gate: null });
    expect(findings[0]?.detail).toContain("IAM user ci-bot");
    expect(findings[0]?.evidence).toMatchObject({ models: expect.arrayContaining([NOVA]) });
  }, 120_000);

  it("an SCP denying LONG_TERM bearer tokens closes the surface: nothing reported, the call refused", async () => {
    const { findings, answer } = await reconcileWith({ denyKeys: true, entryAllowsKeys: false });
    expect(answer).toContain("AccessDeniedException");
    expect(answer).toContain("bedrock:CallWithBearerToken");
    expect(findings).toEqual([]);
  }, 120_000);

  it("a catalog entry that allows API keys accepts them", async () => {
    const { findings, answer } = await reconcileWith({ denyKeys: false, entryAllowsKeys: true });
    expect(answer).toBe("ok");
    expect(findings).toEqual([]);
  }, 120_000);
});
