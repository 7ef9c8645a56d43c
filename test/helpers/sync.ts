// Syncs the whole organization through the service and waits until the run has ended.
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import type { TestApp } from "./app.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function syncOrganization(t: TestApp): Promise<void> {
  const ctx = { principal: SYSTEM_PRINCIPAL };
  const run = await t.services.sync.requestSync(ctx, { scope: "organization" });
  for (let i = 0; i < 600; i++) {
    const now = await t.services.sync.getRun(ctx, run.id);
    if (now.status !== "queued" && now.status !== "running") return;
    await sleep(100);
  }
}
