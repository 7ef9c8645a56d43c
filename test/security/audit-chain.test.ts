// The audit log is tamper-evident: every entry hashes its content and the previous entry's hash.
// Edits and deletions made behind the service's back (plain SQL, triggers disabled) are found,
// at the right entry, by GET /v1/audit-events/verify and by `bedrock-governor audit verify`.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

  it("only admins and auditors may verify", async () => {
    expect((await verify(await t.keyFor("auditor"))).status).toBe(200);
    expect((await verify(await t.keyFor("viewer"))).status).toBe(403);
    expect((await verify(await t.keyFor("approver"))).status).toBe(403);
  });
});
