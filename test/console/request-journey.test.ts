// The request journey in the built console, headless Chromium against the real service on the
// sandbox (catalog SCPs enforced, an approval rule that leaves plans for an admin): a requester
// files a request after reading its live pre-flight, an approver approves it from the queue (and a
// stale decision says so instead of failing), an admin applies the waiting plan and verifies, and
// the request becomes active. The requester never sees the approval queue. Every page visited is
// checked for console errors, CSP violations and serious axe-core violations, at 1280 px and at
// 390 px, light and dark; screenshots go to test-results/console/.
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApp } from "../helpers/app.js";
import { DEV, E1, LLAMA, MISTRAL, NOVA, startRequestsApp } from "../requests/helpers.js";
import { axeViolations, launchChromium, screenshot, type WatchedPage, watchedPage } from "./browser.js";
import { buildConsole } from "./build-console.js";

let t: TestApp;
let browser: Browser;
let base: string;
let built: { dir: string; remove(): void };
let key: (role: string) => string;
/** The request the requester files in the browser. */
let requestId: string;

const SLOW = { timeout: 60_000 };

beforeAll(async () => {
  built = await buildConsole();
  t = await startRequestsApp({ enforceCatalog: true }, { CONSOLE_DIR: built.dir });
  await t.app.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const personas = (await t.app.inject({ method: "POST", url: "/v1/sandbox/demo-personas" })).json().personas as Array<{
    role: string;
    secret: string;
  }>;
  key = (role: string) => `Bearer ${personas.find((p) => p.role === role)?.secret}`;
  // Plans for the dev account wait for an admin.
  const rule = await t.app.inject({
    method: "POST",
    url: "/v1/approval-rules",
    headers: { authorization: key("admin") },
    payload: {
      name: "dev account: an admin applies every plan",
      scope: { kind: "account", id: DEV },
      approverRole: "approver",
      requiredApprovals: 1,
      autoApply: false,
    },
  });
  expect(rule.statusCode, rule.body).toBe(201);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  built?.remove();
});

async function signIn(
  role: string,
  opts: { colorScheme?: "light" | "dark"; width?: number; path?: string } = {},
): Promise<WatchedPage> {
  const watched = await watchedPage(browser, opts);
  await watched.page.goto(`${base}${opts.path ?? "/"}`);
  await watched.page.getByRole("button", { name: `Sign in as ${role}` }).click();
  await watched.page.getByTestId("principal-role").first().waitFor({ state: "attached" });
  return watched;
}

/** Screenshot, then the checks every page must pass. */
async function check(w: WatchedPage, name: string): Promise<void> {
  await w.page.waitForLoadState("networkidle");
  await screenshot(w.page, name);
  expect(await axeViolations(w.page), name).toEqual([]);
  expect(w.problems, name).toEqual([]);
}

async function pick(page: Page, label: string, option: RegExp, type?: string): Promise<void> {
  const input = page
    .getByRole("textbox", { name: label })
    .or(page.getByLabel(label, { exact: false }))
    .first();
  await input.click();
  if (type) await input.fill(type);
  await page.getByRole("option", { name: option }).first().click();
  await page.keyboard.press("Escape");
}

async function fileByApi(role: string, model: string): Promise<{ id: string; version: number }> {
  const filed = await t.app.inject({
    method: "POST",
    url: "/v1/access-requests",
    headers: { authorization: key(role) },
    payload: {
      accountIds: [DEV],
      regions: [E1],
      model,
      purpose: "a request filed behind the browser's back",
      dataClassification: "internal",
      durationHours: 8,
    },
  });
  expect(filed.statusCode, filed.body).toBe(201);
  return filed.json();
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("a model-access request from filing to active, in the browser", () => {
  it("the requester has no approval queue: not in the navigation, and a deep link says not available", async () => {
    const w = await signIn("requester", { path: "/approvals" });
    await w.page.getByText("This page does not exist, or your role may not use it.").waitFor();
    const nav = w.page.getByRole("navigation", { name: "Main navigation" });
    const links = await nav.getByRole("link").allTextContents();
    expect(links).toEqual(expect.arrayContaining(["Home", "New request", "Requests"]));
    expect(links).not.toContain("Approvals");
    await check(w, "approvals-requester-not-available");
    await w.page.context().close();
  }, 60_000);

  it("the requester files a request after reading the live pre-flight", async () => {
    const w = await signIn("requester");
    const { page } = w;
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "New request" }).click();
    await page.getByRole("heading", { name: "New request" }).waitFor();
    await pick(page, "Accounts", /dev-app/);
    await pick(page, "Regions", new RegExp(`^${E1}$`));
    await pick(page, "Model or inference profile", new RegExp(escapeRe(MISTRAL)), "mistral");
    // The catalog's own SCP blocks Mistral today; approval widens it.
    const pair = page.getByTestId("preflight-pair");
    await pair.getByText(/Approval opens it/).waitFor();
    expect(await pair.textContent()).toContain(`${DEV} · ${E1}`);
    await page.getByLabel("Purpose").fill("summarising support tickets for the help desk");
    await check(w, "new-request-1280");
    await page.getByRole("button", { name: "File request" }).click();
    await page.waitForURL(/\/requests\/[0-9a-f-]{36}$/);
    requestId = page.url().split("/").pop() as string;
    await page.getByRole("heading", { name: MISTRAL }).waitFor();
    await page.getByRole("region", { name: "Pre-flight verdicts" }).getByText("opens on approval").waitFor();
    await page.getByRole("region", { name: "Timeline" }).getByText("Filed by demo-requester").waitFor();
    await page.getByRole("button", { name: "Cancel request" }).waitFor();
    await check(w, "request-pending-requester-1280");
    await w.page.context().close();
  }, 90_000);

  it("a refused field comes back on its field", async () => {
    const w = await signIn("requester", { width: 390, path: "/requests/new" });
    const { page } = w;
    await pick(page, "Accounts", /dev-app/);
    await pick(page, "Regions", new RegExp(`^${E1}$`));
    await pick(page, "Model or inference profile", new RegExp(escapeRe(NOVA)), "nova");
    await page
      .getByTestId("preflight-pair")
      .getByText(/This will work/)
      .waitFor();
    await page.getByLabel("Purpose").fill("too short");
    await page.getByRole("button", { name: "File request" }).click();
    // The API's 400 names body.purpose: the message sits on the Purpose field.
    await page.getByRole("alert").filter({ hasText: "Not filed" }).waitFor();
    expect(await page.getByLabel("Purpose").getAttribute("aria-invalid")).toBe("true");
    // The 400 is the one expected error the browser logs.
    w.problems.splice(0, w.problems.length, ...w.problems.filter((p) => !p.includes("400")));
    await check(w, "new-request-field-error-390");
    await page.goto(`${base}/requests/${requestId}`);
    await page.getByRole("heading", { name: MISTRAL }).waitFor();
    await check(w, "request-pending-requester-390");
    await w.page.context().close();
  }, 90_000);

  it("the approver sees separation of duties, a stale decision is explained, and approves", async () => {
    // The approver's own request (listed, not decidable) and one cancelled while the page is open.
    await fileByApi("approver", LLAMA);
    const doomed = await fileByApi("admin", MISTRAL);
    const w = await signIn("approver", { colorScheme: "dark" });
    const { page } = w;
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Approvals" }).click();
    await page.getByRole("heading", { name: "Approvals" }).waitFor();
    await page.getByText("2 requests wait for your decision.").waitFor();
    await page.getByTestId("own-request").getByText("You filed this: someone else must decide it.").waitFor();
    await check(w, "approvals-approver-dark-1280");

    const cancelled = await t.app.inject({
      method: "POST",
      url: `/v1/access-requests/${doomed.id}/cancel`,
      headers: { authorization: key("admin") },
      payload: {},
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    const stale = page.getByRole("article", { name: `Request for ${MISTRAL} by demo-admin` });
    await stale.getByRole("button", { name: "Approve" }).click();
    await page
      .getByText(/Someone else changed or decided this request since you read it/)
      .first()
      .waitFor();
    await page.getByText("1 request waits for your decision.").waitFor();
    // The 412 (stale version) is the one expected error the browser logs.
    w.problems.splice(0, w.problems.length, ...w.problems.filter((p) => !/ (409|412) /.test(p)));
    await check(w, "approvals-stale-decision-dark-1280");

    const item = page.getByRole("article", { name: `Request for ${MISTRAL} by demo-requester` });
    await item.getByText("opens on approval").first().waitFor();
    await item.getByText("0/1 approvals").waitFor();
    await item.getByLabel("Comment").fill("fine for the help desk pilot");
    await item.getByRole("button", { name: "Approve" }).click();
    await page.getByText("No request waits for your decision.").waitFor();
    expect(w.problems).toEqual([]);
    await w.page.context().close();

    const phone = await signIn("approver", { width: 390, path: "/approvals" });
    await phone.page.getByText("No request waits for your decision.").waitFor();
    await phone.page.getByTestId("own-request").waitFor();
    await check(phone, "approvals-approver-390");
    await phone.page.context().close();
  }, 90_000);

  it("the admin applies the waiting plan and verifies; the request becomes active", async () => {
    const w = await signIn("admin", { path: `/requests/${requestId}` });
    const { page } = w;
    await page.getByRole("heading", { name: MISTRAL }).waitFor();
    const plans = page.getByRole("region", { name: "Plans waiting for an admin" });
    await plans.waitFor(SLOW);
    await page
      .getByRole("region", { name: "Timeline" })
      .getByText("Waiting for an admin to apply remediation plan")
      .waitFor();
    const apply = plans.getByRole("button", { name: /^Apply plan / });
    await apply.first().waitFor(SLOW);
    await check(w, "request-waiting-admin-1280");
    while ((await apply.count()) > 0) {
      await apply.first().click();
      await plans.getByText("applied", { exact: true }).first().waitFor(SLOW);
    }
    await plans.getByRole("button", { name: "Verify request" }).click();
    await page.getByRole("region", { name: "Timeline" }).getByText("Active", { exact: true }).waitFor(SLOW);
    await page.getByRole("button", { name: "Revoke access" }).waitFor();
    await check(w, "request-active-admin-1280");
    await w.page.context().close();

    const phone = await signIn("requester", { width: 390, colorScheme: "dark", path: "/requests" });
    await phone.page.getByRole("link", { name: MISTRAL }).first().waitFor();
    await phone.page.getByRole("link", { name: MISTRAL }).first().click();
    await phone.page.getByRole("region", { name: "Timeline" }).getByText("Active", { exact: true }).waitFor();
    await check(phone, "request-active-requester-dark-390");
    await phone.page.context().close();
  }, 150_000);
});
