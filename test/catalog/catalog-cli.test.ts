// `bedrock-governor catalog diff|apply|export` as a person runs it: a YAML file in git.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { migratedDatabase } from "../helpers/app.js";
import { runCliSync } from "../helpers/cli.js";

let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await migratedDatabase();
  dir = mkdtempSync(path.join(tmpdir(), "catalog-cli-"));
});
afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCliSync(["catalog", ...args], { DATABASE_URL: db.url, LOG_LEVEL: "error" });

describe("catalog CLI", () => {
  it("an empty catalog exports as a valid document, and stderr points to `catalog init`", () => {
    const r = cli("export");
    expect(r.status).toBe(0);
    expect(parseCatalogDocument(r.stdout)).toEqual([]);
    expect(r.stdout).not.toContain("catalog init");
    expect(r.stderr).toContain("bedrock-governor catalog init");
  }, 120_000);

  it("init prints a starter that diff accepts; -o writes it and refuses to overwrite without --force", () => {
    const printed = cli("init");
    expect(printed.status).toBe(0);
    expect(parseCatalogDocument(printed.stdout).map((e) => e.id)).toEqual(["amazon-nova"]);
    const file = path.join(dir, "starter.yaml");
    const written = cli("init", "-o", file);
    expect(written.status).toBe(0);
    expect(written.stdout).toBe("");
    expect(readFileSync(file, "utf8")).toBe(printed.stdout);
    const diff = cli("diff", "-f", file);
    expect(diff.status, diff.stderr).toBe(2);
    expect(diff.stdout).toContain("+ amazon-nova  amazon.nova-*");
    writeFileSync(file, "entries: []\n");
    const refused = cli("init", "-o", file);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/exists; --force overwrites it/);
    expect(readFileSync(file, "utf8")).toBe("entries: []\n");
    expect(cli("init", "-o", file, "--force").status).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(printed.stdout);
  }, 240_000);

  it("schema prints the committed catalog.schema.json", () => {
    const r = cli("schema");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync("catalog.schema.json", "utf8"));
  }, 120_000);

  it("diff shows changes (exit 2), apply makes them, export gives the document back", () => {
    const file = path.join(dir, "catalog.yaml");
    writeFileSync(
      file,
      "entries:\n  - id: nova\n    model: amazon.nova-*\n    scope: organization\n    owner: platform\n    justification: defaults\n",
    );
    const diff = cli("diff", "-f", file);
    expect(diff.status).toBe(2);
    expect(diff.stdout).toContain("+ nova  amazon.nova-*");
    const apply = cli("apply", "-f", file, "--reason", "first catalog");
    expect(apply.status).toBe(0);
    expect(apply.stdout).toMatch(/applied as change set [0-9a-f-]{36}/);
    expect(cli("diff", "-f", file).status).toBe(0);
    const exported = cli("export");
    expect(parseCatalogDocument(exported.stdout).map((e) => e.model)).toEqual(["amazon.nova-*"]);
  });

  it("a bad file is one clear line and exit 1; apply without --reason is refused", () => {
    const bad = path.join(dir, "bad.yaml");
    writeFileSync(
      bad,
      "entries:\n  - id: x\n    model: amazon.nova-*\n    scope: everywhere\n    owner: o\n    justification: j\n",
    );
    const r = cli("diff", "-f", bad);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n").at(-1)).toMatch(/invalid catalog: entries\[0\]\.scope/);
    expect(cli("apply", "-f", bad).status).not.toBe(0);
  });
});
