// Headless Chromium (Debian's package) driven by playwright-core, with what every console test
// checks: no console error, no CSP violation, no serious or critical axe-core violation.
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { packageRoot } from "../../src/lib/package-root.js";

export const SCREENSHOTS = path.join(packageRoot(), "test-results", "console");

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

export interface WatchedPage {
  page: Page;
  /** Console errors, uncaught exceptions, CSP violations and failed requests, as text. */
  problems: string[];
}

/** A page in a fresh context (its own sessionStorage) that records every problem it meets. */
export async function watchedPage(
  browser: Browser,
  opts: { colorScheme?: "light" | "dark"; width?: number } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: 900 },
    colorScheme: opts.colorScheme ?? "light",
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") problems.push(`console.${msg.type()}: ${msg.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  // A fetch still in flight when the test navigates away is aborted by the browser (ERR_ABORTED):
  // that is navigation, not a failure of the console. Every other failure is a problem.
  page.on("requestfailed", (request) => {
    const reason = request.failure()?.errorText ?? "unknown";
    if (reason !== "net::ERR_ABORTED") problems.push(`request failed: ${request.url()} (${reason})`);
  });
  // Reported as events too, in case a violation does not reach the console.
  // (Strings, not functions: this file is type-checked without the DOM library.)
  await page.addInitScript({
    content: `document.addEventListener("securitypolicyviolation", (e) => {
      console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI);
    });`,
  });
  return { page, problems };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * axe-core's serious and critical violations on the page once it is still: a drawer or a
 * notification mid-transition is partly transparent, and its text would be judged at that opacity.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  // Finite animations only: a spinner runs forever. (A function, not a string: the CSP forbids eval.)
  type Animation = { playState: string; effect: { getTiming(): { iterations?: number } } | null };
  await page.waitForFunction(
    () =>
      (globalThis as unknown as { document: { getAnimations(): Animation[] } }).document
        .getAnimations()
        .every((a) => a.playState !== "running" || a.effect?.getTiming().iterations === Number.POSITIVE_INFINITY),
    undefined,
    { timeout: 10_000 },
  );
  // Injected through the DevTools protocol, not as an inline script: the page's CSP stays intact.
  await page.evaluate(axeSource);
  const result = (await page.evaluate(`window.axe.run(document, { resultTypes: ["violations"] })`)) as {
    violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }>;
  };
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
