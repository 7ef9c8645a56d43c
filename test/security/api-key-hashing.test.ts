// API key secrets are stored under a keyed hash (HMAC with API_KEY_HASH_SECRET) or a slow hash
// (scrypt) and compared in constant time. Keys from before (plain SHA-256) keep working and move to
// the current scheme on first use, audited.
import { createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKeyHasher } from "../../src/modules/auth/api-key-hash.js";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { migratedDatabase, startTestApp, type TestApp } from "../helpers/app.js";

const SERVER_SECRET = "test-only-hmac-key-0123456789abcdefghijklmnop";
let db: TestDatabase;
let sql: pg.Client;

beforeAll(async () => {
  db = await migratedDatabase();
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await db?.drop();
});

const row = async (keyId: string) =>
  (
    await sql.query<{ secret_hash: string; hash_scheme: string }>(
      "SELECT secret_hash, hash_scheme FROM api_keys WHERE key_id = $1",
      [keyId],
    )
  ).rows[0];

async function withApp<T>(env: Record<string, string>, fn: (t: TestApp) => Promise<T>): Promise<T> {
  const t = await startTestApp({ BOOTSTRAP_ADMIN: "off", ...env }, { ...db, drop: async () => undefined });
  try {
    return await fn(t);
  } finally {
    await t.close();
  }
}

const me = (t: TestApp, token: string) =>
  t.app.inject({ url: "/v1/me", headers: { authorization: `Bearer ${token}` } });
const parts = (token: string) => /^bgk_([0-9a-f]{16})_(.+)$/.exec(token)?.slice(1) as [string, string];

describe("API key storage", () => {
  let scryptToken = "";

  it("without a server secret: scrypt with a per-key salt; the stored value reveals nothing fast to test", async () => {
    await withApp({}, async (t) => {
      const created = await t.services.apiKeys.createAsSystem({ name: "slow", role: "viewer" });
      scryptToken = created.secret;
      const [keyId, secret] = parts(scryptToken);
      const stored = await row(keyId);
      expect(stored?.hash_scheme).toBe("scrypt");
      expect(stored?.secret_hash).toMatch(/^[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
      expect(stored?.secret_hash).not.toContain(createHash("sha256").update(secret).digest("hex"));
      expect((await me(t, scryptToken)).statusCode).toBe(200);
      expect((await me(t, scryptToken)).statusCode).toBe(200); // second time from the verified cache
      const wrong = `bgk_${keyId}_${"A".repeat(43)}`;
      expect((await me(t, wrong)).statusCode).toBe(401);
    });
  });

  it("with API_KEY_HASH_SECRET: HMAC-SHA256 under the server key; older scrypt keys move to it on use", async () => {
    await withApp({ API_KEY_HASH_SECRET: SERVER_SECRET }, async (t) => {
      const created = await t.services.apiKeys.createAsSystem({ name: "keyed", role: "viewer" });
      const [keyId, secret] = parts(created.secret);
      const stored = await row(keyId);
      expect(stored).toEqual({
        hash_scheme: "hmac_sha256",
        secret_hash: createHmac("sha256", SERVER_SECRET).update(secret).digest("hex"),
      });
      expect((await me(t, created.secret)).statusCode).toBe(200);

      const [oldId, oldSecret] = parts(scryptToken);
      expect((await me(t, scryptToken)).statusCode).toBe(200);
      expect(await row(oldId)).toEqual({
        hash_scheme: "hmac_sha256",
        secret_hash: createHmac("sha256", SERVER_SECRET).update(oldSecret).digest("hex"),
      });
    });
  });

  it("a legacy SHA-256 key (created before this release) keeps working and is re-hashed, audited", async () => {
    // What the previous release wrote; the migration marks existing rows `sha256`.
    const keyId = randomBytes(8).toString("hex");
    const secret = randomBytes(32).toString("base64url");
    const id = randomUUID();
    await sql.query(
      "INSERT INTO api_keys (id, name, role, key_id, secret_hash, created_by) VALUES ($1, 'legacy', 'viewer', $2, $3, 'system')",
      [id, keyId, createHash("sha256").update(secret).digest("hex")],
    );
    expect((await row(keyId))?.hash_scheme).toBe("sha256");
    await withApp({ API_KEY_HASH_SECRET: SERVER_SECRET }, async (t) => {
      const token = `bgk_${keyId}_${secret}`;
      expect((await me(t, `bgk_${keyId}_${"B".repeat(43)}`)).statusCode).toBe(401);
      expect((await row(keyId))?.hash_scheme).toBe("sha256"); // a wrong secret changes nothing
      expect((await me(t, token)).statusCode).toBe(200);
      expect((await row(keyId))?.hash_scheme).toBe("hmac_sha256");
      expect((await me(t, token)).statusCode).toBe(200);
      const audit = await sql.query("SELECT action, after FROM audit_events WHERE target_id = $1", [id]);
      expect(audit.rows).toEqual([{ action: "api_key.rehash", after: { keyId, hashScheme: "hmac_sha256" } }]);
    });
  });

  it("revocation takes effect at once even for a key in the verified cache", async () => {
    await withApp({}, async (t) => {
      const created = await t.services.apiKeys.createAsSystem({ name: "to-revoke", role: "viewer" });
      expect((await me(t, created.secret)).statusCode).toBe(200);
      await t.services.apiKeys.revoke(
        { principal: { kind: "system", id: "s", name: "s", roles: ["admin"], groups: [] } },
        created.apiKey.id,
      );
      expect((await me(t, created.secret)).statusCode).toBe(401);
    });
  });

  it("an HMAC-stored key is refused, not guessed, when the server secret is missing", async () => {
    const hasher = createApiKeyHasher(undefined);
    const stored = createHmac("sha256", SERVER_SECRET).update("s").digest("hex");
    expect(await hasher.verify("s", stored, "hmac_sha256", "k")).toBe(false);
    const keyed = createApiKeyHasher(SERVER_SECRET);
    expect(await keyed.verify("s", stored, "hmac_sha256", "k")).toBe(true);
    expect(await keyed.verify("t", stored, "hmac_sha256", "k")).toBe(false);
  });
});
