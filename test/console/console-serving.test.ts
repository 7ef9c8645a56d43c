// The console as the service serves it: the page and its strict CSP, the SPA fallback next to the
// API's problem+json 404s, the page shown when the console was not built, and the sandbox-only
// demo personas (idempotent, audited, 404 outside sandbox mode).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";

let t: TestApp;
let dir: string;

beforeAll(async () => {
  // A stand-in build (the real one is exercised by the browser tests): a page and one asset.
  dir = mkdtempSync(path.join(tmpdir(), "bg-console-fake-"));
  mkdirSync(path.join(dir, "assets"));
  writeFileSync(
    path.join(dir, "index.html"),
    '<!doctype html><meta name="csp-nonce" content="__CSP_NONCE__"><script type="module" src="/assets/app-1.js"></script>',
  );
  writeFileSync(path.join(dir, "assets", "app-1.js"), "console.log('hi')");
  t = await startTestApp({ CONSOLE_DIR: dir });
});
afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

const html = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };

describe("the console page", () => {
  it("is served at / with a per-response nonce and a CSP without unsafe-inline", async () => {
    const a = await t.app.inject({ url: "/", headers: html });
    const b = await t.app.inject({ url: "/", headers: html });
    expect(a.statusCode).toBe(200);
    expect(a.headers["content-type"]).toMatch(/^text\/html/);
    const csp = String(a.headers["content-security-policy"]);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(a.body).toContain(`content="${nonce}"`);
    expect(a.body).not.toContain("__CSP_NONCE__");
    expect(b.headers["content-security-policy"]).not.toBe(csp);
  });

  it("answers a browser's navigation to a console path with the page", async () => {
    for (const url of ["/requests", "/approvals/abc?x=1", "/auth/callback?code=1&state=2"]) {
      const res = await t.app.inject({ url, headers: html });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toContain("csp-nonce");
    }
  });

  it("keeps problem+json 404s for API, docs, probe and asset paths, and for non-browsers", async () => {
    for (const url of ["/v1/nope", "/v1", "/metrics/x", "/docs/nope", "/healthz/x", "/assets/missing-1.js"]) {
      const res = await t.app.inject({ url, headers: html });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers["content-type"], url).toMatch(/^application\/problem\+json/);
    }
    const api = await t.app.inject({ url: "/requests", headers: { accept: "application/json" } });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ code: "ROUTE_NOT_FOUND" });
    const post = await t.app.inject({ method: "POST", url: "/requests", headers: html });
    expect(post.statusCode).toBe(404);
  });

  it("serves hashed assets as immutable files and refuses other names", async () => {
    const res = await t.app.inject({ url: "/assets/app-1.js" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["cache-control"]).toContain("immutable");
    expect((await t.app.inject({ url: "/assets/..%2Findex.html" })).statusCode).toBe(404);
  });
});

describe("without a built console", () => {
  it("/ says how to build it", async () => {
    const empty = mkdtempSync(path.join(tmpdir(), "bg-console-none-"));
    const bare = await startTestApp({ CONSOLE_DIR: empty });
    try {
      const res = await bare.app.inject({ url: "/", headers: html });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain("npm run build");
      expect((await bare.app.inject({ url: "/assets/x.js" })).statusCode).toBe(404);
      expect(readdirSync(empty)).toEqual([]);
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("console settings and demo personas", () => {
  it("tells the console it runs on the sandbox, with no OIDC client configured", async () => {
    const res = await t.app.inject({ url: "/v1/console/settings" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ sandbox: true, oidc: null });
  });

  it("issues one key per role once, the same keys again, audited", async () => {
    const first = await t.app.inject({ method: "POST", url: "/v1/sandbox/demo-personas" });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers["cache-control"]).toBe("no-store");
    const personas = first.json().personas as Array<{ role: string; secret: string }>;
    expect(personas.map((p) => p.role)).toEqual(["admin", "approver", "requester", "auditor", "viewer"]);
    const again = await t.app.inject({ method: "POST", url: "/v1/sandbox/demo-personas" });
    expect(again.json().personas).toEqual(first.json().personas);
    for (const p of personas) {
      const me = await t.app.inject({ url: "/v1/me", headers: { authorization: `Bearer ${p.secret}` } });
      expect(me.json().roles).toEqual([p.role]);
    }
    const admin = personas[0]?.secret as string;
    const audit = await t.app.inject({
      url: "/v1/audit-events?limit=50",
      headers: { authorization: `Bearer ${admin}` },
    });
    const created = (audit.json().items as Array<{ action: string; after: { name?: string }; requestId: string }>)
      .filter((e) => e.action === "api_key.create" && e.after.name?.startsWith("demo-"))
      .map((e) => e.after.name);
    expect(created.sort()).toEqual(["demo-admin", "demo-approver", "demo-auditor", "demo-requester", "demo-viewer"]);
  });
});

describe("outside sandbox mode", () => {
  it("refuses demo personas with 404 and says so in the settings", async () => {
    const real = await startTestApp({ AWS_TARGET: "aws", CONSOLE_DIR: dir });
    try {
      const res = await real.app.inject({ method: "POST", url: "/v1/sandbox/demo-personas" });
      expect(res.statusCode).toBe(404);
      expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect((await real.app.inject({ url: "/v1/console/settings" })).json()).toMatchObject({ sandbox: false });
    } finally {
      await real.close();
    }
  });
});
