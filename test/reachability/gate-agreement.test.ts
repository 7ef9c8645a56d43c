// Each gate failing alone, three ways: the engine's verdict on the synced inventory
// (GET /v1/reachability's service), the doctor's live verdict (the engine on live reads), and what
// the sandbox answers to the real call (Converse as the governor's member role, or as the
// application role for IAM). All three must name the same gate; the healthy organization passes.
import { ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import { afterAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import type { DoctorGate } from "../../src/modules/doctor/doctor.types.js";
import { classifyError } from "../../src/modules/doctor/error-classifier.js";
import { createReachabilityEngine } from "../../src/modules/reachability/engine.js";
import { createFactsRepository } from "../../src/modules/reachability/facts.repository.js";
import { pathName } from "../../src/modules/reachability/reachability.types.js";
import { parseScenario, type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import {
  APP,
  healthyOrg,
  type Json,
  MGMT,
  NOVA,
  OU,
  onlyClaudeForTheApp,
  ROLE,
  SONNET,
} from "../helpers/healthy-org.js";
import { waitForSyncRun } from "../helpers/wait.js";
import { assumeRole } from "../sandbox/access-helpers.js";
import { clients } from "../sandbox/helpers.js";

const FABLE = "anthropic.claude-fable-5";
const COHERE = "cohere.command-r-plus-v1:0";
const REGION = "us-east-1";
const ctx = { principal: SYSTEM_PRINCIPAL };
type Org = Parameters<Parameters<typeof healthyOrg>[0] & {}>[0];

const deny = (id: string, action: string, resource = "*") => ({
  id,
  name: id,
  type: "SERVICE_CONTROL_POLICY",
  content: { Version: "2012-10-17", Statement: [{ Sid: "Deny", Effect: "Deny", Action: action, Resource: resource }] },
  targets: [OU],
});

interface Case {
  gate: DoctorGate | null;
  model: string;
  /** The principal that makes the real call (default: the governor's member role). */
  caller?: string;
  change: (s: Org) => void;
}

const CASES: Case[] = [
  { gate: null, model: NOVA, change: () => {} },
  {
    gate: "bedrock_policy",
    model: NOVA,
    change: (s) => {
      s.policies.push({
        id: "p-bedrockdraft1",
        name: "Draft",
        type: "BEDROCK_POLICY",
        content: {
          bedrock: {
            guardrail_inference: {
              [REGION]: {
                config_1: { identifier: { "@@assign": `arn:aws:bedrock:${REGION}:${MGMT}:guardrail/grdraft01:DRAFT` } },
              },
            },
          },
        },
        targets: [OU],
      });
    },
  },
  {
    gate: "region",
    model: NOVA,
    change: (s) => {
      (s.models[0] as Json).regions = ["us-west-2"];
      (s as Json).inferenceProfiles = [];
    },
  },
  { gate: "org_policy", model: NOVA, change: (s) => s.policies.push(deny("p-denynova0001", "bedrock:InvokeModel")) },
  {
    gate: "iam",
    model: NOVA,
    caller: ROLE,
    change: onlyClaudeForTheApp,
  },
  {
    // [doc "Model lifecycle"]: past its end-of-life date a model answers no one.
    gate: "lifecycle",
    model: NOVA,
    change: (s) => {
      (s.models[0] as Json).lifecycle = {
        status: "LEGACY",
        legacyTime: "2025-01-01T00:00:00Z",
        endOfLifeTime: "2026-06-01T00:00:00Z",
      };
    },
  },
  {
    // [doc "Data retention"]: Claude Fable 5 runs only where prompts may be shared with the provider.
    gate: "data_retention",
    model: FABLE,
    change: (s) => {
      (s.accounts[1] as Json).dataRetention = { "*": "none" };
      s.models.push({
        id: FABLE,
        provider: "Anthropic",
        inferenceTypes: ["ON_DEMAND"],
        regions: [REGION],
        dataRetention: { allowedModes: ["provider_data_share"], defaultMode: "provider_data_share" },
      });
    },
  },
  {
    gate: "entitlement",
    model: NOVA,
    change: (s) => {
      (s.accounts[1] as Json).modelAccess = [{ model: NOVA, region: REGION, entitlement: "NOT_AVAILABLE" }];
    },
  },
  {
    gate: "use_case",
    model: `us.${SONNET}`,
    change: (s) => {
      (s.accounts[0] as Json).anthropicUseCase = false;
    },
  },
  {
    // [doc "Request access to models"]: the first call subscribes, if the caller may.
    gate: "marketplace",
    model: COHERE,
    change: (s) => {
      (s as Json).marketplaceAgreementDefault = "NOT_AVAILABLE"; // never used: the first call subscribes
      s.models.push({ id: COHERE, provider: "Cohere", inferenceTypes: ["ON_DEMAND"], regions: [REGION] });
      s.policies.push(deny("p-denysubscr01", "aws-marketplace:Subscribe"));
    },
  },
];

const opened: { t: TestApp; sandbox: Sandbox }[] = [];
afterAll(async () => {
  for (const o of opened) {
    await o.t.close();
    await o.sandbox.close();
  }
});

/** The gate a real call's error points at (the doctor's classifier). */
const gateOfError = (message: string) => classifyError(message).likelyGate;

describe("one gate at a time: engine, doctor and sandbox agree", () => {
  for (const c of CASES) {
    it(c.gate === null ? "the healthy organization: usable everywhere" : `${c.gate} alone fails`, async () => {
      const sandbox = await startSandbox({ scenario: parseScenario(healthyOrg(c.change)), port: 0 });
      // The service reaches the external sandbox with its base credentials (the standard chain).
      process.env.AWS_ACCESS_KEY_ID = sandbox.baseCredentials.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = sandbox.baseCredentials.secretAccessKey;
      const t = await startTestApp({
        SANDBOX_URL: sandbox.url,
        AWS_MEMBER_ROLE_NAME: sandbox.memberRoleName,
        INVENTORY_REGIONS: `${REGION},us-west-2`,
      });
      opened.push({ t, sandbox });
      try {
        const run = await t.services.sync.requestSync(ctx, { scope: "organization" });
        // A malformed BEDROCK_POLICY fails the Bedrock control plane too: that account-Region cannot be read.
        expect((await waitForSyncRun(t, run.id)).status).toBe(c.gate === "bedrock_policy" ? "partial" : "succeeded");

        // 1. The engine on the stored inventory (the call asked about: the direct one, or the profile).
        const [inv] = await createFactsRepository(t.db).accounts([APP]);
        if (inv === undefined) throw new Error("the account was not synced");
        const profile = inv.facts.regions.get(REGION)?.profiles.get(c.model);
        const verdict = createReachabilityEngine({ now: new Date() }).evaluate(
          inv.facts,
          REGION,
          profile?.modelId ?? c.model,
          { kind: "any" },
          { direct: profile === undefined },
        );
        const engine = verdict.paths.find((p) => (profile ? pathName(p.path) === c.model : p.path.kind === "direct"));
        // 2. The doctor, live.
        const report = await t.services.doctor.diagnose(ctx, {
          accountId: APP,
          region: REGION,
          model: c.model,
          principalArn: c.caller ?? ROLE,
        });
        // 3. The sandbox's answer to the call itself.
        const caller = c.caller ?? `arn:aws:iam::${APP}:role/${sandbox.memberRoleName}`;
        const creds = await assumeRole(sandbox, caller);
        let error: string | undefined;
        try {
          await clients(sandbox, creds, REGION).runtime.send(
            new ConverseCommand({
              modelId: c.model,
              messages: [{ role: "user", content: [{ text: "ok" }] }],
              inferenceConfig: { maxTokens: 1 },
            }),
          );
        } catch (err) {
          error = `${(err as Error).name}: ${(err as Error).message}`;
        }

        const summary = JSON.stringify({ engine, doctor: report.gates, sandbox: error ?? "ok" });
        if (c.gate === null) {
          expect(error, summary).toBeUndefined();
          expect(engine?.status, summary).toBe("usable");
          expect(report.verdict, summary).toBe("ok");
          return;
        }
        expect(error, summary).toBeDefined();
        expect(gateOfError(error as string), `${error} should point at ${c.gate}`).toBe(c.gate);
        expect(report.verdict, summary).toBe("blocked");
        expect(report.blockingGate, summary).toBe(c.gate);
        if (c.gate === "iam") {
          // The stored inventory is judged for any principal whose identity policies allow the call.
          expect(engine?.status, summary).toBe("usable");
        } else {
          expect(engine, summary).toMatchObject({ status: "blocked", gate: c.gate });
        }
      } finally {
        opened.pop();
        await t.close();
        await sandbox.close();
      }
    }, 120_000);
  }
});
