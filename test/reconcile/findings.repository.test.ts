// Applying reconciliation results to stored findings: deduplicated by key across runs, resolved
// when no longer found, suppressed ones left alone until their suppression expires.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFindingsRepository, type FindingsRepository } from "../../src/modules/reconcile/findings.repository.js";
import { findingKey } from "../../src/modules/reconcile/findings-collector.js";
import type { FindingCandidate } from "../../src/modules/reconcile/reconcile.types.js";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { migratedDatabase } from "../helpers/app.js";
import { createPrismaTestClient } from "../helpers/prisma.js";

let db: TestDatabase;
let close: () => Promise<void>;
let repo: FindingsRepository;

beforeAll(async () => {
  db = await migratedDatabase();
  const prisma = createPrismaTestClient(db.url);
  close = prisma.close;
  repo = createFindingsRepository(prisma.db);
});
afterAll(async () => {
  await close?.();
  await db?.drop();
});

const candidate = (accountId: string, modelId: string, detail = "seen"): FindingCandidate => {
  const parts = {
    type: "UNAPPROVED_MODEL_ACCESSIBLE" as const,
    accountId,
    region: "us-east-1",
    modelId,
    path: null,
    gate: null,
  };
  return { ...parts, severity: "high", key: findingKey(parts), detail, evidence: { run: detail } };
};

const t = (minutes: number) => new Date(Date.UTC(2026, 5, 1, 0, minutes));
const byKey = async () => new Map((await repo.list({}, { limit: 100 })).map((f) => [f.key, f] as const));

describe("findings repository", () => {
  it("dedupes across runs, resolves what disappears, re-opens what returns, respects suppressions", async () => {
    const a = candidate("111111111111", "m.a");
    const b = candidate("111111111111", "m.b");
    const c = candidate("222222222222", "m.c");

    expect(await repo.apply([a, b, c], t(0))).toEqual({ created: 3, seenAgain: 0, resolved: 0 });
    expect(await repo.apply([a, { ...b, detail: "again" }, c], t(10))).toEqual({
      created: 0,
      seenAgain: 3,
      resolved: 0,
    });
    let rows = await byKey();
    expect(rows.get(b.key)).toMatchObject({ status: "open", detail: "again", firstSeenAt: t(0), lastSeenAt: t(10) });

    // b disappears; a is suppressed until t(30) and disappears too; c belongs to an account out of scope.
    const sa = rows.get(a.key);
    if (sa === undefined) throw new Error("missing a");
    expect(await repo.suppress(sa.id, { reason: "accepted risk", until: t(30), by: "alice" })).toMatchObject({
      status: "suppressed",
      suppressedBy: "alice",
    });
    expect(await repo.apply([], t(20), { accountIds: ["111111111111"] })).toEqual({
      created: 0,
      seenAgain: 0,
      resolved: 1,
    });
    rows = await byKey();
    expect(rows.get(a.key)?.status).toBe("suppressed");
    expect(rows.get(b.key)).toMatchObject({ status: "resolved", resolvedAt: t(20) });
    expect(rows.get(c.key)?.status).toBe("open");

    // Seen while suppressed: stays suppressed. b returns: re-opened, first seen kept.
    await repo.apply([a, b, c], t(25));
    rows = await byKey();
    expect(rows.get(a.key)).toMatchObject({ status: "suppressed", lastSeenAt: t(25) });
    expect(rows.get(b.key)).toMatchObject({ status: "open", firstSeenAt: t(0), resolvedAt: null });

    // After expiry: seen → open again; not seen → resolved.
    await repo.apply([a, c], t(40));
    rows = await byKey();
    expect(rows.get(a.key)?.status).toBe("open");
    expect(rows.get(b.key)?.status).toBe("resolved");
    await repo.suppress(rows.get(c.key)?.id ?? "0", { reason: "r", until: t(45), by: "bob" });
    expect(await repo.apply([a], t(50))).toMatchObject({ resolved: 1 });
    expect((await byKey()).get(c.key)?.status).toBe("resolved");
  });

  it("filters and pages by id", async () => {
    const open = await repo.list({ status: "open" }, { limit: 100 });
    expect(open.map((f) => f.modelId)).toEqual(["m.a"]);
    const first = await repo.list({}, { limit: 2 });
    const rest = await repo.list({}, { limit: 2, afterId: first[1]?.id ?? "0" });
    expect([...first, ...rest].map((f) => f.modelId)).toEqual(["m.c", "m.b", "m.a"]);
    expect(
      await repo.list({ accountId: "222222222222", type: "UNAPPROVED_MODEL_ACCESSIBLE" }, { limit: 10 }),
    ).toHaveLength(1);
  });
});
