// The built console in headless Chromium against the real service on the sandbox: each demo
// persona signs in with one click and sees its role's navigation and home page. Any console error,
// CSP violation or serious/critical axe-core violation fails the test. Screenshots go to
// test-results/console/ (git-ignored).
import { readdirSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApp } from "../helpers/app.js";
import { DEV, E1, MISTRAL, startRequestsApp } from "../requests/helpers.js";
import { axeViolations, launchChromium, screenshot, watchedPage } from "./browser.js";
import { buildConsole } from "./build-console.js";

let t: TestApp;
let browser: Browser;
let base: string;
let built: { dir: string; remove(): void };

beforeAll(async () => {
  built = await buildConsole();
  t = await startRequestsApp({ enforceCatalog: false }, { CONSOLE_DIR: built.dir });
  await t.app.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  // Findings for the home page, and a request filed by the demo requester for the approver to see.
  const personas = (await t.app.inject({ method: "POST", url: "/v1/sandbox/demo-personas" })).json().personas as Array<{
    role: string;
    secret: string;
  }>;
  const key = (role: string) => `Bearer ${personas.find((p) => p.role === role)?.secret}`;
  const reconciled = await t.app.inject({
    method: "POST",
    url: "/v1/reconciliations",
    headers: { authorization: key("admin") },
    payload: {},
  });
  expect(reconciled.statusCode, reconciled.body).toBe(200);
  const filed = await t.app.inject({
    method: "POST",
    url: "/v1/access-requests",
    headers: { authorization: key("requester") },
    payload: {
      accountIds: [DEV],
      regions: [E1],
      model: MISTRAL,
      purpose: "summarising support tickets for the help desk",
      dataClassification: "internal",
      durationHours: 24,
    },
  });
  expect(filed.statusCode, filed.body).toBe(201);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  built?.remove();
});

// Each role's navigation, in the console's order (pages a role may not use are not shown).
const EVERYONE = ["Organization", "Findings", "Catalog", "Policies & plans", "Doctor"];
const NAV: Record<string, string[]> = {
  admin: ["Home", "New request", "Requests", "Approvals", ...EVERYONE, "Reports", "Audit log", "Settings"],
  approver: ["Home", "New request", "Requests", "Approvals", ...EVERYONE],
  requester: ["Home", "New request", "Requests", ...EVERYONE],
  auditor: ["Home", "Requests", ...EVERYONE, "Reports", "Audit log"],
  viewer: ["Home", ...EVERYONE],
};

describe("the built console", () => {
  it("loads at most 250 KB of gzipped JavaScript for the first page", () => {
    // What index.html loads: the entry script and the chunks it preloads. Pages loaded on first
    // visit (React.lazy) are chunks of their own and are not part of the first page.
    const html = readFileSync(path.join(built.dir, "index.html"), "utf8");
    const first = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1] as string);
    expect(first.length).toBeGreaterThan(0);
    const all = readdirSync(path.join(built.dir, "assets")).filter((f) => f.endsWith(".js"));
    expect(all.length).toBeGreaterThanOrEqual(first.length);
    const bytes = first.reduce((sum, f) => sum + gzipSync(readFileSync(path.join(built.dir, f))).length, 0);
    expect(bytes).toBeLessThanOrEqual(250 * 1024);
  });
});

describe("demo personas in the browser", () => {
  for (const role of ["admin", "approver", "requester", "auditor", "viewer"] as const) {
    it(`${role} signs in with one click and sees the home page`, async () => {
      const { page, problems } = await watchedPage(browser);
      await page.goto(`${base}/`);
      await page.getByRole("status", { name: "Sandbox mode" }).waitFor();
      await page.getByRole("button", { name: `Sign in as ${role}` }).click();
      await page.getByRole("heading", { name: /^Welcome, demo-/ }).waitFor();
      expect(await page.getByTestId("principal-role").allTextContents()).toEqual([role]);
      const nav = page.getByRole("navigation", { name: "Main navigation" });
      expect(await nav.getByRole("link").allTextContents()).toEqual(NAV[role]);
      if (role === "requester") expect(await nav.getByRole("link", { name: "Approvals" }).count()).toBe(0);
      // Home data, once loaded.
      await page.getByRole("region", { name: "Open findings" }).waitFor();
      await page.getByText("Last sync").waitFor();
      const critical = page.getByTestId("findings-high");
      await expect.poll(() => critical.textContent()).toMatch(/^\d+\+?$/);
      if (role === "requester" || role === "approver" || role === "admin") {
        await page.getByRole("region", { name: "My requests", exact: true }).waitFor();
      } else {
        expect(await page.getByRole("region", { name: "My requests", exact: true }).count()).toBe(0);
      }
      if (role === "requester")
        await page.getByRole("region", { name: "My requests", exact: true }).getByText(MISTRAL).waitFor();
      if (role === "approver" || role === "admin") await page.getByText("1 request to decide").waitFor();
      if (role === "admin") await page.getByText(/(plans? to apply|plan waits to be applied)/).waitFor();
      await page.waitForLoadState("networkidle");
      await screenshot(page, `home-${role}`);
      expect(await axeViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
      await page.context().close();
    });
  }

  it("the sign-in page and dark mode pass the same checks; sign-out returns to sign-in", async () => {
    const { page, problems } = await watchedPage(browser, { colorScheme: "dark" });
    await page.goto(`${base}/some/deep/link`);
    await page.getByRole("heading", { name: "Sign in to bedrock-governor" }).waitFor();
    await screenshot(page, "sign-in-dark");
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole("button", { name: "Sign in as auditor" }).click();
    // Signed in at the deep link: a page that does not exist says so, inside the shell.
    await page.getByText("This page does not exist, or your role may not use it.").waitFor();
    await page.getByRole("link", { name: "Home" }).click();
    await page.getByRole("heading", { name: /^Welcome/ }).waitFor();
    await page.waitForLoadState("networkidle");
    await screenshot(page, "home-auditor-dark");
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole("button", { name: "Switch to light mode" }).click();
    await page.getByRole("button", { name: "Switch to dark mode" }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to bedrock-governor" }).waitFor();
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("an API key pasted on the sign-in page works; a wrong one is refused with a message", async () => {
    const { page, problems } = await watchedPage(browser, { width: 390 });
    await page.goto(`${base}/`);
    await page.getByLabel("API key").fill("bgk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    await page.getByRole("button", { name: "Sign in with API key" }).click();
    await page.getByText("Those credentials were not accepted (wrong, expired or revoked); sign in again.").waitFor();
    const viewer = (await t.keyFor("viewer", "browser-viewer")).replace("Bearer ", "");
    await page.getByLabel("API key").fill(viewer);
    await page.getByRole("button", { name: "Sign in with API key" }).click();
    await page.getByRole("heading", { name: "Welcome, browser-viewer" }).waitFor();
    await page.waitForLoadState("networkidle");
    await screenshot(page, "home-viewer-phone");
    expect(await axeViolations(page)).toEqual([]);
    // The refused key's 401 is the one expected error the browser logs.
    expect(problems.filter((p) => !p.includes("401"))).toEqual([]);
    await page.context().close();
  });
});
