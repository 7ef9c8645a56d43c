// Discovery results applied to the inventory: moves between OUs and accounts leaving are recorded
// as history; nothing is deleted; re-applying the same snapshot records nothing.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "../../src/db/prisma.js";
import { createAccountRegionRepository } from "../../src/modules/inventory/account-region.repository.js";
import { createChangeHistoryRepository } from "../../src/modules/inventory/change-history.repository.js";
import type { OrgSnapshot } from "../../src/modules/inventory/inventory.types.js";
import { createInventoryFactsRepository } from "../../src/modules/inventory/inventory-facts.repository.js";
import { createInventoryStateService } from "../../src/modules/inventory/inventory-state.service.js";
import { createOrgRepository } from "../../src/modules/inventory/org.repository.js";
import { createSyncRunRepository } from "../../src/modules/inventory/sync-run.repository.js";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { migratedDatabase } from "../helpers/app.js";

let db: TestDatabase;
let close: () => Promise<void>;
let repo: ReturnType<typeof createOrgRepository>;
let state: ReturnType<typeof createInventoryStateService>;

const base: OrgSnapshot = {
  nodes: [
    { id: "r-ab12", kind: "root", name: "Root", parentId: null, path: "/Root" },
    { id: "ou-ab12-aaaaaaaa", kind: "ou", name: "Prod", parentId: "r-ab12", path: "/Root/Prod" },
    { id: "ou-ab12-bbbbbbbb", kind: "ou", name: "Dev", parentId: "r-ab12", path: "/Root/Dev" },
  ],
  accounts: [
    {
      id: "111111111111",
      name: "a",
      email: null,
      state: "ACTIVE",
      parentId: "ou-ab12-aaaaaaaa",
      path: "/Root/Prod",
      joinedAt: null,
      management: false,
    },
    {
      id: "222222222222",
      name: "b",
      email: null,
      state: "ACTIVE",
      parentId: "ou-ab12-bbbbbbbb",
      path: "/Root/Dev",
      joinedAt: null,
      management: false,
    },
  ],
  policies: [],
};

async function rows<T>(text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query(text)).rows as T[];
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  db = await migratedDatabase();
  const database = createDatabase({ url: db.url, poolSize: 2 });
  close = () => database.close();
  const org = createOrgRepository(database);
  repo = org;
  state = createInventoryStateService({
    db: database,
    org,
    accountRegions: createAccountRegionRepository(database),
    facts: createInventoryFactsRepository(database),
    runs: createSyncRunRepository(database),
    history: createChangeHistoryRepository(database),
  });
});
afterAll(async () => {
  await close?.();
  await db?.drop();
});

describe("organization discovery applied to the inventory", () => {
  it("records moves and departures as history, keeps the rows, and is idempotent", async () => {
    const first = await state.applyOrganization({
      runId: "00000000-0000-4000-8000-000000000001",
      snapshot: base,
      at: new Date(),
    });
    expect(first.newAccounts.sort()).toEqual(["111111111111", "222222222222"]);
    expect(
      (await state.applyOrganization({ runId: "00000000-0000-4000-8000-000000000002", snapshot: base, at: new Date() }))
        .changes,
    ).toBe(0);

    // b moves to Prod, a leaves the organization, c is suspended on arrival.
    const next: OrgSnapshot = {
      ...base,
      accounts: [
        {
          id: "222222222222",
          name: "b",
          email: null,
          state: "ACTIVE",
          parentId: "ou-ab12-aaaaaaaa",
          path: "/Root/Prod",
          joinedAt: null,
          management: false,
        },
        {
          id: "333333333333",
          name: "c",
          email: null,
          state: "SUSPENDED",
          parentId: "r-ab12",
          path: "/Root",
          joinedAt: null,
          management: false,
        },
      ],
    };
    const third = await state.applyOrganization({
      runId: "00000000-0000-4000-8000-000000000003",
      snapshot: next,
      at: new Date(),
    });
    expect(third.newAccounts).toEqual(["333333333333"]);
    const changes = await rows<{ account_id: string; change: string; old_value: unknown; new_value: unknown }>(
      "SELECT account_id, change, old_value, new_value FROM inventory_changes WHERE run_id = '00000000-0000-4000-8000-000000000003' ORDER BY account_id, change",
    );
    expect(changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ account_id: "111111111111", change: "left" }),
        expect.objectContaining({
          account_id: "222222222222",
          change: "parentId",
          old_value: "ou-ab12-bbbbbbbb",
          new_value: "ou-ab12-aaaaaaaa",
        }),
        expect.objectContaining({
          account_id: "222222222222",
          change: "path",
          old_value: "/Root/Dev",
          new_value: "/Root/Prod",
        }),
        expect.objectContaining({ account_id: "333333333333", change: "added" }),
      ]),
    );
    const accounts = await rows<{ id: string; left_at: Date | null; state: string }>(
      "SELECT id, left_at, state FROM accounts ORDER BY id",
    );
    expect(accounts.map((a) => [a.id, a.left_at !== null, a.state])).toEqual([
      ["111111111111", true, "ACTIVE"],
      ["222222222222", false, "ACTIVE"],
      ["333333333333", false, "SUSPENDED"],
    ]);
    expect((await repo.accountsInScope({})).map((a) => a.id).sort()).toEqual(["222222222222", "333333333333"]);
  });
});

describe("a policy type the discovery could not read", () => {
  it("keeps the BEDROCK_POLICY the inventory last knew (and its attachments) and marks every account; a later readable discovery clears the mark", async () => {
    const bedrock = {
      id: "p-bedrock00001",
      name: "Guardrails",
      type: "BEDROCK_POLICY",
      description: null,
      content: "{}",
      awsManaged: false,
      targets: ["ou-ab12-aaaaaaaa"],
    };
    const withPolicy: OrgSnapshot = { ...base, policies: [bedrock] };
    await state.applyOrganization({
      runId: "00000000-0000-4000-8000-000000000011",
      snapshot: withPolicy,
      at: new Date(),
    });
    const unreadable: OrgSnapshot = {
      ...base,
      policies: [],
      unreadablePolicyTypes: [{ type: "BEDROCK_POLICY", reason: "BEDROCK_POLICY could not be read: AccessDenied" }],
    };
    const applied = await state.applyOrganization({
      runId: "00000000-0000-4000-8000-000000000012",
      snapshot: unreadable,
      at: new Date(),
    });
    expect(applied.changes).toBe(0);
    const current = await repo.current();
    expect(current.policies.map((p) => p.id)).toContain("p-bedrock00001");
    expect(current.attachments.map((a) => a.key)).toContain("p-bedrock00001|ou-ab12-aaaaaaaa");
    const marks = () =>
      rows<{ account_id: string; known: boolean; reason: string }>(
        "SELECT account_id, known, reason FROM inventory_facts WHERE fact = 'org_bedrock_policy' ORDER BY account_id",
      );
    expect((await marks()).map((m) => [m.account_id, m.known])).toEqual(base.accounts.map((a) => [a.id, false]).sort());
    await state.applyOrganization({
      runId: "00000000-0000-4000-8000-000000000013",
      snapshot: withPolicy,
      at: new Date(),
    });
    expect(await marks()).toEqual([]);
  });
});
