import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app.js";
import { startRuntime } from "../../src/main/runtime.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { foreignToken, type JwksServer, startJwksServer } from "../helpers/jwks-server.js";
import { eventually } from "../helpers/wait.js";

let t: TestApp;
let idp: JwksServer;

beforeAll(async () => {
  idp = await startJwksServer();
  t = await startTestApp({
    OIDC_ISSUER: idp.issuer,
    OIDC_JWKS_URL: idp.jwksUrl,
    OIDC_AUDIENCE: "bedrock-governor",
    OIDC_ROLES_CLAIM: "groups",
    OIDC_GROUP_ROLE_MAP: "platform-team=admin,ml-devs=requester,grc=auditor",
  });
});
afterAll(async () => {
  await t?.close();
  await idp?.close();
});

const me = (authorization: string) => t.app.inject({ url: "/v1/me", headers: { authorization } });

describe("OIDC JWTs", () => {
  it("accepts a token from the JWKS with the right audience, with its mapped roles", async () => {
    const token = await idp.sign({ sub: "u-1", email: "dev@example.com", groups: ["ml-devs", "grc", "other"] });
    const res = await me(`Bearer ${token}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      kind: "user",
      id: expect.stringMatching(/^oidc:[0-9a-f]{12}:u-1$/),
      name: "dev@example.com",
      roles: ["requester", "auditor"],
    });
  });

  it("mapped role governs access: a requester cannot manage API keys, an admin can", async () => {
    const dev = await idp.sign({ sub: "u-2", groups: ["ml-devs"] });
    expect((await t.app.inject({ url: "/v1/api-keys", headers: { authorization: `Bearer ${dev}` } })).statusCode).toBe(
      403,
    );
    const ops = await idp.sign({ sub: "u-3", groups: ["platform-team"] });
    expect((await t.app.inject({ url: "/v1/api-keys", headers: { authorization: `Bearer ${ops}` } })).statusCode).toBe(
      200,
    );
  });

  it("a token's subject is namespaced: `sub: apikey:<id>` is a user, never that API key's principal", async () => {
    const key = await t.keyFor("requester", "ci-filer");
    const keyId = key.slice("Bearer bgk_".length, "Bearer bgk_".length + 16);
    const asKey = await me(key);
    expect(asKey.json()).toMatchObject({ kind: "api_key", id: `apikey:${keyId}` });
    for (const sub of [`apikey:${keyId}`, "system", asKey.json().id]) {
      const token = await idp.sign({ sub, groups: ["ml-devs"] });
      const who = (await me(`Bearer ${token}`)).json();
      expect(who.kind).toBe("user");
      expect(who.id).toMatch(/^oidc:[0-9a-f]{12}:/);
      expect(who.id).not.toBe(`apikey:${keyId}`);
      expect(who.id).not.toBe("system");
    }
  });

  it("rejects a wrong audience with 401", async () => {
    const token = await idp.sign({ sub: "u-1", groups: ["platform-team"] }, { audience: "someone-else" });
    const res = await me(`Bearer ${token}`);
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toMatch(/aud/);
  });

  it("rejects an expired token with 401", async () => {
    const token = await idp.sign(
      { sub: "u-1", groups: ["platform-team"] },
      { expiresIn: Math.floor(Date.now() / 1000) - 120 },
    );
    const res = await me(`Bearer ${token}`);
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toBe("token expired");
  });

  it("rejects a wrong issuer, a foreign signature and garbage with 401", async () => {
    const wrongIss = await idp.sign({ sub: "u-1" }, { issuer: "https://evil.example/" });
    expect((await me(`Bearer ${wrongIss}`)).statusCode).toBe(401);
    expect((await me(`Bearer ${await foreignToken(idp.issuer, { sub: "u-1" })}`)).statusCode).toBe(401);
    expect((await me("Bearer not.a.jwt")).statusCode).toBe(401);
    expect((await me("Basic dXNlcjpwYXNz")).statusCode).toBe(401);
  });

  it("a valid user with no mapped role is authenticated but may do nothing", async () => {
    const token = await idp.sign({ sub: "u-9", groups: ["marketing"] });
    expect((await me(`Bearer ${token}`)).statusCode).toBe(403);
  });
});

describe("API keys", () => {
  it("admin creates a key whose secret is shown once and works at once", async () => {
    const admin = await t.keyFor("admin");
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: { authorization: admin },
      payload: { name: "ci-pipeline", role: "viewer" },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers["cache-control"]).toBe("no-store");
    const { apiKey, secret } = res.json();
    expect(secret).toMatch(/^bgk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({ name: "ci-pipeline", role: "viewer", status: "active" });

    const who = await me(`Bearer ${secret}`);
    expect(who.json()).toMatchObject({ kind: "api_key", name: "ci-pipeline", roles: ["viewer"] });

    const listed = await t.app.inject({ url: "/v1/api-keys?limit=200", headers: { authorization: admin } });
    expect(JSON.stringify(listed.json())).not.toContain(secret.slice(22));
    expect(listed.json().items.some((k: { id: string }) => k.id === apiKey.id)).toBe(true);
    const one = await t.app.inject({ url: `/v1/api-keys/${apiKey.id}`, headers: { authorization: admin } });
    expect(one.json().lastUsedAt).not.toBeNull();
    // Written at most once a minute per key: a second use moments later leaves it as it was.
    const stamp = async () => (await t.db.client.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).lastUsedAt;
    const first = await stamp();
    await new Promise((r) => setTimeout(r, 20));
    expect((await me(`Bearer ${secret}`)).statusCode).toBe(200);
    expect(await stamp()).toEqual(first);
  });

  it("a revoked key gets 401 at once; revoking twice is a 409", async () => {
    const admin = await t.keyFor("admin");
    const victim = await t.services.apiKeys.createAsSystem({ name: "to-revoke", role: "admin" });
    expect((await me(`Bearer ${victim.secret}`)).statusCode).toBe(200);
    const revoke = () =>
      t.app.inject({
        method: "POST",
        url: `/v1/api-keys/${victim.apiKey.id}/revoke`,
        headers: { authorization: admin },
      });
    const first = await revoke();
    expect(first.statusCode).toBe(200);
    expect(first.json().status).toBe("revoked");
    const after = await me(`Bearer ${victim.secret}`);
    expect(after.statusCode).toBe(401);
    expect(after.json().detail).toBe("API key revoked");
    expect((await revoke()).statusCode).toBe(409);
  });

  it("a key revoked by another process gets 401 at once; while revocations cannot be followed, no key is cached", async () => {
    // The app caches verified keys (it follows revocations, as `serve` does); a second process on
    // the same database revokes one.
    const other = await startRuntime(t.config, t.log, { migrate: false });
    const otherApp = await buildApp({ config: t.config, logger: t.log, services: other.services });
    try {
      const admin = await t.keyFor("admin");
      await eventually(() => t.revocations.connected, Boolean, "the revocation channel");
      const victim = await t.services.apiKeys.createAsSystem({ name: "revoked-elsewhere", role: "viewer" });
      expect((await me(`Bearer ${victim.secret}`)).statusCode).toBe(200);
      // Proof that the key is now served from memory: an edit no notification announces is not seen.
      await t.db.client.$executeRaw`UPDATE api_keys SET revoked_at = now() WHERE id = ${victim.apiKey.id}::uuid`;
      expect((await me(`Bearer ${victim.secret}`)).statusCode).toBe(200);
      await t.db.client.$executeRaw`UPDATE api_keys SET revoked_at = NULL WHERE id = ${victim.apiKey.id}::uuid`;

      const revoked = await otherApp.inject({
        method: "POST",
        url: `/v1/api-keys/${victim.apiKey.id}/revoke`,
        headers: { authorization: admin },
      });
      expect(revoked.statusCode).toBe(200);
      // NOTIFY is delivered at commit; allow for the message to cross the socket.
      await eventually(
        async () => (await me(`Bearer ${victim.secret}`)).statusCode,
        (code) => code === 401,
        "the revoked key refused",
        { timeoutMs: 2_000, everyMs: 20 },
      );
      expect((await me(`Bearer ${victim.secret}`)).json().detail).toBe("API key revoked");

      // Without the channel, every request is checked in the database: the same SQL edit takes
      // effect on the next request.
      t.services.apiKeys.setRevocationFeed(false);
      const second = await t.services.apiKeys.createAsSystem({ name: "edited-in-sql", role: "viewer" });
      expect((await me(`Bearer ${second.secret}`)).statusCode).toBe(200);
      await t.db.client.$executeRaw`UPDATE api_keys SET revoked_at = now() WHERE id = ${second.apiKey.id}::uuid`;
      expect((await me(`Bearer ${second.secret}`)).statusCode).toBe(401);
    } finally {
      t.services.apiKeys.setRevocationFeed(true);
      await otherApp.close();
      await other.close();
    }
  });

  it("an expired key gets 401", async () => {
    const created = await t.services.apiKeys.createAsSystem({
      name: "short-lived",
      role: "viewer",
      expiresAt: new Date(Date.now() + 300),
    });
    expect((await me(`Bearer ${created.secret}`)).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 400));
    const res = await me(`Bearer ${created.secret}`);
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toBe("API key expired");
  });

  it("a tampered secret or unknown key id gets 401", async () => {
    const created = await t.services.apiKeys.createAsSystem({ name: "tamper", role: "viewer" });
    const last = created.secret.at(-1) === "A" ? "B" : "A";
    expect((await me(`Bearer ${created.secret.slice(0, -1)}${last}`)).statusCode).toBe(401);
    expect((await me(`Bearer bgk_0000000000000000_${"a".repeat(43)}`)).statusCode).toBe(401);
  });

  it("an expiry in the past is refused with 400 naming the field", async () => {
    const admin = await t.keyFor("admin");
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: { authorization: admin },
      payload: { name: "old", role: "viewer", expiresAt: "2020-01-01T00:00:00Z" },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe("body.expiresAt");
  });

  it("non-admin roles cannot create, list or revoke keys", async () => {
    for (const role of ["viewer", "requester", "approver", "auditor"] as const) {
      const key = await t.keyFor(role);
      const res = await t.app.inject({
        method: "POST",
        url: "/v1/api-keys",
        headers: { authorization: key },
        payload: { name: "x", role: "admin" },
      });
      expect(res.statusCode, role).toBe(403);
    }
  });

  it("bootstrap creates an admin key only on an empty installation, once, even when raced", async () => {
    const fresh = await startTestApp();
    try {
      const results = await Promise.all(Array.from({ length: 5 }, () => fresh.services.apiKeys.bootstrapAdmin()));
      const made = results.filter((r) => r !== undefined);
      expect(made).toHaveLength(1);
      expect(made[0]?.apiKey.role).toBe("admin");
      expect(await fresh.services.apiKeys.bootstrapAdmin()).toBeUndefined();
    } finally {
      await fresh.close();
    }
  });
});
