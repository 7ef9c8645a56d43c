// The platform engineer's pages in headless Chromium against the real service on the sandbox:
// the organization heat map (the sandbox's accounts, filters, a cell's explanation) and findings
// (filters, grouping, a suppression by an admin; a viewer sees no suppress button). Any console
// error, CSP violation or serious/critical axe-core violation fails the test. Screenshots go to
// test-results/console/.
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApp } from "../helpers/app.js";
import { eventually } from "../helpers/wait.js";
import { DEV, E1, PROD, startRequestsApp } from "../requests/helpers.js";
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
  const admin = await t.keyFor("admin", "organization-admin");
  const reconciled = await t.app.inject({
    method: "POST",
    url: "/v1/reconciliations",
    headers: { authorization: admin },
    payload: {},
  });
  expect(reconciled.statusCode, reconciled.body).toBe(200);
  // The verdicts the heat map shows are stored by the reconciliation.
  await eventually(
    async () =>
      (await t.app.inject({ url: `/v1/regions/${E1}/model-matrix`, headers: { authorization: admin } })).json() as {
        accounts: { id: string; cells: string }[];
      },
    (m) => m.accounts.some((a) => a.id === DEV && /[UPBQ]/.test(a.cells)),
    "the reconciliation's verdicts",
    { timeoutMs: 120_000, everyMs: 500 },
  );
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  built?.remove();
});

async function signIn(role: string, opts: { colorScheme?: "light" | "dark" } = {}) {
  const watched = await watchedPage(browser, opts);
  await watched.page.goto(`${base}/`);
  await watched.page.getByRole("button", { name: `Sign in as ${role}` }).click();
  await watched.page.getByRole("heading", { name: /^Welcome, demo-/ }).waitFor();
  return watched;
}

async function checked(page: Page, problems: string[], name: string) {
  await page.waitForLoadState("networkidle");
  await screenshot(page, name);
  expect(await axeViolations(page)).toEqual([]);
  expect(problems).toEqual([]);
}

describe("organization heat map", () => {
  it("shows the sandbox's accounts by model; filters narrow it; a cell opens its explanation", async () => {
    const { page, problems } = await signIn("viewer");
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Organization" }).click();
    const map = page.getByTestId("heat-map");
    await map.waitFor();
    await map.getByText("dev-app").waitFor();
    await map.getByText("prod-app").waitFor();
    expect(await map.locator(".heat-cell").count()).toBeGreaterThan(0);
    await expect
      .poll(() => page.getByTestId("matrix-summary").textContent())
      .toMatch(/^\d+ accounts × \d+ models in us-east-1$/);
    await checked(page, problems, "organization-viewer");

    // OU filter: Prod holds prod-app only.
    await page.getByRole("textbox", { name: "Organizational unit" }).click();
    await page.getByRole("option", { name: /\/Prod/ }).click();
    await expect.poll(() => page.getByTestId("matrix-summary").textContent()).toMatch(/^1 account × /);
    await map.getByText("prod-app").waitFor();
    expect(await map.getByText("dev-app").count()).toBe(0);
    await page.getByRole("textbox", { name: "Organizational unit" }).click();
    await page.keyboard.press("Escape");
    // Provider filter: only Mistral's models.
    await page.getByRole("textbox", { name: "Provider" }).click();
    await page.getByRole("option", { name: "Mistral AI" }).click();
    await expect.poll(() => page.getByTestId("matrix-summary").textContent()).toMatch(/^1 account × 1 model in/);

    // A cell's explanation, path by path, with a link to the doctor.
    await map.getByRole("button", { name: /^prod-app, mistral\./ }).click();
    const drawer = page.getByRole("dialog");
    await drawer.getByTestId("explanation").waitFor();
    await drawer.getByRole("region", { name: "Path direct" }).waitFor();
    const doctor = await drawer.getByRole("link", { name: "Open in the doctor" }).getAttribute("href");
    expect(doctor).toBe(`/doctor?accountId=${PROD}&region=${E1}&model=mistral.mistral-large-2407-v1%3A0`);
    await checked(page, problems, "organization-explanation");
    await page.context().close();
  });

  it("reads in dark mode too", async () => {
    const { page, problems } = await signIn("auditor", { colorScheme: "dark" });
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Organization" }).click();
    await page.getByTestId("heat-map").getByText("dev-app").waitFor();
    await checked(page, problems, "organization-auditor-dark");
    await page.context().close();
  });
});

describe("findings", () => {
  it("a viewer filters and groups findings and sees no suppress button", async () => {
    const { page, problems } = await signIn("viewer");
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Findings" }).click();
    await page.getByTestId("findings-count").waitFor();
    expect(await page.getByRole("button", { name: "Suppress" }).count()).toBe(0);
    await page.getByLabel("Account id").fill(DEV);
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect
      .poll(async () => (await page.getByTestId("finding-row").allTextContents()).every((r) => r.includes(DEV)))
      .toBe(true);
    await page.getByTestId("group-by").getByText("Type", { exact: true }).click();
    await page.getByRole("heading", { level: 2 }).first().waitFor();
    await checked(page, problems, "findings-viewer-grouped");
    await page.context().close();
  });

  it("an admin suppresses a finding with a reason and an end date", async () => {
    const { page, problems } = await signIn("admin");
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Findings" }).click();
    await page.getByTestId("findings-count").waitFor();
    const first = page.getByTestId("finding-row").first();
    const text = (await first.textContent()) ?? "";
    await first.getByRole("button", { name: "Suppress" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Reason").fill("accepted risk until the migration ends");
    await screenshot(page, "findings-suppress-dialog");
    expect(await axeViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Suppress" }).click();
    await dialog.waitFor({ state: "hidden" });
    // Open findings no longer list it; suppressed ones do, with the reason.
    await page.getByRole("textbox", { name: "Status" }).click();
    await page.getByRole("option", { name: "suppressed" }).click();
    await page.getByText("accepted risk until the migration ends").waitFor();
    expect(text.length).toBeGreaterThan(0);
    await checked(page, problems, "findings-admin-suppressed");
    await page.context().close();
  });
});
