// Every CLI command's stdout is its result and nothing else: each command of the commander program
// runs in a child process with a pipe for stdout (no terminal) and LOG_LEVEL=info, and its stdout
// parses as the format it claims (YAML, JSON, JSON log lines for the processes whose log is their
// output, plain lines). A command added without a case here fails the first test.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/program.js";
import { parseCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import { DEMO_ACCOUNTS } from "../../src/sandbox/demo.js";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { migratedDatabase, type TestApp } from "../helpers/app.js";
import { type CliResult, runCli } from "../helpers/cli.js";
import { DEV, E1, LLAMA, LLAMA_US, MISTRAL, NOVA, PROD, startRequestsApp, system } from "../requests/helpers.js";

type Format = "yaml" | "json" | "lines" | "log-lines" | "empty";

interface Case {
  format: Format;
  run(): Promise<CliResult>;
  /** Further checks of the result (exit code, content). */
  check?(r: CliResult): void;
}

let db: TestDatabase;
let dir: string;
let api: TestApp;
let apiUrl: string;
let requester: string;
let approver: string;
let viewer: string;
let auditor: string;
let admin: string;
const state: {
  planId?: string;
  keyId?: string;
  findingId?: string;
  scheduleId?: string;
  requestIds: string[];
} = { requestIds: [] };

const env = () => ({
  DATABASE_URL: db.url,
  SANDBOX_URL: "",
  LOG_LEVEL: "info",
  INVENTORY_REGIONS: "us-east-1,us-west-2",
  SYNC_CRON: "off",
  INVOCATIONS_INGEST_CRON: "off",
  BOOTSTRAP_ADMIN: "off",
});
const cli = (...args: string[]) => runCli(args, env());
/** A person's command through the API with their key. */
const withKey = (key: string, ...args: string[]) =>
  runCli(args, { GOVERNOR_URL: apiUrl, GOVERNOR_API_KEY: key, LOG_LEVEL: "info" });
const request = (key: string, ...args: string[]) => withKey(key, "request", ...args);

/** A process that runs until stopped (serve, worker, sandbox): SIGTERM once stdout shows `ready`. */
function runUntil(args: string[], extraEnv: Record<string, string>, ready: RegExp): Promise<CliResult> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
    env: { ...process.env, TEST_DATABASE_URL: "", ...env(), ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
    if (ready.test(stdout)) child.kill("SIGTERM");
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const requestArgs = (model: string) => [
  "create",
  "--account",
  DEV,
  "--region",
  E1,
  "--model",
  model,
  "--purpose",
  "stdout test",
  "--classification",
  "internal",
  "--duration-hours",
  "8",
];

const exit = (code: number | number[]) => (r: CliResult) =>
  expect(Array.isArray(code) ? code : [code], r.stderr).toContain(r.code);

/** In the order they run; later cases use what earlier ones made. */
const CASES: Record<string, Case> = {
  migrate: { format: "log-lines", run: () => cli("migrate"), check: exit(0) },
  healthcheck: { format: "empty", run: () => cli("healthcheck"), check: exit(0) },
  "catalog apply": {
    format: "lines",
    run: () => cli("catalog", "apply", "-f", path.join(dir, "catalog.yaml"), "--reason", "stdout test"),
    check: (r) => {
      exit(0)(r);
      expect(r.stdout).toMatch(/^applied as change set [0-9a-f-]{36}$/m);
    },
  },
  "catalog export": {
    format: "yaml",
    run: async () => {
      const r = await cli("catalog", "export");
      writeFileSync(path.join(dir, "exported.yaml"), r.stdout);
      return r;
    },
    check: (r) => {
      exit(0)(r);
      expect(parseCatalogDocument(r.stdout).map((e) => e.id)).toEqual(["nova", "titan"]);
    },
  },
  "catalog init": {
    format: "yaml",
    run: () => cli("catalog", "init"),
    check: (r) => {
      exit(0)(r);
      expect(parseCatalogDocument(r.stdout).map((e) => e.id)).toEqual(["amazon-nova"]);
    },
  },
  "catalog schema": {
    format: "json",
    run: () => cli("catalog", "schema"),
    check: (r) => {
      exit(0)(r);
      expect(JSON.parse(r.stdout)).toMatchObject({ $schema: "https://json-schema.org/draft/2020-12/schema" });
    },
  },
  "catalog diff": {
    // `catalog export > f; catalog diff -f f` is a no-op round trip.
    format: "lines",
    run: () => cli("catalog", "diff", "-f", path.join(dir, "exported.yaml")),
    check: (r) => {
      exit(0)(r);
      expect(r.stdout).toBe("0 to create, 0 to update, 0 to delete, 2 unchanged\n");
    },
  },
  sync: {
    format: "lines",
    run: () => cli("sync", "--wait"),
    check: (r) => {
      exit(3)(r); // the demo organization has an account without a usable member role
      expect(r.stdout).toMatch(/^sync run [0-9a-f-]{36} partial in /m);
    },
  },
  reconcile: {
    format: "lines",
    run: () => cli("reconcile"),
    check: (r) => {
      exit(0)(r);
      expect(r.stdout).toMatch(/^\d+ finding\(s\): \d+ new, \d+ seen again, \d+ resolved\n$/);
    },
  },
  plan: {
    format: "json",
    run: () => cli("plan", "--account", DEMO_ACCOUNTS.nonprodSearch, "--json"),
    check: (r) => {
      exit([0, 2])(r);
      state.planId = (JSON.parse(r.stdout) as { id: string }).id;
    },
  },
  "plan list": {
    // The admin's queue: planned plans with changes (the one just made among them).
    format: "json",
    run: () => cli("plan", "list", "--pending", "--json"),
    check: (r) => {
      exit(0)(r);
      const plans = JSON.parse(r.stdout) as Array<{ id: string; status: string }>;
      for (const p of plans) expect(p.status).toBe("planned");
    },
  },
  "plan show": {
    format: "lines",
    run: () => cli("plan", "show", state.planId as string),
    check: (r) => {
      exit(0)(r);
      expect(r.stdout).toMatch(new RegExp(`^plan ${state.planId} \\(\\w+\\), \\d+ change\\(s\\)$`, "m"));
    },
  },
  accounts: {
    format: "lines",
    run: () => withKey(viewer, "accounts"),
    check: (r) => {
      exit(0)(r);
      const [header, ...rows] = r.stdout.trimEnd().split("\n");
      expect(header).toMatch(/^ACCOUNT\s+NAME\s+OU\s+STATE\s+SYNC\s+LAST SYNC\s+MODELS$/);
      const dev = rows.find((l) => l.startsWith(DEV));
      expect(dev).toMatch(/ACTIVE\s+complete\s+\d{4}-\d\d-\d\dT/);
      // Aligned: every row's second column starts where the header's does.
      const col = (header as string).indexOf("NAME");
      for (const row of rows) expect(row[col - 1]).toBe(" ");
    },
  },
  matrix: {
    format: "json",
    run: () => withKey(viewer, "matrix", "--region", E1, "--account", `${DEV},${PROD}`, "--json"),
    check: (r) => {
      exit(0)(r);
      const pages = JSON.parse(r.stdout) as Array<{
        accountRegion: { accountId: string; region: string };
        items: Array<{ modelId: string }>;
      }>;
      expect(pages.map((p) => p.accountRegion.accountId)).toEqual([DEV, PROD]);
      for (const p of pages) expect(p.accountRegion.region).toBe(E1);
      expect(pages[0]?.items.map((i) => i.modelId)).toContain(NOVA);
    },
  },
  "findings list": {
    format: "json",
    run: async () => {
      await api.services.reconcile.reconcileNow(system);
      return withKey(viewer, "findings", "list", "--status", "open", "--json");
    },
    check: (r) => {
      exit(0)(r);
      const { items } = JSON.parse(r.stdout) as { items: Array<{ id: string; status: string }> };
      expect(items.length).toBeGreaterThan(0);
      for (const f of items) expect(f.status).toBe("open");
      state.findingId = items[0]?.id;
    },
  },
  "findings suppress": {
    format: "lines",
    run: () =>
      withKey(
        approver,
        "findings",
        "suppress",
        state.findingId as string,
        "--reason",
        "known",
        "--until",
        "2099-01-01T00:00:00Z",
      ),
    check: (r) => {
      exit(0)(r);
      expect(r.stdout).toMatch(
        new RegExp(`^finding ${state.findingId} suppressed .* suppressed until 2099-01-01T00:00:00.000Z: known\n$`),
      );
    },
  },
  policies: {
    format: "lines",
    run: () => withKey(viewer, "policies", "-o", path.join(dir, "policies"), "--account", DEV, "--region", E1),
    check: (r) => {
      exit(0)(r);
      const files = r.stdout
        .trimEnd()
        .split("\n")
        .map((l) => /^wrote (\S+)\s/.exec(l)?.[1]);
      expect(files.some((f) => f && path.basename(f).startsWith("scp-r-"))).toBe(true);
      expect(files.some((f) => f && path.basename(f) === `iam-${DEV}-${E1}.json`)).toBe(true);
      for (const f of files) {
        const doc = JSON.parse(readFileSync(f as string, "utf8")) as { Version: string; Statement: unknown[] };
        expect(doc.Version).toBe("2012-10-17");
        expect(doc.Statement.length).toBeGreaterThan(0);
      }
    },
  },
  apply: {
    format: "json",
    run: () => cli("apply", state.planId as string, "--json", "--force", "--reason", "stdout test"),
    check: (r) => {
      exit([0, 1])(r);
      const out = JSON.parse(r.stdout) as { verifyingSyncRuns: { status: string }[] };
      for (const run of out.verifyingSyncRuns) expect(["succeeded", "partial", "failed"]).toContain(run.status);
    },
  },
  doctor: {
    format: "json",
    run: () =>
      cli(
        "doctor",
        "--account",
        DEMO_ACCOUNTS.prodPayments,
        "--region",
        "us-east-1",
        "--model",
        "amazon.nova-pro-v1:0",
        "--json",
      ),
    check: exit([0, 3]),
  },
  preflight: { format: "json", run: () => cli("preflight", "--sample", "2", "--json"), check: exit([0, 3]) },
  "invocations ingest": {
    format: "lines",
    run: () => cli("invocations", "ingest", "--account", DEMO_ACCOUNTS.prodPayments, "--wait"),
    check: (r) => {
      exit(0)(r);
      expect(r.stdout).toMatch(/^[0-9a-f-]{36}\ningestion [0-9a-f-]{36} succeeded: .*\n$/);
    },
  },
  "audit ingest": {
    format: "lines",
    run: () => cli("audit", "ingest", "--account", DEMO_ACCOUNTS.prodSearch),
    check: (r) => {
      exit(0)(r);
      expect(r.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    },
  },
  report: {
    format: "json",
    run: () =>
      cli(
        "report",
        "--from",
        new Date(Date.now() - 86_400_000).toISOString(),
        "--to",
        new Date(Date.now() + 3_600_000).toISOString(),
        "--format",
        "json",
      ),
    check: exit(0),
  },
  aibom: {
    format: "json",
    run: () => withKey(viewer, "aibom"),
    check: (r) => {
      exit(0)(r);
      const bom = JSON.parse(r.stdout) as { bomFormat: string; specVersion: string; components: unknown[] };
      expect(bom).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.6" });
    },
  },
  "report verify": {
    format: "json",
    run: async () => {
      const file = path.join(dir, "report.json");
      const day = new Date(Date.now() - 86_400_000).toISOString();
      const rendered = await cli(
        "report",
        "--from",
        day,
        "--to",
        new Date().toISOString(),
        "--format",
        "json",
        "-o",
        file,
      );
      expect(rendered.code, rendered.stderr).toBe(0);
      return cli("report", "verify", file, "--json");
    },
    check: (r) => {
      exit(0)(r);
      expect(JSON.parse(r.stdout)).toMatchObject({ verified: true });
    },
  },
  "report schedule create": {
    format: "json",
    run: () =>
      withKey(
        auditor,
        "report",
        "schedule",
        "create",
        "--name",
        "weekly",
        "--cron",
        "0 6 * * 1",
        "--period",
        "previous_week",
        "--format",
        "csv",
        "--s3",
        "s3://governor-reports/weekly/",
        "--json",
      ),
    check: (r) => {
      exit(0)(r);
      state.scheduleId = (JSON.parse(r.stdout) as { id: string }).id;
    },
  },
  "report schedule list": {
    format: "lines",
    run: () => withKey(auditor, "report", "schedule", "list"),
    check: (r) => {
      exit(0)(r);
      expect(r.stdout).toContain("s3://governor-reports/weekly/");
    },
  },
  "report schedule delete": {
    format: "lines",
    run: () => withKey(auditor, "report", "schedule", "delete", state.scheduleId ?? "missing"),
    check: exit(0),
  },
  "audit verify": { format: "json", run: () => cli("audit", "verify", "--json"), check: exit(0) },
  "audit head": { format: "json", run: () => cli("audit", "head"), check: exit(0) },
  "api-key create": {
    format: "json",
    run: () => cli("api-key", "create", "--name", "stdout test", "--role", "viewer"),
    check: (r) => {
      exit(0)(r);
      const key = JSON.parse(r.stdout) as { id: string };
      expect(key).toMatchObject({ name: "stdout test", role: "viewer" });
      state.keyId = key.id;
    },
  },
  "api-key list": {
    format: "lines",
    run: () => cli("api-key", "list"),
    check: (r) => {
      exit(0)(r);
      expect(r.stdout).toMatch(/^ID\s+NAME\s+ROLE\s+OWNER\s+STATUS/);
      expect(r.stdout).toMatch(new RegExp(`^${state.keyId}\\s+stdout test\\s+viewer\\s+\\S+\\s+active`, "m"));
      expect(r.stdout).not.toMatch(/bgk_/);
    },
  },
  "api-key revoke": {
    format: "json",
    run: () => cli("api-keys", "revoke", state.keyId as string, "--json"),
    check: (r) => {
      exit(0)(r);
      expect(JSON.parse(r.stdout)).toMatchObject({ id: state.keyId, status: "revoked" });
    },
  },
  "request create": {
    format: "json",
    run: async () => {
      for (const model of [LLAMA, MISTRAL]) {
        const r = await request(requester, ...requestArgs(model), "--json");
        state.requestIds.push((JSON.parse(r.stdout) as { id: string }).id);
      }
      return request(requester, ...requestArgs(LLAMA_US), "--idempotency-key", "stdout-3", "--json");
    },
    check: (r) => {
      exit(0)(r);
      expect(state.requestIds).toHaveLength(2);
      state.requestIds.push((JSON.parse(r.stdout) as { id: string }).id);
    },
  },
  "request list": {
    format: "lines",
    run: () => request(requester, "list", "--mine"),
    check: (r) => {
      exit(0)(r);
      for (const id of state.requestIds) expect(r.stdout).toContain(id);
    },
  },
  "request show": {
    format: "lines",
    run: () => request(requester, "show", state.requestIds[0] as string),
    check: (r) => {
      exit(0)(r);
      expect(r.stdout).toMatch(new RegExp(`^request ${state.requestIds[0]} \\(version 1\\)\n  status     pending\n`));
      expect(r.stdout).toMatch(/^ {2}must act {3}an approver/m);
      expect(r.stdout).toMatch(/^pre-flight \(once approved\)\n {2}200000000002 us-east-1 {2}usable/m);
    },
  },
  "request approve": {
    format: "json",
    run: () => request(approver, "approve", state.requestIds[0] as string, "--json"),
    check: exit(0),
  },
  "request verify": {
    format: "lines",
    // No rule lets provisioning apply its plans: an admin applies them, then verifies.
    run: async () => {
      const id = state.requestIds[0] as string;
      const auth = { authorization: `Bearer ${admin}` };
      let req = (await api.app.inject({ url: `/v1/access-requests/${id}`, headers: auth })).json() as {
        waiting: { plans: Array<{ planId: string }> } | null;
      };
      for (let i = 0; i < 600 && req.waiting === null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        req = (await api.app.inject({ url: `/v1/access-requests/${id}`, headers: auth })).json() as typeof req;
      }
      for (const p of req.waiting?.plans ?? [])
        await api.app.inject({
          method: "POST",
          url: `/v1/remediation-plans/${p.planId}/apply`,
          headers: auth,
          payload: {},
        });
      return request(admin, "verify", id);
    },
    check: (r) => {
      exit(0)(r);
      expect(r.stdout).toMatch(new RegExp(`^verifying: ${state.requestIds[0]}\\s+provisioning`));
    },
  },
  "request watch": {
    format: "lines",
    run: () => request(requester, "watch", state.requestIds[0] as string, "--interval", "1", "--timeout", "120"),
    check: (r) => {
      exit(0)(r);
      const lines = r.stdout.trimEnd().split("\n");
      for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\S+Z {2}(provisioning|active)\b/);
      expect(lines.at(-1)).toMatch(/ {2}active {2}until /);
    },
  },
  "request revoke": {
    format: "json",
    run: () => request(admin, "revoke", state.requestIds[0] as string, "--comment", "project over", "--json"),
    check: (r) => {
      exit(0)(r);
      expect(JSON.parse(r.stdout)).toMatchObject({ id: state.requestIds[0], status: "revoked" });
    },
  },
  "request reject": {
    format: "lines",
    run: () => request(approver, "reject", state.requestIds[1] as string, "--comment", "no"),
    check: (r) => {
      exit(0)(r);
      expect(r.stdout).toMatch(/^rejected: /);
    },
  },
  "request cancel": {
    format: "lines",
    run: () => request(requester, "cancel", state.requestIds[2] as string),
    check: (r) => {
      exit(0)(r);
      expect(r.stdout).toMatch(/^cancelled: /);
    },
  },
  sandbox: {
    format: "lines",
    run: () => runUntil(["sandbox", "--port", "0"], {}, /export AWS_MEMBER_ROLE_NAME=.*\n/),
    check: (r) => expect(r.stdout).toMatch(/^ {4}export AWS_TARGET=sandbox SANDBOX_URL=http:\/\/127\.0\.0\.1:\d+$/m),
  },
  serve: {
    format: "log-lines",
    run: () => runUntil(["serve"], { PORT: "0" }, /"msg":"bedrock-governor is serving"/),
  },
  worker: { format: "log-lines", run: () => runUntil(["worker"], {}, /"msg":"job worker started"/) },
};

/** Every runnable command: the leaves of the program, by their full name (hidden ones too). */
/** Every command that runs something: leaves, and parents with an action of their own (`plan`, `plan list`). */
function leafCommands(cmd: Command, prefix: string[] = []): string[] {
  return cmd.commands.flatMap((c) => {
    const name = [...prefix, c.name()];
    if (c.commands.length === 0) return [name.join(" ")];
    const runs = (c as unknown as { _actionHandler: unknown })._actionHandler != null;
    return [...(runs ? [name.join(" ")] : []), ...leafCommands(c, name)];
  });
}

function expectFormat(format: Format, stdout: string): void {
  const lines = stdout.split("\n").filter((l) => l.length > 0);
  switch (format) {
    case "empty":
      expect(stdout).toBe("");
      return;
    case "json":
      expect(() => JSON.parse(stdout)).not.toThrow();
      return;
    case "yaml":
      expect(() => parseCatalogDocument(stdout)).not.toThrow();
      return;
    case "log-lines":
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(JSON.parse(l)).toHaveProperty("level");
      return;
    case "lines":
      expect(lines.length).toBeGreaterThan(0);
      // Plain lines for people and scripts: no log record, no terminal control code.
      for (const l of lines) {
        expect(l).not.toMatch(/^\s*\{"level"/);
        expect(l).not.toContain("\x1b[");
      }
  }
}

beforeAll(async () => {
  db = await migratedDatabase();
  dir = mkdtempSync(path.join(tmpdir(), "cli-stdout-"));
  writeFileSync(
    path.join(dir, "catalog.yaml"),
    [
      "entries:",
      "  - { id: nova, model: amazon.nova-pro-v1:0, scope: organization, owner: platform, justification: default }",
      "  - { id: titan, model: amazon.titan-text-express-v1, scope: organization, owner: platform, justification: legacy }",
      "",
    ].join("\n"),
  );
  api = await startRequestsApp({ enforceCatalog: false });
  await api.app.listen({ port: 0, host: "127.0.0.1" });
  apiUrl = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  requester = (await api.keyFor("requester", "dev-alice")).replace(/^Bearer /, "");
  approver = (await api.keyFor("approver", "lead-bob")).replace(/^Bearer /, "");
  viewer = (await api.keyFor("viewer", "view-vic")).replace(/^Bearer /, "");
  auditor = (await api.keyFor("auditor", "audit-ada")).replace(/^Bearer /, "");
  admin = (await api.keyFor("admin", "ops-carol")).replace(/^Bearer /, "");
}, 120_000);
afterAll(async () => {
  await api?.close();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("CLI stdout is the command's result", () => {
  it("every command of the program has a case here", () => {
    expect(Object.keys(CASES).sort()).toEqual(leafCommands(buildProgram()).sort());
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: stdout is ${c.format}`, async () => {
      const r = await c.run();
      expectFormat(c.format, r.stdout);
      c.check?.(r);
    }, 180_000);
  }
});

describe("the CLI through the API obeys the key's role", () => {
  it("a viewer lists findings but may not suppress one (403 from the API, exit 1)", async () => {
    const listed = await withKey(viewer, "findings", "list");
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^ID\s+STATUS\s+SEVERITY\s+TYPE/);
    const refused = await withKey(
      viewer,
      "findings",
      "suppress",
      state.findingId as string,
      "--reason",
      "x",
      "--until",
      "2099-01-01T00:00:00Z",
    );
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toMatch(/^bedrock-governor: 403 FORBIDDEN: needs one of the roles: admin, approver\n$/);
  });

  it("an auditor starts an invocation ingestion and downloads a compliance report with their key", async () => {
    const ingested = await withKey(auditor, "invocations", "ingest", "--remote", "--account", DEV, "--wait");
    expect(ingested.code, ingested.stderr).toBe(0);
    expect(ingested.stdout).toMatch(/^[0-9a-f-]{36}\ningestion [0-9a-f-]{36} succeeded: .*\n$/);
    const id = ingested.stdout.split("\n")[0] as string;
    const started = await api.services.invocations.getIngestion(system, id);
    expect(started.requestedBy).toMatch(/^apikey:/); // the auditor's key, not the system

    const out = path.join(dir, "report.json");
    const report = await withKey(
      auditor,
      "report",
      "--remote",
      "--from",
      new Date(Date.now() - 86_400_000).toISOString(),
      "--to",
      new Date(Date.now() + 3_600_000).toISOString(),
      "--format",
      "json",
      "-o",
      out,
    );
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toBe("");
    const rendered = JSON.parse(readFileSync(out, "utf8")) as {
      report: { period: { from: string } };
      sections: unknown[];
    };
    expect(rendered.report.period.from).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(rendered.sections.length).toBeGreaterThan(0);
  }, 120_000);
});
