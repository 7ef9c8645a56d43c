import { ListAccountsCommand, paginateListAccounts } from "@aws-sdk/client-organizations";
import { describe, expect, it } from "vitest";
import { isAccountId } from "../../src/kernel/aws-ids.js";
import { DEMO_ACCOUNTS } from "../../src/sandbox/demo.js";
import { demoScenario, generateScenario, startSandbox } from "../../src/sandbox/index.js";
import { clients } from "./helpers.js";

describe("generateScenario", () => {
  it("is deterministic per seed and realistic", () => {
    const a = generateScenario({ accounts: 200, regions: 3, models: 40, seed: 9 });
    expect(generateScenario({ accounts: 200, regions: 3, models: 40, seed: 9 })).toEqual(a);
    expect(generateScenario({ accounts: 200, regions: 3, models: 40, seed: 10 })).not.toEqual(a);
    expect(new Set(a.accounts.map((x) => x.id)).size).toBe(200);
    for (const acct of a.accounts) expect(isAccountId(acct.id)).toBe(true);
    for (const ou of a.ous ?? []) expect(ou.id).toMatch(/^ou-[0-9a-z]{4}-[0-9a-z]{8}$/);
    const providers = new Set(a.models?.map((m) => m.provider));
    expect(providers.size).toBeGreaterThanOrEqual(6);
    expect(a.models?.some((m) => m.lifecycle?.status === "LEGACY")).toBe(true);
    expect(a.inferenceProfiles?.some((p) => p.id.startsWith("global."))).toBe(true);
    // OUs nest at least two deep below the root.
    const parent = new Map((a.ous ?? []).map((o) => [o.id, o.parent]));
    const depth = (id: string): number => (parent.get(id) === "root" ? 1 : 1 + depth(parent.get(id) as string));
    expect(Math.max(...(a.ous ?? []).map((o) => depth(o.id)))).toBeGreaterThanOrEqual(2);
  });

  it("serves a 1,000-account organization that the SDK paginator lists completely", async () => {
    const scenario = generateScenario({ accounts: 1000, regions: 4, models: 100, seed: 1 });
    const sandbox = await startSandbox({ scenario });
    try {
      const { organizations } = clients(sandbox);
      const ids: string[] = [];
      let pages = 0;
      let emptyPages = 0;
      for await (const page of paginateListAccounts({ client: organizations }, {})) {
        pages++;
        if ((page.Accounts ?? []).length === 0 && page.NextToken) emptyPages++;
        expect((page.Accounts ?? []).length).toBeLessThanOrEqual(20);
        ids.push(...(page.Accounts ?? []).map((x) => x.Id as string));
      }
      expect(ids).toHaveLength(1000);
      expect(new Set(ids)).toEqual(new Set(scenario.accounts.map((x) => x.id)));
      expect(emptyPages).toBe(9);
      expect(pages).toBe(59);
      const one = await organizations.send(new ListAccountsCommand({ MaxResults: 20 }));
      expect(one.Accounts).toHaveLength(20);
    } finally {
      await sandbox.close();
    }
  });
});

describe("demoScenario", () => {
  it("contains the drift cases the demo relies on", () => {
    const demo = demoScenario();
    expect(demo.accounts.length).toBeGreaterThanOrEqual(10);
    const byId = new Map(demo.accounts.map((a) => [a.id, a]));
    expect(byId.get(DEMO_ACCOUNTS.sandboxAlice)?.memberRole).toBe("missing");
    expect(byId.get(DEMO_ACCOUNTS.nonprodPayments)?.memberRole).toBe("external-id-mismatch");
    expect(byId.get(DEMO_ACCOUNTS.sandboxBob)?.state).toBe("SUSPENDED");
    expect(byId.get(DEMO_ACCOUNTS.legacyApp)?.anthropicUseCase).toBeUndefined();
    expect(demo.policies?.map((p) => p.name)).toEqual(
      expect.arrayContaining(["DenyDeepSeekModels", "ProdApprovedModelsOnly"]),
    );
    expect(demo.inferenceProfiles?.some((p) => p.id.startsWith("global."))).toBe(true);
    expect(demo.models?.some((m) => m.lifecycle?.status === "LEGACY")).toBe(true);
  });
});
