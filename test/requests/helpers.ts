// Shared setup of the access-request tests: the small fixture organization, synced, with the
// catalog's SCPs in place (so a model outside the catalog is blocked by bedrock-governor's SCP).
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { parseCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import { startTestApp } from "../helpers/app.js";
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
