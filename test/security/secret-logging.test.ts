// Secrets never reach the log: every line written (at trace level) while callers fail to
// authenticate in every way and while AWS answers with throttling, 5xx and AssumeRole refusals is
// searched for every token, API key secret, AWS secret key, session token and the ExternalId.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { demoScenario, parseScenario, type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { type JwksServer, startJwksServer } from "../helpers/jwks-server.js";

let sandbox: Sandbox;
let idp: JwksServer;
let t: TestApp;
const HASH_SECRET = "server-side-hmac-key-for-api-keys-0123456789";
const secrets: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({
    scenario: parseScenario({
      ...demoScenario(),
      faults: {
        seed: 11,
        errorRate: 0.1,
        assumeRoleFailureRate: 0.2,
        quotas: [{ service: "bedrock", operation: "ListFoundationModels", tps: 3 }],
      },
    }),
    port: 0,
  });
  idp = await startJwksServer();
  // The standard credential chain reads these (this test file runs in its own process).
  process.env.AWS_ACCESS_KEY_ID = sandbox.baseCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = sandbox.baseCredentials.secretAccessKey;
  t = await startTestApp({
    LOG_LEVEL: "trace",
    SANDBOX_URL: sandbox.url,
    AWS_MEMBER_ROLE_NAME: sandbox.memberRoleName,
    AWS_EXTERNAL_ID: sandbox.externalId ?? "bedrock-governor-demo",
    AWS_MAX_ATTEMPTS: "2",
    INVENTORY_REGIONS: sandbox.state.defaultRegions.join(","),
    API_KEY_HASH_SECRET: HASH_SECRET,
    OIDC_ISSUER: idp.issuer,
    OIDC_JWKS_URL: idp.jwksUrl,
    OIDC_AUDIENCE: "bedrock-governor",
  });
  secrets.push(sandbox.baseCredentials.secretAccessKey, sandbox.externalId ?? "bedrock-governor-demo", HASH_SECRET);
});
afterAll(async () => {
  await t?.close();
  await sandbox?.close();
  await idp?.close();
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
});

describe("no secret in any log line", () => {
  it("during authentication failures of every kind", async () => {
    const good = await t.services.apiKeys.createAsSystem({ name: "good", role: "viewer" });
    const revoked = await t.services.apiKeys.createAsSystem({ name: "revoked", role: "viewer" });
    await t.services.apiKeys.revoke({ principal: SYSTEM_PRINCIPAL }, revoked.apiKey.id);
    const keyId = good.apiKey.keyId;
    const wrongSecret = `bgk_${keyId}_${"Z".repeat(43)}`;
    const expiredJwt = await idp.sign(
      { sub: "u", groups: ["viewer"] },
      { expiresIn: Math.floor(Date.now() / 1000) - 60 },
    );
    const otherAudience = await idp.sign({ sub: "u", groups: ["viewer"] }, { audience: "someone-else" });
    const garbage = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    for (const s of [good.secret, revoked.secret, wrongSecret, expiredJwt, otherAudience, garbage]) secrets.push(s);
    secrets.push(good.secret.slice(`bgk_${keyId}_`.length), revoked.secret.split("_").slice(2).join("_"));

    const attempts: Array<Record<string, string>> = [
      { authorization: `Bearer ${revoked.secret}` },
      { authorization: `Bearer ${wrongSecret}` },
      { authorization: `Bearer ${expiredJwt}` },
      { authorization: `Bearer ${otherAudience}` },
      { authorization: `Bearer ${garbage}` },
      { authorization: `Basic ${Buffer.from(`x:${good.secret}`).toString("base64")}` },
      { authorization: good.secret },
      { "x-api-key": good.secret },
      { cookie: `session=${good.secret}` },
    ];
    for (const headers of attempts) {
      const res = await t.app.inject({ url: "/v1/me", headers });
      expect(res.statusCode).toBe(401);
      expect(res.body).not.toContain(good.secret);
    }
    // A key pasted into the URL by mistake is refused (unknown field) and scrubbed from the log.
    const inUrl = await t.app.inject({
      url: `/v1/accounts?token=${encodeURIComponent(good.secret)}`,
      headers: { authorization: `Bearer ${good.secret}` },
    });
    expect(inUrl.statusCode).toBe(400);
    expect(inUrl.body).not.toContain(good.secret);
    expect(
      (await t.app.inject({ url: "/v1/me", headers: { authorization: `Bearer ${good.secret}` } })).statusCode,
    ).toBe(200);
    expect(t.logs.lines.some((l) => l.includes('"statusCode":401'))).toBe(true);
  });

  it("during AWS errors: throttling, 5xx and refused AssumeRole, with every issued session", async () => {
    const run = await t.services.sync.requestSync({ principal: SYSTEM_PRINCIPAL }, { scope: "organization" });
    let status = "";
    for (let i = 0; i < 2800 && !["succeeded", "partial", "failed"].includes(status); i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await t.services.sync.getRun({ principal: SYSTEM_PRINCIPAL }, run.id)).status;
    }
    expect(["succeeded", "partial"]).toContain(status);
    const sessions = [...sandbox.state.sessions.values()];
    expect(sessions.length).toBeGreaterThan(0);
    for (const s of sessions) secrets.push(s.secretAccessKey, s.sessionToken);
    // The faults really happened and were logged.
    expect(
      t.logs.lines.some((l) => /"level":"(warn|error|debug)"/.test(l) && /gate|aws|Throttl|Service/i.test(l)),
    ).toBe(true);
  }, 300_000);

  it("the whole captured log holds none of the secrets", () => {
    expect(t.logs.lines.length).toBeGreaterThan(50);
    const text = t.logs.lines.join("\n");
    const leaked = secrets.filter((s) => s.length >= 8 && text.includes(s));
    expect(leaked.map((s) => `${s.slice(0, 6)}…`)).toEqual([]);
    // Nothing shaped like an API key or a session token either.
    expect(text).not.toMatch(/bgk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/);
    expect(text).not.toContain("IQoJb3JpZ2luX2VjE");
  });
});
