// `bedrock-governor plan | apply | reconcile` as an operator runs them, over the drift fixture.
// Every command is its own process with its own in-process sandbox started from the same scenario.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { migratedDatabase } from "../helpers/app.js";
import { runCliSync } from "../helpers/cli.js";

let db: TestDatabase;
let dir: string;
const cli = (...args: string[]) =>
  runCliSync(
    args,
    {
      DATABASE_URL: db.url,
      LOG_LEVEL: "error",
      SANDBOX_SCENARIO: "test/fixtures/drift-scenario.yaml",
      SYNC_CRON: "off",
    },
    120_000,
  );

beforeAll(async () => {
  db = await migratedDatabase();
  dir = mkdtempSync(path.join(tmpdir(), "remediation-cli-"));
  const catalog = path.join(dir, "catalog.yaml");
  writeFileSync(
    catalog,
    "entries:\n  - { id: nova, model: amazon.nova-pro-v1:0, scope: organization, owner: platform, justification: default }\n",
  );
  expect(cli("catalog", "apply", "-f", catalog, "--reason", "fixture").status).toBe(0);
  const sync = cli("sync", "--wait");
  expect(sync.status, sync.stderr).toBe(3); // partial: lost-app is unreachable
}, 240_000);
afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe("remediation CLI", () => {
  it("reconcile prints the findings it produced", () => {
    const r = cli("reconcile");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d+ finding\(s\): \d+ new, \d+ seen again, \d+ resolved$/m);
  });

  it("plan prints the changes, what it cannot do and how to apply it (exit 2 when there are changes)", () => {
    const form = path.join(dir, "use-case.json");
    writeFileSync(form, JSON.stringify({ companyName: "Example Corp", useCases: "assistants" }));
    const r = cli("plan", "--use-case-file", form);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toContain("+ create SCP bedrock-governor-catalog-r-dr01 for root r-dr01");
    expect(r.stdout).toContain("+ attach SCP bedrock-governor-catalog-r-dr01 to root r-dr01");
    expect(r.stdout).toContain("! SCPs do not apply to the management account 100000000001");
    const id = /apply it with: bedrock-governor apply ([0-9a-f-]{36})/.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    const json = cli("plan", "--account", "300000000003", "--json");
    expect(json.status).toBe(2);
    const plan = JSON.parse(json.stdout) as { scope: unknown; changes: { kind: string }[] };
    expect(plan.scope).toEqual({ kind: "account", id: "300000000003" });
    expect(plan.changes.some((c) => c.kind === "scp_create")).toBe(true);
  });

  it("apply of an unknown plan fails with one line; bad options are usage errors (exit 2)", () => {
    const unknown = cli("apply", "00000000-0000-4000-8000-000000000000");
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("not found");
    const usage = cli("plan", "--region", "us-east-1");
    expect(usage.status).toBe(2);
    expect(usage.stderr.trim()).toBe("bedrock-governor: --region needs --account");
  });
});
