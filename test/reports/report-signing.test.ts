// Reports are anchored and signed: the job hashes the stored bytes, writes the hash into the
// tamper-evident audit log with the report marked ready, and signs a statement with the configured
// Ed25519 key; `bedrock-governor report verify` checks the file against both, locally and through
// the API, and names what failed.
import { createHash, generateKeyPairSync, verify } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statementText } from "../../src/modules/reports/report-signing.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { runCli } from "../helpers/cli.js";
import { requestReport } from "../helpers/reports.js";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const PEM = privateKey.export({ type: "pkcs8", format: "pem" }).toString();

let t: TestApp;
/** Another service's database, signing with the same key: its audit log never saw our report. */
let other: TestApp;
let auditor: string;
let url: string;
let dir: string;
let reportId: string;
let bytes: Buffer;
let signature: Record<string, unknown>;

async function renderReport(app: TestApp, key: string): Promise<{ id: string; bytes: Buffer }> {
  const { id, data } = await requestReport(app, key, {
    from: "2026-10-01T00:00:00.000Z",
    to: "2026-11-01T00:00:00.000Z",
    scope: { kind: "organization" },
    format: "json",
  });
  return { id, bytes: data };
}

const env = (db: TestApp) => ({
  DATABASE_URL: db.database.url,
  REPORT_SIGNING_KEY: PEM,
  SANDBOX_URL: "",
  LOG_LEVEL: "warn",
  SYNC_CRON: "off",
  INVOCATIONS_INGEST_CRON: "off",
  BOOTSTRAP_ADMIN: "off",
});

beforeAll(async () => {
  t = await startTestApp({ REPORT_SIGNING_KEY: PEM });
  other = await startTestApp({ REPORT_SIGNING_KEY: PEM });
  auditor = await t.keyFor("auditor");
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  dir = mkdtempSync(path.join(tmpdir(), "report-signing-"));
  ({ id: reportId, bytes } = await renderReport(t, auditor));
  const sig = await t.app.inject({ url: `/v1/reports/${reportId}/signature`, headers: { authorization: auditor } });
  expect(sig.statusCode, sig.body).toBe(200);
  signature = sig.json() as Record<string, unknown>;
  writeFileSync(path.join(dir, "report.json"), bytes);
  writeFileSync(path.join(dir, "report.sig.json"), sig.body);
  const changed = Buffer.from(bytes);
  const at = Math.floor(changed.length / 2);
  changed.writeUInt8(changed.readUInt8(at) ^ 0x01, at);
  writeFileSync(path.join(dir, "changed.json"), changed);
}, 120_000);

afterAll(async () => {
  await t?.close();
  await other?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a rendered report is anchored and signed", () => {
  it("the signature document names the report, its hash and size, and verifies with the public key", async () => {
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    expect(signature).toMatchObject({
      algorithm: "ed25519",
      statement: {
        type: "bedrock-governor.report/v1",
        reportId,
        format: "json",
        sha256,
        sizeBytes: bytes.length,
      },
    });
    const key = (
      await t.app.inject({ url: "/v1/reports/signing-key", headers: { authorization: auditor } })
    ).json() as { keyId: string; publicKey: string };
    expect(key.publicKey).toBe(publicKey.export({ type: "spki", format: "pem" }).toString());
    expect(signature.keyId).toBe(key.keyId);
    expect(signature.publicKey).toBe(key.publicKey);
    const statement = signature.statement as Parameters<typeof statementText>[0];
    expect(
      verify(
        null,
        Buffer.from(statementText(statement)),
        publicKey,
        Buffer.from(String(signature.signature), "base64"),
      ),
    ).toBe(true);
    // The report view carries the hash too.
    const view = (await t.app.inject({ url: `/v1/reports/${reportId}`, headers: { authorization: auditor } })).json();
    expect(view).toMatchObject({ status: "ready", sha256 });
  });

  it("the hash is in the audit log, written by the service with the report marked ready", async () => {
    const res = await t.app.inject({
      url: `/v1/audit-events?action=report.sign&targetId=${reportId}`,
      headers: { authorization: auditor },
    });
    const items = (res.json() as { items: Array<Record<string, unknown>> }).items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      actorId: "system",
      targetType: "report",
      after: { sha256: createHash("sha256").update(bytes).digest("hex"), sizeBytes: bytes.length, format: "json" },
    });
    const v = await t.app.inject({
      url: `/v1/reports/verify?sha256=${createHash("sha256").update(bytes).digest("hex")}`,
      headers: { authorization: auditor },
    });
    expect(v.json()).toMatchObject({ anchored: true, chain: { ok: true }, anchors: [{ reportId }] });
  });

  it("signature of an unknown report is 404; a malformed hash is 400 naming query.sha256", async () => {
    const missing = await t.app.inject({
      url: "/v1/reports/00000000-0000-4000-8000-000000000000/signature",
      headers: { authorization: auditor },
    });
    expect(missing.statusCode).toBe(404);
    const bad = await t.app.inject({ url: "/v1/reports/verify?sha256=xyz", headers: { authorization: auditor } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("query.sha256");
    const viewer = await t.keyFor("viewer");
    const refused = await t.app.inject({ url: "/v1/reports/signing-key", headers: { authorization: viewer } });
    expect(refused.statusCode).toBe(403);
  });
});

describe("bedrock-governor report verify", () => {
  const file = (name: string) => path.join(dir, name);

  it("accepts the untouched report (database and API)", async () => {
    const local = await runCli(
      ["report", "verify", file("report.json"), "--signature", file("report.sig.json")],
      env(t),
    );
    expect(local.code, local.stderr + local.stdout).toBe(0);
    expect(local.stdout).toContain("signature: ok, valid Ed25519 signature");
    expect(local.stdout).toContain("audit log: ok, hash recorded by audit event");
    expect(local.stdout).toMatch(/verified\n$/);
    const remote = await runCli(["report", "verify", file("report.json"), "--remote", "--json"], {
      GOVERNOR_URL: url,
      GOVERNOR_API_KEY: auditor.replace(/^Bearer /, ""),
    });
    expect(remote.code, remote.stderr).toBe(0);
    expect(JSON.parse(remote.stdout)).toMatchObject({ verified: true, sizeBytes: bytes.length });
  }, 120_000);

  it("rejects a report with one byte changed: hash mismatch against the signed statement", async () => {
    const r = await runCli(["report", "verify", file("changed.json"), "--signature", file("report.sig.json")], env(t));
    expect(r.code).toBe(4);
    expect(r.stdout).toContain("hash: MISMATCH");
    expect(r.stdout).toContain("the file was changed");
    expect(r.stdout).toContain("NOT VERIFIED: hash check failed");
    // Without the signature file, the changed bytes are simply not in the audit log.
    const remote = await runCli(["report", "verify", file("changed.json"), "--remote"], {
      GOVERNOR_URL: url,
      GOVERNOR_API_KEY: auditor.replace(/^Bearer /, ""),
    });
    expect(remote.code).toBe(5);
    expect(remote.stdout).toContain("audit log: MISSING");
  }, 120_000);

  it("rejects a validly signed report whose hash is missing from this audit log", async () => {
    // The same key, another service (database): the signature holds, the anchor does not.
    const r = await runCli(
      ["report", "verify", file("report.json"), "--signature", file("report.sig.json")],
      env(other),
    );
    expect(r.code).toBe(5);
    expect(r.stdout).toContain("signature: ok, valid Ed25519 signature");
    expect(r.stdout).toContain("audit log: MISSING");
    expect(r.stdout).toContain("NOT VERIFIED: audit log check failed");
  }, 120_000);

  it("rejects a signature document whose statement was edited", async () => {
    const edited = JSON.parse(JSON.stringify(signature)) as { statement: { sizeBytes: number; sha256: string } };
    const changed = Buffer.from(bytes);
    changed.writeUInt8(changed.readUInt8(0) ^ 0x01, 0);
    edited.statement.sha256 = createHash("sha256").update(changed).digest("hex");
    writeFileSync(file("forged.sig.json"), JSON.stringify(edited));
    writeFileSync(file("forged.json"), changed);
    const r = await runCli(["report", "verify", file("forged.json"), "--signature", file("forged.sig.json")], env(t));
    expect(r.code).toBe(4);
    expect(r.stdout).toContain("signature: INVALID");
  }, 120_000);
});
