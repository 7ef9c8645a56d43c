// Shared setup of the fault tests: a sandbox in this process (so the test can switch outages on
// and off), the real service on a database, and a sync that is waited for.
import pg from "pg";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import type { SyncRunView } from "../../src/modules/inventory/inventory.types.js";
import type { TestApp } from "../helpers/app.js";

export const ctx = { principal: SYSTEM_PRINCIPAL };

/** A sandbox in this process and the service on it (shared with the other tests). */
export { type SandboxApp as FaultRig, startSandboxApp as startRig } from "../helpers/sandbox-app.js";

export async function waitForRun(
  t: TestApp,
  runId: string,
  onProgress?: (run: SyncRunView) => Promise<void> | void,
): Promise<SyncRunView> {
  for (let i = 0; i < 6000; i++) {
    let run: SyncRunView | undefined;
    try {
      run = await t.services.sync.getRun(ctx, runId);
    } catch {
      // the database may be away (restart test); keep polling
    }
    if (run) {
      if (onProgress) await onProgress(run);
      if (["succeeded", "partial", "failed"].includes(run.status)) return run;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${runId} did not finish`);
}

export async function query<T>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/**
 * No half-written state: every account-Region recorded ok holds exactly the models it says it
 * has, and every model row belongs to an account-Region recorded ok.
 */
export async function inconsistentAccountRegions(url: string): Promise<unknown[]> {
  return query(
    url,
    `SELECT ar.account_id, ar.region, ar.status, ar.model_count, count(m.model_id)::int AS rows
     FROM account_regions ar LEFT JOIN model_access m ON m.account_id = ar.account_id AND m.region = ar.region
     GROUP BY ar.account_id, ar.region
     HAVING (ar.status = 'ok' AND ar.model_count <> count(m.model_id))
         OR (ar.status = 'ok' AND count(m.model_id) = 0)`,
  );
}
