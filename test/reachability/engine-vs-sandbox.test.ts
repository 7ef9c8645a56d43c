// The engine against the sandbox's real answers: generated organizations (the 2026 rules on: data
// retention, bedrock-mantle projects, grants, Marketplace, BEDROCK_POLICY, PROVISIONED-only and
// profile-only models) are synced, the engine judges every (account, Region, model, path) from the
// stored facts, and random draws of those are then called for real — Converse (direct, geographic
// and global profiles) or bedrock-mantle inference — with the real SDK/signed clients as the
// governor's member role. The engine's usable/blocked verdict must be the sandbox's answer.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AwsGateError } from "../../src/aws/errors.js";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { createReachabilityEngine } from "../../src/modules/reachability/engine.js";
import { createFactsRepository } from "../../src/modules/reachability/facts.repository.js";
import { type AccountInventory, type CallPath, pathName } from "../../src/modules/reachability/reachability.types.js";
import { generateScenario } from "../../src/sandbox/index.js";
import { createRng } from "../../src/sandbox/rng.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { eventually, waitForSyncRun } from "../helpers/wait.js";

const SEEDS = [11, 23];
const DRAWS_PER_SEED = 1100;
const FAST = "*=1000,bedrock:*=1000,bedrock-runtime:*=1000,bedrock-mantle:*=1000,license-manager:*=1000,iam:*=1000";

interface Draw {
  accountId: string;
  region: string;
  modelId: string;
  path: CallPath;
  expected: "usable" | "blocked";
  gate: string | null;
  reason: string;
}

const rng = (seed: number) => createRng(seed).next;

async function call(t: TestApp, d: Draw): Promise<{ ok: boolean; error?: string }> {
  const apis = t.services.aws.account(d.accountId);
  try {
    if (d.path.kind === "mantle") {
      const projectId = (d.path.projectArn ?? "").split("project/")[1] ?? "default";
      await apis.mantle(d.region).createInference({
        model: d.path.mantleId as string,
        projectId,
        anthropic: d.modelId.startsWith("anthropic."),
        text: "ok",
      });
    } else {
      await apis.runtime(d.region).converse(d.path.profileId ?? d.modelId, "ok", 1);
    }
    return { ok: true };
  } catch (err) {
    if (!(err instanceof AwsGateError)) throw err;
    return { ok: false, error: `${err.awsCode ?? err.gate}: ${err.message}` };
  }
}

const apps: TestApp[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const a of apps) await a.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("reachability engine = the sandbox's answer", () => {
  let decided = 0;

  for (const seed of SEEDS) {
    it(`seed ${seed}: ${DRAWS_PER_SEED} random (account, Region, model, path) draws agree with real calls`, async () => {
      const dir = await mkdtemp(join(tmpdir(), "bg-engine-"));
      dirs.push(dir);
      const file = join(dir, "scenario.json");
      const scenario = generateScenario({ accounts: 20, regions: 3, models: 24, seed });
      // bedrock-mantle inference is a CloudTrail data event that LookupEvents (what the engine's
      // usage comes from here) never returns: generate none, so Legacy-model use stays observable.
      if (scenario.cloudtrail?.generate !== undefined) scenario.cloudtrail.generate.mantleShare = 0;
      await writeFile(file, JSON.stringify(scenario));
      // A scenario may declare an account still active on a Legacy model with no call in CloudTrail
      // (`legacyModelActivity`): AWS's own usage record, which no API shows. Those pairs are left out.
      const unobservable = new Set(
        scenario.accounts.flatMap((a) => Object.keys(a.legacyModelActivity ?? {}).map((m) => `${a.id} ${m}`)),
      );
      const t = await startTestApp({ SANDBOX_SCENARIO: file, SYNC_CONCURRENCY: "8", AWS_RATE_LIMITS: FAST });
      apps.push(t);
      const ctx = { principal: SYSTEM_PRINCIPAL };
      const run = await t.services.sync.requestSync(ctx, { scope: "organization" });
      await waitForSyncRun(t, run.id);
      // The organization's recent calls (CloudTrail) tell the engine which Legacy models each account still uses.
      const ingestion = await t.services.invocations.requestIngestion(ctx, "lookup", {});
      const ingested = await eventually(
        () => t.services.invocations.getIngestion(ctx, ingestion.id),
        (i) => i.status === "succeeded" || i.status === "partial" || i.status === "failed",
        "the CloudTrail ingestion",
        { timeoutMs: 120_000 },
      );
      expect(ingested.status).toBe("succeeded");

      const engine = createReachabilityEngine({ now: new Date() });
      const candidates: Draw[] = [];
      const unknown = new Map<string, number>();
      const inventory: AccountInventory[] = [];
      for await (const chunk of createFactsRepository(t.db).chunks()) inventory.push(...chunk);
      for (const inv of inventory) {
        if (!inv.facts.active) continue;
        const arn = t.services.aws.credentials.memberRoleArn(inv.facts.accountId);
        // The member role is an administrator in the sandbox: its identity policies allow everything.
        const principal = { kind: "principal" as const, arn, iam: () => "allowed" as const };
        for (const region of inv.facts.regions.keys()) {
          for (const v of engine.evaluateRegion(inv.facts, region, principal)) {
            for (const p of v.paths) {
              if (p.path.kind === "claude_platform") continue; // workspaces are not inventoried (unknown)
              if (unobservable.has(`${v.accountId} ${v.modelId}`)) continue;
              if (p.status === "unknown") {
                unknown.set(p.gate ?? "?", (unknown.get(p.gate ?? "?") ?? 0) + 1);
                continue;
              }
              candidates.push({
                accountId: v.accountId,
                region,
                modelId: v.modelId,
                path: p.path,
                expected: p.status,
                gate: p.gate,
                reason: p.reason,
              });
            }
          }
        }
      }
      expect(candidates.length, `unknown by gate: ${JSON.stringify([...unknown])}`).toBeGreaterThan(DRAWS_PER_SEED);
      const next = rng(seed);
      // Stratified by verdict: half the draws usable paths, half blocked ones spread over their gates
      // (blocked paths are rarer and each gate deserves its share).
      const groups = new Map<string, Draw[]>();
      for (const c of candidates) groups.set(c.gate ?? "usable", [...(groups.get(c.gate ?? "usable") ?? []), c]);
      const blockedGates = [...groups.keys()].filter((g) => g !== "usable").sort();
      const pick = (list: readonly Draw[]) => list[Math.floor(next() * list.length)] as Draw;
      const draws = Array.from({ length: DRAWS_PER_SEED }, (_, i) =>
        i % 2 === 0 || blockedGates.length === 0
          ? pick(groups.get("usable") ?? candidates)
          : pick(groups.get(blockedGates[Math.floor(next() * blockedGates.length)] as string) as Draw[]),
      );
      const mismatches: string[] = [];
      const byGate = new Map<string, number>();
      for (const d of draws) {
        const answer = await call(t, d);
        const got = answer.ok ? "usable" : "blocked";
        byGate.set(d.gate ?? "usable", (byGate.get(d.gate ?? "usable") ?? 0) + 1);
        if (got !== d.expected)
          mismatches.push(
            `${d.accountId} ${d.region} ${d.modelId} ${pathName(d.path)}: engine ${d.expected}${d.gate ? ` at ${d.gate} (${d.reason})` : ""}, sandbox ${got}${answer.error ? ` (${answer.error})` : ""}`,
          );
      }
      expect(mismatches.slice(0, 20), `${mismatches.length} of ${draws.length} disagree`).toEqual([]);
      // The draws reach both verdicts and several gates (not a run of trivially usable calls).
      expect(byGate.get("usable") ?? 0).toBeGreaterThan(50);
      expect([...byGate.keys()].filter((g) => g !== "usable").length).toBeGreaterThanOrEqual(3);
      decided += draws.length;
      if (process.env.ENGINE_DRAWS_REPORT)
        console.log(seed, JSON.stringify([...byGate].sort()), [...new Set(draws.map((d) => d.path.kind))]);
    }, 600_000);
  }

  it("at least 2,000 draws were decided and compared", () => {
    expect(decided).toBeGreaterThanOrEqual(2000);
  });
});
