// A sandbox in this process (so a test can change its state or switch outages on and off) and the
// real service on it, reaching it through the standard credential chain.
import { parseScenario, type Sandbox, type Scenario, startSandbox } from "../../src/sandbox/index.js";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { startTestApp, type TestApp } from "./app.js";

export interface SandboxApp {
  sandbox: Sandbox;
  t: TestApp;
  close(): Promise<void>;
}

export async function startSandboxApp(
  scenario: Scenario | Record<string, unknown>,
  env: Record<string, string> = {},
  database?: TestDatabase,
): Promise<SandboxApp> {
  const sandbox = await startSandbox({ scenario: parseScenario(scenario), port: 0 });
  // The standard credential chain reads these; each test file runs in its own process.
  process.env.AWS_ACCESS_KEY_ID = sandbox.baseCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = sandbox.baseCredentials.secretAccessKey;
  const t = await startTestApp(
    {
      SANDBOX_URL: sandbox.url,
      AWS_MEMBER_ROLE_NAME: sandbox.memberRoleName,
      ...(sandbox.externalId ? { AWS_EXTERNAL_ID: sandbox.externalId } : {}),
      INVENTORY_REGIONS: sandbox.state.defaultRegions.join(","),
      LOG_LEVEL: "warn",
      ...env,
    },
    database,
  );
  return {
    sandbox,
    t,
    async close() {
      await t.close();
      await sandbox.close();
    },
  };
}
