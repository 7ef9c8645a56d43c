// Report signing, report schedules and the CLI renderer's heap: REPORT_SIGNING_KEY /
// REPORT_SIGNING_KEY_FILE, REPORT_SCHEDULES_CRON and REPORT_RENDER_HEAP_MB. Read only through loadConfig (src/config.ts).
import { createPrivateKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ConfigError, cron, type Env, int, str } from "./parse.js";

export interface ReportsConfig {
  /** Ed25519 private key reports are signed with; undefined: reports are anchored in the audit log but unsigned. */
  signingKey: KeyObject | undefined;
  /** Cron of the dispatcher that starts due report schedules, or undefined when off. */
  schedulesCron: string | undefined;
  /**
   * Ceiling (MB) of the old generation of the thread the CLI's `report` renders in. A report holds
   * one batch of rows at a time (about 30 MB live at 1M events); V8 sizes its heap's growth by
   * this ceiling, so a bounded thread stays near what it holds instead of near what it allocated.
   */
  renderHeapMb: number;
}

const EXPECTS = "a PKCS#8 PEM Ed25519 private key (openssl genpkey -algorithm ed25519)";

/** REPORT_SIGNING_KEY (the PEM itself) or REPORT_SIGNING_KEY_FILE (a path to it); not both. */
function signingKey(env: Env, cwd: string): KeyObject | undefined {
  const pem = env.REPORT_SIGNING_KEY?.trim() ? env.REPORT_SIGNING_KEY : undefined;
  const file = str(env, "REPORT_SIGNING_KEY_FILE");
  if (pem !== undefined && file !== undefined)
    throw new ConfigError("REPORT_SIGNING_KEY_FILE", "unset when REPORT_SIGNING_KEY is set (one of the two)", file);
  if (pem === undefined && file === undefined) return undefined;
  const variable = pem !== undefined ? "REPORT_SIGNING_KEY" : "REPORT_SIGNING_KEY_FILE";
  // The key's value is never shown in an error (secret = true for the PEM).
  const fail = () => new ConfigError(variable, EXPECTS, pem !== undefined ? "" : file, pem !== undefined);
  let key: KeyObject;
  try {
    key = createPrivateKey(
      pem !== undefined ? pem.replace(/\\n/g, "\n") : readFileSync(path.resolve(cwd, file as string)),
    );
  } catch {
    throw fail();
  }
  if (key.asymmetricKeyType !== "ed25519") throw fail();
  return key;
}

export function reportsConfig(env: Env, cwd: string): ReportsConfig {
  return {
    signingKey: signingKey(env, cwd),
    schedulesCron: cron(env, "REPORT_SCHEDULES_CRON", "* * * * *"),
    renderHeapMb: int(env, "REPORT_RENDER_HEAP_MB", 256, 64, 16_384),
  };
}
