// The auditor's and the admin's console pages in headless Chromium against the real service on the
// sandbox: an auditor generates a PDF report, downloads it (through the bearer-token fetch, saved
// from a blob) and starts an invocation ingestion, then searches the audit log and sees the chain's
// status; an admin creates an API key (secret shown once) and revokes it, creates an approval rule
// (and meets a stale edit) and a webhook; a viewer and a requester see none of these pages. Any
// console error, CSP violation or serious/critical axe-core violation fails the test; screenshots
// go to test-results/console/.
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApp } from "../helpers/app.js";
import { startRequestsApp } from "../requests/helpers.js";
import { axeViolations, launchChromium, SCREENSHOTS, screenshot, watchedPage } from "./browser.js";
import { buildConsole } from "./build-console.js";

let t: TestApp;
let browser: Browser;
let base: string;
let built: { dir: string; remove(): void };
let adminKey: string;

beforeAll(async () => {
  built = await buildConsole();
  t = await startRequestsApp({ enforceCatalog: false }, { CONSOLE_DIR: built.dir });
  await t.app.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const personas = (await t.app.inject({ method: "POST", url: "/v1/sandbox/demo-personas" })).json().personas as Array<{
    role: string;
    secret: string;
  }>;
  adminKey = `Bearer ${personas.find((p) => p.role === "admin")?.secret}`;
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  built?.remove();
});

async function signIn(role: string): Promise<{ page: Page; problems: string[] }> {
  const watched = await watchedPage(browser);
  await watched.page.goto(`${base}/`);
  await watched.page.getByRole("button", { name: `Sign in as ${role}` }).click();
  await watched.page.getByRole("heading", { name: /^Welcome, demo-/ }).waitFor();
  return watched;
}

const navLinks = (page: Page) => page.getByRole("navigation", { name: "Main navigation" }).getByRole("link");

async function checked(page: Page, name: string): Promise<void> {
  await page.waitForLoadState("networkidle");
  await screenshot(page, name);
  expect(await axeViolations(page), name).toEqual([]);
}

describe("evidence and settings in the browser", () => {
  it("an auditor generates a PDF report and downloads it, starts an ingestion, and reads the audit log", async () => {
    const { page, problems } = await signIn("auditor");
    expect(await navLinks(page).allTextContents()).toEqual(expect.arrayContaining(["Reports", "Audit log"]));
    expect(await navLinks(page).allTextContents()).not.toContain("Settings");

    await navLinks(page).getByText("Reports", { exact: true }).click();
    await page.getByRole("heading", { name: "Generate a compliance report" }).waitFor();
    await page.getByRole("button", { name: "Generate report" }).click();
    await page.getByText("Report requested (PDF, organization)").waitFor();
    const download = page.getByRole("button", { name: /^Download PDF report/ }).first();
    await download.waitFor({ timeout: 60_000 });
    const [file] = await Promise.all([page.waitForEvent("download"), download.click()]);
    expect(file.suggestedFilename()).toMatch(/^bedrock-compliance-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.pdf$/);
    const saved = await file.path();
    const bytes = readFileSync(saved);
    expect(bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(bytes.length).toBeGreaterThan(2_000);
    await file.saveAs(path.join(SCREENSHOTS, file.suggestedFilename()));
    // The key never travels in a URL: the download was a fetch with the Authorization header.
    expect(file.url()).toMatch(/^blob:/);

    await page.getByRole("button", { name: "Start ingestion" }).click();
    const ingestion = page.getByRole("region", { name: "Invocation ingestions" }).getByTestId("ingestion-row");
    await ingestion.first().waitFor();
    await expect.poll(() => ingestion.first().textContent(), { timeout: 30_000 }).toMatch(/succeeded|partial|failed/);
    await checked(page, "reports-auditor");

    await navLinks(page).getByText("Audit log", { exact: true }).click();
    await page.getByTestId("chain-status").waitFor();
    expect(await page.getByTestId("chain-status").textContent()).toMatch(
      /intact.*Verified \d+ entr(y|ies), up to id \d+/,
    );
    await page.getByTestId("head-signature").waitFor();
    await page.getByLabel("Action").fill("report.request");
    await page.getByRole("button", { name: "Search" }).click();
    const rows = page.getByTestId("audit-row");
    // One report was requested: once the search has answered, one row, that request.
    await expect.poll(() => rows.allTextContents()).toEqual([expect.stringContaining("report.request")]);
    await checked(page, "audit-auditor");
    await rows.first().getByRole("button").click();
    const detail = page.getByRole("dialog");
    await detail.getByText("After", { exact: true }).waitFor();
    expect(await detail.getByRole("region", { name: "After" }).textContent()).toContain('"format": "pdf"');
    await checked(page, "audit-event-auditor");
    expect(problems).toEqual([]);
    await page.context().close();
  }, 180_000);

  it("an admin creates an API key (secret shown once) and revokes it, an approval rule and a webhook", async () => {
    const { page, problems } = await signIn("admin");
    expect(await navLinks(page).allTextContents()).toEqual(
      expect.arrayContaining(["Reports", "Audit log", "Settings"]),
    );
    await navLinks(page).getByText("Settings", { exact: true }).click();
    await page.getByRole("tab", { name: "API keys" }).waitFor();

    await page.getByLabel("Key name").fill("ci-deployer");
    await page.getByRole("button", { name: "Create key" }).click();
    const secret = page.getByTestId("secret-value");
    await secret.waitFor();
    expect(await secret.textContent()).toMatch(/^bgk_[A-Za-z0-9]+_/);
    await page.getByRole("button", { name: "Copy", exact: true }).waitFor();
    await checked(page, "settings-api-key-created");
    await page.getByRole("button", { name: "I have stored it, hide it" }).click();
    // The secret goes once the button is pressed (a state change: wait for it, do not sample).
    await page.getByTestId("secret-value").waitFor({ state: "detached" });
    const row = page.getByTestId("api-key-row").filter({ hasText: "ci-deployer" });
    await row.getByRole("button", { name: "Revoke ci-deployer" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke key" }).click();
    await row.getByText("revoked").waitFor();

    await page.getByRole("tab", { name: "Approval rules" }).click();
    await page.getByRole("button", { name: "New approval rule" }).click();
    const ruleForm = page.getByRole("dialog");
    await ruleForm.getByLabel("Rule name").fill("Anthropic needs two");
    await ruleForm.getByLabel("Provider pattern").fill("anthropic");
    await ruleForm.getByLabel("Required approvals").fill("2");
    await ruleForm.getByRole("button", { name: "Create rule" }).click();
    const ruleRow = page.getByTestId("approval-rule-row").filter({ hasText: "Anthropic needs two" });
    await ruleRow.waitFor();
    expect(await ruleRow.textContent()).toContain("anthropic");
    // A stale edit: someone else changes the rule while the form is open.
    await ruleRow.getByRole("button", { name: "Edit Anthropic needs two" }).click();
    const rules = (await t.app.inject({ url: "/v1/approval-rules", headers: { authorization: adminKey } })).json()
      .items as Array<Record<string, unknown>>;
    const rule = rules.find((r) => r.name === "Anthropic needs two") as Record<string, unknown>;
    const { id, version, createdAt, updatedAt, updatedBy, ...body } = rule;
    const changed = await t.app.inject({
      method: "PUT",
      url: `/v1/approval-rules/${id}`,
      headers: { authorization: adminKey, "if-match": `"${version}"` },
      payload: { ...body, requiredApprovals: 3 },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    await page.getByRole("dialog").getByLabel("Provider pattern").fill("anthropic*");
    await page.getByRole("dialog").getByRole("button", { name: "Save rule" }).click();
    await page
      .getByRole("dialog")
      .getByText(/Someone changed this since you opened it/)
      .waitFor();
    await checked(page, "settings-approval-rule-stale");
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await checked(page, "settings-approval-rules");

    await page.getByRole("tab", { name: "Webhooks" }).click();
    await page.getByRole("button", { name: "New webhook" }).click();
    const hookForm = page.getByRole("dialog");
    await hookForm.getByLabel("Webhook name").fill("chat-ops");
    await hookForm.getByLabel("URL").fill("https://hooks.example.com/governor/T000/B000");
    await hookForm.getByRole("button", { name: "Create webhook" }).click();
    await page.getByTestId("webhook-secret").waitFor();
    expect(await page.getByTestId("webhook-secret").textContent()).toContain("whsec_");
    await page.getByRole("button", { name: "Done" }).click();
    const hookRow = page.getByTestId("webhook-row").filter({ hasText: "chat-ops" });
    await hookRow.waitFor();
    await hookRow.getByRole("button", { name: "Deliveries of chat-ops" }).click();
    await page.getByRole("dialog").getByText("Nothing delivered yet.").waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await checked(page, "settings-webhooks");
    // The stale edit's 412 is the one expected error the browser logs.
    expect(problems.filter((p) => !p.includes("412 (Precondition Failed)"))).toEqual([]);
    await page.context().close();
  }, 180_000);

  for (const role of ["viewer", "requester"] as const) {
    it(`a ${role} sees neither Reports, Audit log nor Settings`, async () => {
      const { page, problems } = await signIn(role);
      const links = await navLinks(page).allTextContents();
      for (const hidden of ["Reports", "Audit log", "Settings"]) expect(links).not.toContain(hidden);
      for (const path of ["/reports", "/audit", "/settings"]) {
        await page.goto(`${base}${path}`);
        await page.getByText("This page does not exist, or your role may not use it.").waitFor();
      }
      expect(problems).toEqual([]);
      await page.context().close();
    }, 60_000);
  }
});
