// Shared setup of the access-request tests: the small fixture organization, synced, with the
// catalog's SCPs in place (so a model outside the catalog is blocked by bedrock-governor's SCP).
import { expect } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { parseCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import type { AccessRequestView } from "../../src/modules/requests/access-request.types.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { waitForSyncRun } from "../helpers/wait.js";

export { sleep } from "../helpers/wait.js";

export const MGMT = "100000000001";
export const DEV = "200000000002";
export const PROD = "300000000003";
export const RETIRED = "400000000004";
export const WORKLOADS_OU = "ou-req1-workload";
export const PROD_OU = "ou-req1-prod0001";
export const NOVA = "amazon.nova-pro-v1:0";
export const MISTRAL = "mistral.mistral-large-2407-v1:0";
export const LLAMA = "meta.llama3-1-70b-instruct-v1:0";
export const LLAMA_US = "us.meta.llama3-1-70b-instruct-v1:0";
export const E1 = "us-east-1";
export const W1 = "eu-west-1";

export const system = { principal: SYSTEM_PRINCIPAL };

/** Starts the app on the fixture, syncs it, and (optionally) enforces a Nova-only catalog by SCP. */
export async function startRequestsApp(opts: { enforceCatalog: boolean }, env: Record<string, string> = {}) {
  const t = await startTestApp({
    SANDBOX_SCENARIO: "test/fixtures/requests-scenario.yaml",
    REQUESTS_SWEEP_CRON: "off",
    REQUESTS_VERIFY_POLL_SECONDS: "1",
    WEBHOOK_RETRY_DELAY_SECONDS: "1",
    WEBHOOK_RETRY_LIMIT: "4",
    ...env,
  });
  await t.services.catalog.apply(
    system,
    parseCatalogDocument(`entries:
  - { id: nova, model: ${NOVA}, scope: organization, owner: platform, justification: default model }
`),
    "requests fixture",
  );
  const run = await t.services.sync.requestSync(system, { scope: "organization" });
  await waitForSyncRun(t, run.id);
  if (opts.enforceCatalog) {
    const plan = await t.services.remediation.createPlan(system, { kind: "organization" });
    const applied = await t.services.remediation.apply(system, plan.id);
    if (applied.status !== "applied") throw new Error(`catalog SCPs not applied: ${JSON.stringify(applied.results)}`);
    for (const id of applied.syncRunIds) await waitForSyncRun(t, id);
  }
  return t;
}

/** An approval rule for the dev account without auto-apply: every plan waits for an admin. */
export async function adminAppliesDevPlans(t: Pick<TestApp, "app">, admin: string): Promise<void> {
  const rule = await t.app.inject({
    method: "POST",
    url: "/v1/approval-rules",
    headers: { authorization: admin },
    payload: {
      name: "dev account: an admin applies every plan",
      scope: { kind: "account", id: DEV },
      approverRole: "approver",
      requiredApprovals: 1,
      autoApply: false,
    },
  });
  expect(rule.statusCode, rule.body).toBe(201);
}

/** A requester files for Mistral in the dev account, us-east-1, for a day. */
export async function fileMistralInDev(t: Pick<TestApp, "app">, requester: string): Promise<AccessRequestView> {
  const filed = await t.app.inject({
    method: "POST",
    url: "/v1/access-requests",
    headers: { authorization: requester },
    payload: {
      accountIds: [DEV],
      regions: [E1],
      model: MISTRAL,
      purpose: "batch classification, reviewed by the platform team",
      dataClassification: "internal",
      durationHours: 24,
    },
  });
  expect(filed.statusCode, filed.body).toBe(201);
  return filed.json() as AccessRequestView;
}
