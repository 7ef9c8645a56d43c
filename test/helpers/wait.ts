// Polling for what happens asynchronously (jobs, notifications, sync runs) in tests.
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import type { SyncRunView } from "../../src/modules/inventory/inventory.types.js";
import type { TestApp } from "./app.js";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Probes every `everyMs` until `ok` holds of the probe's value; returns that value. */
export async function eventually<T>(
  probe: () => Promise<T> | T,
  ok: (v: T) => boolean,
  what: string,
  { timeoutMs = 30_000, everyMs = 100 } = {},
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await sleep(everyMs);
  }
}

const FINISHED = new Set(["succeeded", "partial", "failed"]);

/** Waits for a sync run to finish (succeeded, partial or failed) and returns it. */
export function waitForSyncRun(t: Pick<TestApp, "services">, id: string): Promise<SyncRunView> {
  return eventually(
    () => t.services.sync.getRun({ principal: SYSTEM_PRINCIPAL }, id),
    (run) => FINISHED.has(run.status),
    `sync run ${id}`,
    { timeoutMs: 60_000 },
  );
}
