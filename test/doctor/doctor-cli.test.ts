// `bedrock-governor doctor` as a person runs it, against the built-in demo organization.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GATES } from "../../src/modules/reachability/reachability.types.js";
import { DEMO_ACCOUNTS } from "../../src/sandbox/demo.js";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { migratedDatabase } from "../helpers/app.js";
import { runCliSync } from "../helpers/cli.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await migratedDatabase();
});
afterAll(async () => db?.drop());

const cli = (...args: string[]) => runCliSync(["doctor", ...args], { DATABASE_URL: db.url, LOG_LEVEL: "error" });

const PAYMENTS = DEMO_ACCOUNTS.prodPayments;
const CHATBOT = `arn:aws:iam::${PAYMENTS}:role/PaymentsChatbot`;

describe("doctor CLI", () => {
  it("renders the gates with marks, the quoted SCP statement, the pasted error and the verdict; exit 3 when blocked", () => {
    const r = cli(
      "--account",
      PAYMENTS,
      "--region",
      "us-east-1",
      "--model",
      "us.deepseek.r1-v1:0",
      "--principal",
      CHATBOT,
      "--error",
      `AccessDeniedException: User: ${CHATBOT} is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/deepseek.r1-v1:0 with an explicit deny in a service control policy`,
      "--probe",
    );
    expect(r.status, r.stderr).toBe(3);
    const out = r.stdout;
    expect(out).toMatch(/^✔ Credentials +Assumed arn:aws:iam::555566667777:role\//m);
    expect(out).toMatch(/^✘ Organization policy +SCP DenyDeepSeekModels \(p-denydeepseek\), statement DenyDeepSeek/m);
    expect(out).toContain('"Sid": "DenyDeepSeek"');
    expect(out.match(/^ +statement DenyDeepSeekModels \(p-denydeepseek\) DenyDeepSeek:$/gm)).toHaveLength(1);
    expect(out).toMatch(/fix: Ask the organization admins/);
    // The Bedrock org policy on Workloads is listed with the guardrail it enforces.
    expect(out).toMatch(
      /bedrock policy OrgGuardrails \(p-bedrockgrd1\) on ou-demo-workload, guardrails us-east-1: .*guardrail\/grorg7x2k9qz:1/,
    );
    expect(out).toMatch(/Pasted error: AccessDeniedException → Organization policy \(high confidence/);
    expect(out).toMatch(/live checks: confirmed/);
    expect(out).toMatch(/^✘ Probe \(Converse\) +us\.deepseek\.r1-v1:0: Converse was refused: AccessDeniedException/m);
    expect(out).toMatch(/Verdict: BLOCKED at Organization policy/);
  });

  it("--json prints the report; no failing gate exits 0", () => {
    const r = cli("--account", PAYMENTS, "--region", "us-east-1", "--model", "amazon.nova-pro-v1:0", "--json");
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { verdict: string; gates: { gate: string; status: string }[] };
    expect(report.gates.map((g) => g.gate)).toEqual([...GATES]);
    expect(report.gates.find((g) => g.gate === "iam")?.status).toBe("unknown");
    expect(report.verdict).toBe("inconclusive");
  });

  it("with only --error, classifies the error without AWS or a database", () => {
    const r = cli(
      "--error",
      "An error occurred (ExpiredTokenException) when calling the InvokeModel operation: The security token included in the request is expired",
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Error: ExpiredTokenException → Credentials \(high confidence, rule expired-token\)/);
    expect(r.stdout).toMatch(/fix: Get fresh credentials/);
    expect(r.stdout).toMatch(/named in the error: operation InvokeModel/);
    const half = cli("--account", PAYMENTS, "--error", "x");
    expect(half.status).toBe(2);
    expect(half.stderr).toMatch(/--account, --region and --model go together/);
  });

  it("unusable input names the option and exits 2", () => {
    const r = cli(
      "--account",
      PAYMENTS,
      "--region",
      "us-east-1",
      "--model",
      "m",
      "--principal",
      "arn:aws:iam::123456789012:role/X",
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--principal must be a principal of account 555566667777/);
  });
});
