// The platform engineer's configuration pages in headless Chromium against the real service on the
// sandbox: an admin applies a waiting remediation plan, edits the catalog as YAML (a schema error
// first, then a valid change previewed as a diff and applied with a reason, which shows in the
// entry's history); a viewer runs the doctor on a blocked model and sees no edit or apply button.
// Any console error, CSP violation or serious/critical axe-core violation fails a test.
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApp } from "../helpers/app.js";
import { DEV, E1, startRequestsApp } from "../requests/helpers.js";
import { axeViolations, launchChromium, screenshot, watchedPage } from "./browser.js";
import { buildConsole } from "./build-console.js";

let t: TestApp;
let browser: Browser;
let base: string;
let built: { dir: string; remove(): void };
let adminKey: string;

const TITAN_LITE = "amazon.titan-text-lite-v1";

async function newPlan(): Promise<{ id: string; changes: unknown[] }> {
  const res = await t.app.inject({
    method: "POST",
    url: "/v1/remediation-plans",
    headers: { authorization: adminKey },
    payload: { scope: { kind: "organization" } },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

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
  // The Nova-only catalog is not enforced yet: a plan to create its SCPs waits for an admin.
  expect((await newPlan()).changes.length).toBeGreaterThan(0);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  built?.remove();
});

async function signIn(role: string, path = "/"): Promise<{ page: Page; problems: string[] }> {
  const watched = await watchedPage(browser);
  await watched.page.goto(`${base}${path}`);
  await watched.page.getByRole("button", { name: `Sign in as ${role}` }).click();
  await watched.page.getByTestId("principal-role").first().waitFor();
  return watched;
}

async function checked(page: Page, name: string): Promise<void> {
  await page.waitForLoadState("networkidle");
  await screenshot(page, name);
  expect(await axeViolations(page)).toEqual([]);
}

const nav = (page: Page, label: string) =>
  page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: label, exact: true }).click();

describe("the platform engineer's configuration pages", () => {
  it("an admin views the compiled policies and applies the waiting plan", async () => {
    const { page, problems } = await signIn("admin");
    await nav(page, "Policies & plans");
    await page.getByRole("heading", { name: "Policies & plans" }).waitFor();
    const plan = page.getByTestId("plan").first();
    await plan
      .getByText(/^Create SCP bedrock-governor-catalog-/)
      .first()
      .waitFor();
    await page.getByText(/\d+ SCPs? for root r-req1/).waitFor();
    await checked(page, "policies-admin");
    await plan.getByRole("button", { name: /^Apply plan/ }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText(/This writes \d+ changes? to AWS for the organization/).waitFor();
    await dialog.getByRole("button", { name: "Apply to AWS" }).click();
    await dialog.getByTestId("plan-outcome").getByText("Plan applied").waitFor({ timeout: 60_000 });
    await checked(page, "policies-plan-applied");
    await dialog.getByRole("button", { name: "Close" }).last().click();
    await page.getByText("No plan waits to be applied.").waitFor();
    expect(problems).toEqual([]);
    await page.context().close();
  }, 120_000);

  it("an admin edits the catalog as YAML: a schema error, then a diff, apply with a reason, history", async () => {
    const { page, problems } = await signIn("admin");
    await nav(page, "Catalog");
    await page.getByRole("region", { name: "Catalog entries" }).getByText("default model").waitFor();
    await page.getByRole("tab", { name: "Edit as YAML" }).click();
    const editor = page.getByLabel("Catalog document (YAML)");
    await expect.poll(() => editor.inputValue()).toContain("id: nova");
    const current = await editor.inputValue();

    await editor.fill(
      `${current.trimEnd()}\n  - id: mistral-dev\n    model: mistral.mistral-large-2407-v1:0\n    scope: planet\n    owner: search-team\n`,
    );
    await page.getByRole("button", { name: "Check and preview changes" }).click();
    const errors = page.getByTestId("schema-errors");
    await errors.getByText(/entries\[1\]\.scope/).waitFor();
    const text = await errors.textContent();
    expect(text).toMatch(/Line \d+, entries\[1\]\.scope: matches none of the allowed forms/);
    expect(text).toMatch(/entries\[1\]: required field "justification" is missing/);
    await checked(page, "catalog-yaml-schema-error");

    await editor.fill(
      `${current.trimEnd()}\n  - id: mistral-dev\n    model: mistral.mistral-large-2407-v1:0\n    scope: { account: "${DEV}" }\n    regions: [${E1}]\n    owner: search-team\n    justification: Ranking pilot in the dev account\n`,
    );
    await page.getByRole("button", { name: "Check and preview changes" }).click();
    const diff = page.getByTestId("catalog-diff");
    await diff.getByText("1 to add, 0 to change, 0 to remove, 1 unchanged").waitFor();
    await diff.getByText("+ id: mistral-dev").waitFor();
    const apply = page.getByRole("button", { name: "Apply", exact: true });
    expect(await apply.isDisabled()).toBe(true);
    await page.getByLabel("Reason").fill("Search ranking pilot approved by the AI board");
    await checked(page, "catalog-yaml-diff");
    await apply.click();
    const applied = page.getByTestId("catalog-applied");
    await applied.getByText(/1 added, 0 changed, 0 removed/).waitFor();
    await applied.getByText(/reconciliation is queued/).waitFor();
    await checked(page, "catalog-yaml-applied");

    await page.getByRole("tab", { name: "Entries" }).click();
    await page.getByRole("button", { name: "History of mistral-dev" }).click();
    const drawer = page.getByRole("dialog", { name: "History of mistral-dev" });
    await drawer.getByText("Search ranking pilot approved by the AI board").waitFor();
    await drawer.getByText("created").waitFor();
    await checked(page, "catalog-history");
    expect(problems).toEqual([]);
    await page.context().close();
  }, 120_000);

  it("a viewer runs the doctor on a blocked model and sees the failing gate", async () => {
    const { page, problems } = await signIn("viewer", `/doctor?accountId=${DEV}&region=${E1}&model=${TITAN_LITE}`);
    await page.getByRole("heading", { name: "Doctor" }).waitFor();
    expect(await page.getByLabel("Model or inference profile").inputValue()).toBe(TITAN_LITE);
    await page.getByRole("button", { name: "Diagnose" }).click();
    const report = page.getByTestId("doctor-report");
    await report.getByText(/^Blocked at /).waitFor({ timeout: 60_000 });
    // The first failing gate (organization policy once the catalog's SCPs are attached, else the
    // lifecycle: Titan Text Lite is past its end of life) with its fix.
    const failing = report.locator('[data-status="fail"]').first();
    await failing.getByText(/Fix:/).waitFor();
    expect(await failing.getAttribute("data-testid")).toMatch(/^gate-(org_policy|lifecycle)$/);
    await checked(page, "doctor-viewer-blocked");

    // A pasted error alone is classified without calling AWS.
    await page.getByLabel("Account").fill("");
    await page
      .getByLabel("Error message (optional)")
      .fill(
        "An error occurred (AccessDeniedException) when calling the InvokeModel operation: You don't have access to the model with the specified model ID.",
      );
    await page.getByRole("button", { name: "Classify the error" }).click();
    await page
      .getByRole("region", { name: "What the error says" })
      .getByText(/^Likely gate:/)
      .waitFor();
    await checked(page, "doctor-viewer-classify");
    expect(problems).toEqual([]);
    await page.context().close();
  }, 120_000);

  it("a viewer sees the catalog and plans but no edit or apply button", async () => {
    // The catalog changed (mistral-dev): a new plan waits, which a viewer sees but cannot apply.
    expect((await newPlan()).changes.length).toBeGreaterThan(0);
    const { page, problems } = await signIn("viewer");
    await nav(page, "Catalog");
    await page.getByRole("cell", { name: "mistral-dev", exact: true }).waitFor();
    expect(await page.getByRole("tab", { name: "Edit as YAML" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Add entry" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /^Edit / }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /^Remove / }).count()).toBe(0);
    await checked(page, "catalog-viewer");
    await nav(page, "Policies & plans");
    await page
      .getByTestId("plan")
      .first()
      .getByText(/^Update SCP|^Create SCP|^Attach SCP/)
      .first()
      .waitFor();
    expect(await page.getByRole("button", { name: /^Apply/ }).count()).toBe(0);
    await checked(page, "policies-viewer");
    expect(problems).toEqual([]);
    await page.context().close();
  }, 120_000);
});
