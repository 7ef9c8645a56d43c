// Abuse limits: rate limits before any credential check (per key id, OIDC subject or IP, and
// failed authentications per IP) (429 problem+json with Retry-After), security headers,
// CORS off unless configured, request timeouts from configuration.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { startJwksServer } from "../helpers/jwks-server.js";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ RATE_LIMIT_MAX: "5", RATE_LIMIT_WINDOW_SECONDS: "120" });
});
afterAll(async () => t?.close());

const me = (authorization?: string, remoteAddress = "10.0.0.1") =>
  t.app.inject({ url: "/v1/me", remoteAddress, headers: authorization ? { authorization } : {} });

describe("rate limit", () => {
  it("limits each principal separately; the 429 is problem+json with Retry-After", async () => {
    const a = await t.keyFor("viewer", "noisy");
    const b = await t.keyFor("viewer", "quiet");
    for (let i = 0; i < 5; i++) expect((await me(a)).statusCode).toBe(200);
    const limited = await me(a);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers["content-type"]).toContain("application/problem+json");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ status: 429, code: "RATE_LIMITED" });
    expect(limited.json().retryAfterSeconds).toBeGreaterThan(0);
    // Same IP, other principal: its own budget.
    expect((await me(b)).statusCode).toBe(200);
  });

  it("counts failed and anonymous attempts per IP, so key guessing is slowed down too", async () => {
    const guess = "Bearer bgk_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    const ip = "10.0.0.77";
    for (let i = 0; i < 5; i++) expect((await me(guess, ip)).statusCode).toBe(401);
    expect((await me(guess, ip)).statusCode).toBe(429);
    expect((await me(undefined, ip)).statusCode).toBe(429);
    expect((await me(undefined, "10.0.0.78")).statusCode).toBe(401);
  });

  it("refuses before checking the credential: a limited guess costs no hashing, per key id and per IP", async () => {
    // A real key whose secret is never presented: every guess at it would cost a full scrypt.
    const target = (await t.keyFor("admin", "guessed")).slice("Bearer bgk_".length, "Bearer bgk_".length + 16);
    const guess = (n: number) => `Bearer bgk_${target}_${String(n).padStart(43, "A")}`;
    const checks = vi.spyOn(t.services.apiKeys, "authenticate");
    try {
      // From a new address each time: the key id's own budget still runs out.
      for (let i = 0; i < 5; i++) expect((await me(guess(i), `10.1.0.${i + 1}`)).statusCode).toBe(401);
      expect(checks).toHaveBeenCalledTimes(5);
      for (let i = 5; i < 25; i++) {
        const res = await me(guess(i), `10.1.0.${i + 1}`);
        expect(res.statusCode).toBe(429);
        expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
      }
      // From one address, a new key id each time: the address's failures run out.
      const ip = "10.2.0.1";
      const other = (n: number) => `Bearer bgk_${n.toString(16).padStart(16, "f")}_${"B".repeat(43)}`;
      for (let i = 0; i < 5; i++) expect((await me(other(i), ip)).statusCode).toBe(401);
      for (let i = 5; i < 25; i++) expect((await me(other(i), ip)).statusCode).toBe(429);
      expect(checks).toHaveBeenCalledTimes(10);
    } finally {
      checks.mockRestore();
    }
  });

  it("health probes are never limited", async () => {
    for (let i = 0; i < 12; i++) {
      const res = await t.app.inject({ url: "/healthz", remoteAddress: "10.0.0.99" });
      expect(res.statusCode).toBe(200);
    }
  });

  it("the docs are never limited, and do not spend the address's budget", async () => {
    const ip = "10.0.0.98";
    for (let i = 0; i < 12; i++) {
      const res = await t.app.inject({ url: "/docs/json", remoteAddress: ip });
      expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
      expect(res.json()).toHaveProperty("openapi");
    }
    // The same address still has its whole budget for the API (5 here), then is limited.
    for (let i = 0; i < 5; i++) expect((await me(undefined, ip)).statusCode).toBe(401);
    expect((await me(undefined, ip)).statusCode).toBe(429);
  });

  it("gives each OIDC user (issuer and subject) a budget of their own, wherever they come from", async () => {
    const idp = await startJwksServer();
    const o = await startTestApp({
      RATE_LIMIT_MAX: "5",
      RATE_LIMIT_WINDOW_SECONDS: "120",
      OIDC_ISSUER: idp.issuer,
      OIDC_JWKS_URL: idp.jwksUrl,
      OIDC_AUDIENCE: "bedrock-governor",
      OIDC_ROLES_CLAIM: "groups",
      OIDC_GROUP_ROLE_MAP: "ml-devs=requester",
    });
    try {
      const ask = async (sub: string, remoteAddress: string) =>
        (
          await o.app.inject({
            url: "/v1/me",
            remoteAddress,
            headers: { authorization: `Bearer ${await idp.sign({ sub, groups: ["ml-devs"] })}` },
          })
        ).statusCode;
      // One user from five addresses: her budget runs out, not the addresses'.
      for (let i = 0; i < 5; i++) expect(await ask("alice", `10.3.0.${i + 1}`)).toBe(200);
      expect(await ask("alice", "10.3.0.9")).toBe(429);
      // Another user, from the address alice used last: her own budget.
      for (let i = 0; i < 5; i++) expect(await ask("bob", "10.3.0.9")).toBe(200);
      expect(await ask("bob", "10.3.0.1")).toBe(429);
      expect(await ask("alice", "10.3.0.50")).toBe(429);
    } finally {
      await o.close();
      await idp.close();
    }
  });
});

describe("security headers and CORS", () => {
  it("sets helmet's headers on API responses", async () => {
    const res = await t.app.inject({ url: "/healthz" });
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(res.headers["strict-transport-security"]).toMatch(/max-age=\d+/);
    expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(res.headers["cross-origin-resource-policy"]).toBe("same-origin");
    expect(res.headers["x-powered-by"]).toBeUndefined();
  });

  it("sends no CORS headers when CORS_ORIGINS is unset", async () => {
    const preflight = await t.app.inject({
      method: "OPTIONS",
      url: "/v1/me",
      headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
    });
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
    const get = await t.app.inject({ url: "/healthz", headers: { origin: "https://evil.example" } });
    expect(get.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("allows exactly the configured origins when CORS_ORIGINS is set; timeouts come from config", async () => {
    const c = await startTestApp({
      CORS_ORIGINS: "https://console.example.com",
      REQUEST_TIMEOUT_MS: "1234",
      CONNECTION_TIMEOUT_MS: "567",
    });
    try {
      const ok = await c.app.inject({
        method: "OPTIONS",
        url: "/v1/me",
        headers: { origin: "https://console.example.com", "access-control-request-method": "GET" },
      });
      expect(ok.statusCode).toBe(204);
      expect(ok.headers["access-control-allow-origin"]).toBe("https://console.example.com");
      const other = await c.app.inject({ url: "/healthz", headers: { origin: "https://evil.example" } });
      expect(other.headers["access-control-allow-origin"]).toBeUndefined();
      expect(c.app.server.requestTimeout).toBe(1234);
      expect(c.app.initialConfig.connectionTimeout).toBe(567);
    } finally {
      await c.close();
    }
  });

  it("refuses a bad CORS_ORIGINS or a short API_KEY_HASH_SECRET at start, hiding the secret", async () => {
    const { loadConfig } = await import("../../src/config.js");
    expect(() => loadConfig({ CORS_ORIGINS: "https://x.example/path" })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ API_KEY_HASH_SECRET: "short-secret" })).toThrow(/API_KEY_HASH_SECRET=\(hidden\)/);
  });
});
