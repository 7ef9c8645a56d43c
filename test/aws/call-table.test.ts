// The call table (src/aws/call-table.ts) against the code and the deploy/ templates: every AWS
// call in src/aws has a row, every row has a call, and the templates carry the table's actions.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { formatOf, markersOf, ROOT, render, templateFiles } from "../../scripts/deploy-generate.js";
import {
  actionsFor,
  CALL_TABLE,
  type CallRow,
  type PermissionLevel,
  type ResourceScope,
  type TemplateScope,
} from "../../src/aws/call-table.js";

const AWS_DIR = join(ROOT, "src", "aws");

interface FoundCall {
  client: string;
  operation: string;
  file: string;
}

/** `<client>:<operation>` of every SDK command, paginator and signed HTTP request in one file's text. */
function callsIn(text: string, file: string): FoundCall[] {
  // Which @aws-sdk/client-* package each imported name comes from.
  const origin = new Map<string, string>();
  for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*"@aws-sdk\/client-([\w-]+)"/g)) {
    for (const raw of (m[1] as string).split(",")) {
      const name = raw.trim().replace(/^type\s+/, "");
      if (name) origin.set(name, m[2] as string);
    }
  }
  const out: FoundCall[] = [];
  const sdk = (ident: string, operation: string) => {
    const client = origin.get(ident);
    if (client === undefined) throw new Error(`${file}: ${ident} is not imported from an @aws-sdk/client-* package`);
    out.push({ client, operation, file });
  };
  for (const m of text.matchAll(/\bnew\s+((\w+)Command)\s*\(/g)) sdk(m[1] as string, m[2] as string);
  for (const m of text.matchAll(/\b(paginate(\w+))\s*\(/g)) sdk(m[1] as string, m[2] as string);
  // Signed HTTP requests: `http.json({ operation: "X", ... })`, client = the file's `service: "..."`.
  const signed = [...text.matchAll(/\.json\(\s*\{\s*operation:\s*"(\w+)"/g)];
  if (signed.length > 0) {
    const service = /service:\s*"([\w-]+)"/.exec(text)?.[1];
    if (service === undefined) throw new Error(`${file}: signed HTTP calls without a service name`);
    for (const m of signed) out.push({ client: service, operation: m[1] as string, file });
  }
  return out;
}

function codeCalls(): FoundCall[] {
  return readdirSync(AWS_DIR, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && e.name !== "call-table.ts")
    .map((e) => join(e.parentPath, e.name))
    .flatMap((f) => callsIn(readFileSync(f, "utf8"), relative(ROOT, f)));
}

const key = (r: { client: string; operation: string }) => `${r.client}:${r.operation}`;

/** The rows' keys against the code's, as the two failure lists the tests report. */
function compare(rows: readonly CallRow[], calls: FoundCall[]) {
  const rowKeys = new Set(rows.map(key));
  const codeKeys = new Set(calls.map(key));
  return {
    missingRows: [...new Set(calls.filter((c) => !rowKeys.has(key(c))).map((c) => `${key(c)} (${c.file})`))].sort(),
    unusedRows: [...rowKeys].filter((k) => !codeKeys.has(k)).sort(),
  };
}

describe("the call table against the code in src/aws", () => {
  const calls = codeCalls();

  it("finds the calls of every API wrapper and of the credential chain", () => {
    const files = new Set(calls.map((c) => c.file));
    for (const f of ["bedrock", "bedrock-mantle", "cloudtrail", "iam", "license-manager", "organizations"])
      expect(files).toContain(`src/aws/api/${f}.ts`);
    expect(files).toContain("src/aws/credentials.ts");
    expect(calls.map(key)).toEqual(expect.arrayContaining(["sts:AssumeRole", "bedrock-mantle:CreateInference"]));
  });

  it("has a row for every operation the code calls, and no row for an operation it does not call", () => {
    expect(compare(CALL_TABLE, calls)).toEqual({ missingRows: [], unusedRows: [] });
  });

  it("fails when a row is missing or names an operation nobody calls", () => {
    const without = CALL_TABLE.filter((r) => r.operation !== "ListFoundationModels");
    expect(compare(without, calls).missingRows).toEqual(["bedrock:ListFoundationModels (src/aws/api/bedrock.ts)"]);
    const extra = [...CALL_TABLE, { ...(CALL_TABLE[0] as CallRow), operation: "LeaveOrganization" }];
    expect(compare(extra, calls).unusedRows).toEqual(["organizations:LeaveOrganization"]);
  });

  it("has one row per operation and caller role, with well-formed actions of the row's namespace (or another it documents)", () => {
    // The same operation may be called by two roles (iam:SimulatePrincipalPolicy by the hub and by the member role).
    expect(new Set(CALL_TABLE.map((r) => `${key(r)}|${r.role}`)).size).toBe(CALL_TABLE.length);
    for (const r of CALL_TABLE) {
      for (const a of r.actions) expect(a).toMatch(/^[a-z][a-z0-9-]*:[A-Z][A-Za-z0-9]*$/);
      if (r.actions.length === 0) expect(r.note, `${key(r)} has no actions: say why`).toBeTruthy();
      else
        expect(
          r.actions.some((a) => a.startsWith(`${r.service}:`)),
          key(r),
        ).toBe(true);
    }
  });

  it("detects SDK commands, paginators and signed HTTP operations in source text", () => {
    const text = [
      'import { ListRootsCommand, paginateListAccounts } from "@aws-sdk/client-organizations";',
      "client.send(new ListRootsCommand({}));",
      "paginateListAccounts(pg, {});",
      'const ctx = { service: "bedrock-mantle" };',
      'http.json({ operation: "ListProjects", method: "GET" });',
    ].join("\n");
    expect(callsIn(text, "x.ts").map(key)).toEqual([
      "organizations:ListRoots",
      "organizations:ListAccounts",
      "bedrock-mantle:ListProjects",
    ]);
  });
});

describe("the deploy/ templates against the call table", () => {
  const files = templateFiles();

  it("are all there", () => {
    const rel = files.map((f) => relative(ROOT, f));
    expect(rel).toEqual(
      expect.arrayContaining([
        "deploy/cloudformation/member-role.yaml",
        "deploy/cloudformation/management-account.yaml",
        "deploy/cloudformation/hub-role.yaml",
        "deploy/cloudformation/org-trail-mantle-selector.yaml",
        "deploy/terraform/modules/member-role/main.tf",
        "deploy/terraform/modules/hub-role/main.tf",
      ]),
    );
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))(
    "%s carries the table's actions (npm run deploy:generate)",
    (_, f) => {
      const text = readFileSync(f, "utf8");
      expect(render(text, formatOf(f))).toBe(text);
    },
  );

  it.each(files.map((f) => [relative(ROOT, f), f]))(
    "%s has a marker for every (level, resource) of the scopes it grants",
    (_, f) => {
      const markers = markersOf(readFileSync(f, "utf8"));
      const has = new Set(markers.map((m) => `${m.scope} ${m.level} ${m.resource}`));
      for (const scope of new Set(markers.map((m) => m.scope)) as Set<TemplateScope>)
        for (const level of ["read", "remediation"] as PermissionLevel[])
          for (const resource of ["any", "member-role", "trail-bucket"] as ResourceScope[])
            if (actionsFor(scope, level, resource).length > 0) expect(has).toContain(`${scope} ${level} ${resource}`);
    },
  );
});
