// A hub that reads the organization as a delegated administrator whose delegation covers SCPs but
// not BEDROCK_POLICY: ListPolicies(BEDROCK_POLICY) answers AccessDeniedException. The discovery must
// not abort: the tree, accounts and SCPs are stored, the BEDROCK_POLICY the inventory last knew is
// kept, and the engine says the Bedrock-policy gate is unknown (with AWS's reason), not "none".
import { afterEach, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { createReachabilityEngine } from "../../src/modules/reachability/engine.js";
import { createFactsRepository } from "../../src/modules/reachability/facts.repository.js";
import { APP, healthyOrg, type Json, NOVA, OU } from "../helpers/healthy-org.js";
import { type SandboxApp, startSandboxApp } from "../helpers/sandbox-app.js";
import { waitForSyncRun } from "../helpers/wait.js";

const REGION = "us-east-1";
const ctx = { principal: SYSTEM_PRINCIPAL };
const bedrockPolicy = {
  id: "p-bedrockpol01",
  name: "OrgGuardrails",
  type: "BEDROCK_POLICY",
  content: { bedrock: { guardrail_inference: {} } },
  targets: [OU],
};

let opened: SandboxApp | undefined;
afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

describe("discovery as a delegated administrator without BEDROCK_POLICY delegation", () => {
  it("stores the organization and its SCPs, and marks the Bedrock policy unknown instead of aborting", async () => {
    opened = await startSandboxApp(
      healthyOrg((s) => {
        (s.organization as Json).delegatedPolicyTypes = ["SERVICE_CONTROL_POLICY"];
        s.policies.push(bedrockPolicy);
      }),
      { INVENTORY_REGIONS: REGION },
    );
    const { t } = opened;
    const run = await t.services.sync.requestSync(ctx, { scope: "organization" });
    expect((await waitForSyncRun(t, run.id)).status).toBe("succeeded");

    const [inv] = await createFactsRepository(t.db).accounts([APP]);
    if (inv === undefined) throw new Error("the account was not synced");
    // The SCPs were read: the root's FullAWSAccess and the OU's policies are levels of the account.
    expect(inv.facts.scps?.length).toBeGreaterThanOrEqual(2);
    expect(inv.facts.bedrockPolicy).toMatchObject({ known: false });
    expect((inv.facts.bedrockPolicy as { reason: string }).reason).toMatch(/BEDROCK_POLICY could not be read/);
    const verdict = createReachabilityEngine({ now: new Date() }).evaluate(inv.facts, REGION, NOVA, { kind: "any" });
    const direct = verdict.paths.find((p) => p.path.kind === "direct");
    expect(direct?.checks.find((c) => c.gate === "bedrock_policy")?.status).toBe("unknown");
    expect(direct?.status).toBe("unknown");
  }, 120_000);
});
