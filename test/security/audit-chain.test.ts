// The audit log is tamper-evident: every entry hashes its content and the previous entry's hash.
// Edits and deletions made behind the service's back (plain SQL, triggers disabled) are found,
// at the right entry, by GET /v1/audit-events/verify and by `bedrock-governor audit verify`.
import { createPublicKey, generateKeyPairSync, verify as verifySignature } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuditHeadExport, headMessage } from "../../src/modules/audit/audit.types.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { runCliSync } from "../helpers/cli.js";

let t: TestApp;
let admin: string;
let sql: pg.Client;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.keyFor("admin", "chain-admin");
  sql = new pg.Client({ connectionString: t.database.url });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await t?.close();
});

const verify = async (authorization = admin) => {
  const res = await t.app.inject({ url: "/v1/audit-events/verify", headers: { authorization } });
  return { status: res.statusCode, body: res.json() };
};

const cliVerify = () =>
  runCliSync(["audit", "verify", "--json"], { DATABASE_URL: t.database.url, LOG_LEVEL: "error" }, 120_000);

/** Runs SQL as the table owner with the append-only trigger off: what an intruder with DB access does. */
async function tamper(statement: string, params: unknown[] = []) {
  await sql.query("BEGIN");
  await sql.query('ALTER TABLE audit_events DISABLE TRIGGER "audit_events_no_update_delete"');
  await sql.query(statement, params);
  await sql.query('ALTER TABLE audit_events ENABLE TRIGGER "audit_events_no_update_delete"');
  await sql.query("COMMIT");
}

const ids = async () =>
  (await sql.query<{ id: string }>("SELECT e.id::text AS id FROM audit_events e ORDER BY e.id")).rows.map((r) => r.id);

describe("tamper-evident audit log", () => {
  it("concurrent writers build one unbroken chain; each entry links to the one before", async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => t.services.apiKeys.createAsSystem({ name: `k${i}`, role: "viewer" })),
    );
    const { rows } = await sql.query<{ id: string; prev_hash: string; hash: string }>(
      "SELECT e.id::text AS id, prev_hash, hash FROM audit_events e ORDER BY e.id",
    );
    expect(rows.length).toBeGreaterThanOrEqual(41);
    expect(rows[0]?.prev_hash).toBe("0".repeat(64));
    for (let i = 1; i < rows.length; i++) expect(rows[i]?.prev_hash).toBe(rows[i - 1]?.hash);
    const v = await verify();
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({ ok: true, checked: rows.length, firstBroken: null });
    expect(v.body.head).toEqual({ id: rows.at(-1)?.id, hash: rows.at(-1)?.hash });
    // The API shows the links too, so an auditor can anchor the head elsewhere.
    const listed = await t.app.inject({ url: "/v1/audit-events?limit=1", headers: { authorization: admin } });
    expect(listed.json().items[0]).toMatchObject({ id: rows.at(-1)?.id, hash: rows.at(-1)?.hash });
  });

  it("an edited entry breaks at that entry (content_altered), in the API and the CLI", async () => {
    const all = await ids();
    const victim = all[10] as string;
    const { rows } = await sql.query<{ action: string }>("SELECT action FROM audit_events WHERE id = $1", [victim]);
    await tamper("UPDATE audit_events SET actor_name = 'someone-else' WHERE id = $1", [victim]);
    const v = await verify();
    expect(v.body.ok).toBe(false);
    expect(v.body.firstBroken).toMatchObject({ id: victim, reason: "content_altered" });
    expect(v.body.checked).toBe(10); // the ten before it are intact

    const cli = cliVerify();
    expect(cli.status).toBe(3);
    expect(JSON.parse(cli.stdout).firstBroken).toMatchObject({ id: victim, reason: "content_altered" });

    // Restoring the content heals it: the hash covers content, not storage details.
    const original = await sql.query<{ actor_name: string }>(
      "SELECT actor_name FROM audit_events WHERE id = $1 AND action = $2",
      [victim, rows[0]?.action],
    );
    expect(original.rows[0]?.actor_name).toBe("someone-else");
    await tamper("UPDATE audit_events SET actor_name = 'bedrock-governor' WHERE id = $1", [victim]);
    expect((await verify()).body.ok).toBe(true);
  });

  it("an edit that also recomputes the entry's own hash is caught at the next link", async () => {
    const all = await ids();
    const victim = all[5] as string;
    await tamper(`UPDATE audit_events SET after = '{"role":"admin"}'::jsonb WHERE id = $1`, [victim]);
    await tamper("UPDATE audit_events e SET hash = hw_audit_event_hash(e) WHERE id = $1", [victim]);
    const v = await verify();
    expect(v.body.firstBroken).toMatchObject({ id: all[6], reason: "link_broken", previousId: victim });
  });

  it("a deleted entry breaks the link of the entry after it; deleted newest entries are found via the head", async () => {
    const t2 = await startTestApp();
    const c2 = new pg.Client({ connectionString: t2.database.url });
    await c2.connect();
    try {
      for (let i = 0; i < 12; i++) await t2.services.apiKeys.createAsSystem({ name: `d${i}`, role: "viewer" });
      const key = await t2.keyFor("auditor", "chain-auditor");
      const all = (
        await c2.query<{ id: string }>("SELECT e.id::text AS id FROM audit_events e ORDER BY e.id")
      ).rows.map((r) => r.id);
      const v2 = async () =>
        (await t2.app.inject({ url: "/v1/audit-events/verify", headers: { authorization: key } })).json();
      expect((await v2()).ok).toBe(true);

      // Newest entry deleted: every remaining link is fine, but the head names the missing one.
      const newest = all.at(-1) as string;
      await c2.query("SET session_replication_role = replica"); // skips the append-only trigger
      await c2.query("DELETE FROM audit_events WHERE id = $1", [newest]);
      let v = await v2();
      expect(v.firstBroken).toMatchObject({ id: newest, reason: "tail_missing" });

      // A middle entry deleted: the entry after it no longer links.
      await c2.query("DELETE FROM audit_events WHERE id = $1", [all[4]]);
      v = await v2();
      expect(v.firstBroken).toMatchObject({ id: all[5], reason: "link_broken", previousId: all[3] });

      // The first entry deleted: the new first entry does not start the chain (and comes first).
      await c2.query("DELETE FROM audit_events WHERE id = $1", [all[0]]);
      v = await v2();
      expect(v.firstBroken).toMatchObject({ id: all[1], reason: "link_broken", previousId: null });
    } finally {
      await c2.end();
      await t2.close();
    }
  });

  it("verification recomputes hashes itself: a replaced database hash function does not hide an edit", async () => {
    const t3 = await startTestApp();
    const c3 = new pg.Client({ connectionString: t3.database.url });
    await c3.connect();
    try {
      // Content jsonb renders with escapes, unicode, nesting and numbers: the application's hash matches the trigger's.
      await t3.services.apiKeys.createAsSystem({ name: 'tricky "name" \\ \n\t é 😀 \u2028', role: "viewer" });
      for (let i = 0; i < 5; i++) await t3.services.apiKeys.createAsSystem({ name: `r${i}`, role: "viewer" });
      const key = await t3.keyFor("auditor", "chain-auditor");
      const v3 = async () =>
        (await t3.app.inject({ url: "/v1/audit-events/verify", headers: { authorization: key } })).json();
      expect(await v3()).toMatchObject({ ok: true, firstBroken: null });

      const victim = (await c3.query<{ id: string }>("SELECT e.id::text AS id FROM audit_events e ORDER BY e.id"))
        .rows[2]?.id as string;
      // The intruder makes the database's hash function return whatever is stored, then edits an entry.
      await c3.query(
        `CREATE OR REPLACE FUNCTION hw_audit_event_hash(e audit_events) RETURNS char(64) LANGUAGE sql STABLE AS $$ SELECT e.hash $$`,
      );
      await c3.query("SET session_replication_role = replica");
      await c3.query(`UPDATE audit_events SET after = '{"role":"admin","n":1.50}'::jsonb WHERE id = $1`, [victim]);
      await c3.query("SET session_replication_role = origin");
      expect((await v3()).firstBroken).toMatchObject({ id: victim, reason: "content_altered" });
    } finally {
      await c3.end();
      await t3.close();
    }
  });

  it("the head is exported signed (Ed25519) to anchor elsewhere; a chain rewritten after the anchor fails verification", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "audit-key-"));
    const keyFile = path.join(dir, "audit-signing.pem");
    const { privateKey } = generateKeyPairSync("ed25519");
    writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }));
    const t4 = await startTestApp({ AUDIT_SIGNING_KEY_FILE: keyFile });
    const c4 = new pg.Client({ connectionString: t4.database.url });
    await c4.connect();
    try {
      for (let i = 0; i < 4; i++) await t4.services.apiKeys.createAsSystem({ name: `h${i}`, role: "viewer" });
      const key = await t4.keyFor("auditor", "anchor-auditor");
      const exported = await t4.app.inject({ url: "/v1/audit-events/head", headers: { authorization: key } });
      expect(exported.statusCode, exported.body).toBe(200);
      const head = exported.json() as AuditHeadExport;
      const sig = head.signature;
      expect(sig).toMatchObject({ algorithm: "ed25519", keyId: expect.stringMatching(/^[0-9a-f]{16}$/) });
      // Anyone holding the public key checks the signature; changing a byte of the head breaks it.
      const message = Buffer.from(headMessage(head), "utf8");
      expect(
        verifySignature(
          null,
          message,
          createPublicKey(sig?.publicKey as string),
          Buffer.from(sig?.value as string, "base64"),
        ),
      ).toBe(true);
      const forged = Buffer.from(headMessage({ ...head, hash: "f".repeat(64) }), "utf8");
      expect(
        verifySignature(
          null,
          forged,
          createPublicKey(sig?.publicKey as string),
          Buffer.from(sig?.value as string, "base64"),
        ),
      ).toBe(false);

      const check = async (anchorId: string, anchorHash: string) =>
        (
          await t4.app.inject({
            url: `/v1/audit-events/verify?anchorId=${anchorId}&anchorHash=${anchorHash}`,
            headers: { authorization: key },
          })
        ).json() as { ok: boolean; firstBroken: { reason: string; id: string } | null };
      expect(await check(head.id, head.hash)).toMatchObject({ ok: true });
      const half = await t4.app.inject({
        url: `/v1/audit-events/verify?anchorId=${head.id}`,
        headers: { authorization: key },
      });
      expect(half.statusCode).toBe(400);
      expect(half.body).toContain("anchorHash");

      // Someone with database access rewrites the whole chain consistently (new content, every hash
      // recomputed): the chain alone verifies, the anchor does not.
      await c4.query("SET session_replication_role = replica");
      const rows = (await c4.query<{ id: string }>("SELECT e.id::text AS id FROM audit_events e ORDER BY e.id")).rows;
      await c4.query(`UPDATE audit_events SET actor_name = 'rewritten' WHERE id = $1`, [rows[1]?.id]);
      let prev = "0".repeat(64);
      for (const r of rows) {
        await c4.query("UPDATE audit_events e SET prev_hash = $2 WHERE id = $1", [r.id, prev]);
        prev = (
          await c4.query<{ h: string }>("SELECT hw_audit_event_hash(e) AS h FROM audit_events e WHERE id = $1", [r.id])
        ).rows[0]?.h as string;
        await c4.query("UPDATE audit_events SET hash = $2 WHERE id = $1", [r.id, prev]);
      }
      await c4.query("UPDATE audit_chain_head SET last_hash = $1 WHERE id = 1", [prev]);
      await c4.query("SET session_replication_role = origin");
      const rewritten = await verify4(t4, key);
      expect(rewritten.ok, JSON.stringify(rewritten)).toBe(true);
      expect(await check(head.id, head.hash)).toMatchObject({
        ok: false,
        firstBroken: { id: head.id, reason: "anchor_mismatch" },
      });

      const cli = runCliSync(
        ["audit", "verify", "--json", "--anchor", `${head.id}:${head.hash}`],
        { DATABASE_URL: t4.database.url, LOG_LEVEL: "error" },
        120_000,
      );
      expect(cli.status).toBe(3);
      expect(JSON.parse(cli.stdout).firstBroken).toMatchObject({ reason: "anchor_mismatch" });
      const printed = runCliSync(
        ["audit", "head"],
        { DATABASE_URL: t4.database.url, LOG_LEVEL: "error", AUDIT_SIGNING_KEY_FILE: keyFile },
        120_000,
      );
      expect(printed.status, printed.stderr).toBe(0);
      expect(JSON.parse(printed.stdout)).toMatchObject({
        hash: prev,
        signature: { algorithm: "ed25519", keyId: sig?.keyId },
      });
    } finally {
      await c4.end();
      await t4.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("only admins and auditors may verify", async () => {
    expect((await verify(await t.keyFor("auditor"))).status).toBe(200);
    expect((await verify(await t.keyFor("viewer"))).status).toBe(403);
    expect((await verify(await t.keyFor("approver"))).status).toBe(403);
  });
});

async function verify4(app: TestApp, authorization: string) {
  return (await app.app.inject({ url: "/v1/audit-events/verify", headers: { authorization } })).json() as {
    ok: boolean;
  };
}
