// A re-reconciliation of an unchanged organization rewrites nothing but the findings' last_seen_at
// (per-account digests in reconcile_digests), and ends in exactly the state a full rewrite gives:
// an expired suppression is re-opened, a finding row written another way (here: deleted) comes back.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { syncOrganization } from "../helpers/sync.js";

let t: TestApp;
const ctx = { principal: SYSTEM_PRINCIPAL };
const sql = <T>(text: string, ...values: unknown[]) => t.db.client.$queryRawUnsafe<T[]>(text, ...values);

/** What reconciliation stores, except the times a run moves. */
const stored = async () => ({
  findings: await sql<Record<string, unknown>>(
    `SELECT key, type, severity, status::text, detail, evidence, first_seen_at, resolved_at FROM findings ORDER BY key`,
  ),
  verdicts: await sql<Record<string, unknown>>(
    "SELECT account_id, region, model_id, status, via, gate, reason, paths, computed_at FROM model_verdicts ORDER BY 1, 2, 3",
  ),
});

/** The page each stored finding row version is on. */
const pages = async () =>
  new Map(
    (await sql<{ key: string; page: string }>("SELECT key, (ctid::text::point)[0]::text AS page FROM findings")).map(
      (r) => [r.key, r.page],
    ),
  );

beforeAll(async () => {
  t = await startTestApp();
  await syncOrganization(t);
});
afterAll(async () => t?.close());

describe("re-reconciliation of an unchanged organization", () => {
  it("writes no verdict and only last_seen_at of findings, with one digest per account in the organization", async () => {
    const first = await t.services.reconcile.run();
    expect(first.found).toBeGreaterThan(0);
    const before = await stored();
    const [{ n: digests } = { n: 0 }] = await sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM reconcile_digests WHERE verdicts IS NOT NULL AND findings IS NOT NULL",
    );
    // Accounts not active have no verdicts or findings: a digest of nothing.
    const [{ n: accounts } = { n: 0 }] = await sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM accounts WHERE left_at IS NULL",
    );
    expect(digests).toBe(accounts);

    const pagesBefore = await pages();
    const again = await t.services.reconcile.run();
    expect(again).toMatchObject({ found: first.found, verdictsChanged: 0, created: 0, resolved: 0 });
    expect(again.seenAgain).toBe(first.found);
    // Moving last_seen_at keeps each row on its page (fillfactor 50), and a new version on the same
    // page of a column in no index is heap-only: no index entry is written. With full pages every
    // new version went to another page and into all three indexes, most of a whole organization's
    // re-reconciliation.
    expect(await pages()).toEqual(pagesBefore);
    expect(await stored()).toEqual(before);
    const [{ stale } = { stale: -1 }] = await sql<{ stale: number }>(
      "SELECT count(*)::int AS stale FROM findings WHERE status <> 'resolved' AND last_seen_at < (SELECT max(last_seen_at) FROM findings)",
    );
    expect(stale).toBe(0);
  });

  it("re-opens a finding whose suppression expired, and writes back a finding row removed meanwhile", async () => {
    const open = await sql<{ id: bigint; key: string; account_id: string }>(
      "SELECT id, key, account_id FROM findings WHERE status = 'open' ORDER BY key LIMIT 2",
    );
    const [expired, removed] = open;
    if (expired === undefined || removed === undefined) throw new Error("the demo organization has open findings");
    await t.services.reconcile.suppress(ctx, expired.id.toString(), {
      reason: "until the test moves it",
      until: new Date(Date.now() + 3_600_000),
    });
    await sql("UPDATE findings SET suppressed_until = now() - interval '1 second' WHERE id = $1", expired.id);
    await sql("DELETE FROM findings WHERE id = $1", removed.id);

    await t.services.reconcile.run();
    const rows = await sql<{ key: string; status: string }>(
      "SELECT key, status::text FROM findings WHERE key = ANY($1::text[])",
      [expired.key, removed.key],
    );
    expect(new Map(rows.map((x) => [x.key, x.status]))).toEqual(
      new Map([
        [expired.key, "open"],
        [removed.key, "open"],
      ]),
    );
  });
});
