// `bedrock-governor preflight` and GET /v1/system/preflight against sandbox scenario files.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { migratedDatabase, startTestApp } from "../helpers/app.js";
import { runCliSync } from "../helpers/cli.js";
import {
  APP,
  BUCKET,
  everythingRight,
  externalIdMismatch,
  missingAction,
  trailPrefixNoSelector,
  WRONG_EXT,
} from "./preflight-scenarios.js";

const dir = mkdtempSync(path.join(tmpdir(), "preflight-"));
function scenarioFile(name: string, scenario: unknown): string {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(scenario));
  return file;
}

let db: TestDatabase;
beforeAll(async () => {
  db = await migratedDatabase();
});
afterAll(async () => db?.drop());

const cli = (scenario: string, ...args: string[]) =>
  runCliSync(["preflight", ...args], {
    DATABASE_URL: db.url,
    LOG_LEVEL: "error",
    SYNC_CRON: "off",
    INVOCATIONS_INGEST_CRON: "off",
    SANDBOX_SCENARIO: scenario,
    INVOCATIONS_TRAIL_BUCKET: BUCKET,
  });

describe("preflight CLI", () => {
  it("everything right: ✓ lines and exit 0", () => {
    const r = cli(scenarioFile("right", everythingRight()));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^✓ credentials /m);
    expect(r.stdout).toMatch(/^✓ member-permissions +5 accounts$/m);
    expect(r.stdout).toMatch(/^✓ trail-mantle-selector /m);
    expect(r.stdout).not.toMatch(/^✗/m);
    expect(r.stdout).toMatch(/^OK: /m);
  });

  it("ExternalId mismatches: a ✗ line per account with the fix under it, exit 3; --json too", () => {
    const file = scenarioFile("extid", externalIdMismatch());
    const r = cli(file);
    expect(r.status, r.stderr).toBe(3);
    for (const id of WRONG_EXT) {
      expect(r.stdout).toMatch(new RegExp(`^✗ member-role +account ${id}: arn:aws:iam::${id}:role/GovernorRole$`, "m"));
    }
    expect(
      r.stdout.match(/^ {6}fix: Deploy deploy\/cloudformation\/member-role\.yaml .*AWS_EXTERNAL_ID/gm),
    ).toHaveLength(3);
    expect(r.stdout).toMatch(/^FAILED: /m);
    const j = cli(file, "--json", "--sample", "2");
    expect(j.status, j.stderr).toBe(3);
    const report = JSON.parse(j.stdout) as { accounts: { checked: number }; summary: { ok: boolean } };
    expect(report.accounts.checked).toBe(2);
    expect(report.summary.ok).toBe(false);
  });

  it("(c) a member role lacking an action: its ✗ line and fix, exit 3", () => {
    const r = cli(scenarioFile("missing-cli", missingAction()));
    expect(r.status, r.stderr).toBe(3);
    // The summary line and the account's own line, both on the member-permissions check.
    const fails = r.stdout.match(/^✗ .*$/gm) ?? [];
    expect(fails.every((l) => l.startsWith("✗ member-permissions "))).toBe(true);
    expect(fails).toContainEqual(
      expect.stringMatching(
        new RegExp(`^✗ member-permissions +account ${APP}: arn:aws:iam::${APP}:role/GovernorRole$`),
      ),
    );
    expect(r.stdout.match(/^ {6}fix: .*$/gm)).toEqual([
      "      fix: Add bedrock:GetAccountDataRetention to the member role (deploy/cloudformation/member-role.yaml, PermissionLevel=read), and remove the statement or SCP that denies it",
    ]);
    expect(r.stdout).toMatch(/^FAILED: /m);
  });

  it("(d) an org trail with a key prefix and no mantle data-event selector: two ✗ lines with fixes, exit 3", () => {
    const r = cli(scenarioFile("trail-cli", trailPrefixNoSelector()));
    expect(r.status, r.stderr).toBe(3);
    const fails = (r.stdout.match(/^✗ \S+/gm) ?? []).sort();
    expect(fails).toEqual(["✗ trail-key-prefix", "✗ trail-mantle-selector"]);
    const fixes = r.stdout.match(/^ {6}fix: .*$/gm) ?? [];
    expect(fixes).toHaveLength(2);
    expect(fixes).toContain("      fix: Set INVOCATIONS_TRAIL_KEY_PREFIX=org/logs");
    expect(fixes.some((f) => /org-trail-mantle-selector\.yaml/.test(f))).toBe(true);
    expect(r.stdout).toMatch(/^FAILED: /m);
  });

  it("bad flags exit 2", () => {
    const r = cli(scenarioFile("right2", everythingRight()), "--sample", "0");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--sample must be a positive integer/);
    const l = cli(scenarioFile("right3", everythingRight()), "--level", "write");
    expect(l.status).toBe(2);
    expect(l.stderr).toMatch(/--level must be read or remediation/);
  });
});

describe("GET /v1/system/preflight", () => {
  it("admin only; reports the missing member-role action with its fix", async () => {
    const t = await startTestApp({
      SANDBOX_SCENARIO: scenarioFile("missing", missingAction()),
      INVOCATIONS_TRAIL_BUCKET: BUCKET,
    });
    try {
      const viewer = await t.app.inject({
        method: "GET",
        url: "/v1/system/preflight",
        headers: { authorization: await t.keyFor("viewer") },
      });
      expect(viewer.statusCode).toBe(403);
      const res = await t.app.inject({
        method: "GET",
        url: "/v1/system/preflight?level=read",
        headers: { authorization: await t.keyFor("admin") },
      });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as {
        summary: { ok: boolean };
        checks: { status: string; detail: string; fix?: string }[];
      };
      expect(body.summary.ok).toBe(false);
      const miss = body.checks.filter((c) => c.status === "fail" && c.fix);
      expect(miss.map((c) => c.detail)).toEqual([
        "bedrock:GetAccountDataRetention is explicitly denied for the member role",
      ]);
      const bad = await t.app.inject({
        method: "GET",
        url: "/v1/system/preflight?sample=0",
        headers: { authorization: await t.keyFor("admin") },
      });
      expect(bad.statusCode).toBe(400);
    } finally {
      await t.close();
    }
  });
});
