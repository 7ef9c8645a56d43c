// What the managed-entitlement request tests share (test/fixtures/entitlements-scenario.yaml): filing
// and approving a Command R+ request, following it, and reading the grants, the engine's verdict and
// the sandbox's answer to Converse for an account.
import { expect } from "vitest";
import type { AccessRequestView } from "../../src/modules/requests/access-request.types.js";
import type { TestApp } from "../helpers/app.js";
import { waitForSyncRun } from "../helpers/wait.js";
import { E1, MGMT, sleep, startRequestsApp, system } from "./helpers.js";

export const COHERE = "cohere.command-r-plus-v1:0";

/** The requests app on the entitlements scenario (SCPs enforce the catalog), its keys and the management account's license. */
export async function startEntitlementApp() {
  const t = await startRequestsApp(
    { enforceCatalog: true },
    { SANDBOX_SCENARIO: "test/fixtures/entitlements-scenario.yaml" },
  );
  const [admin, requester, approver] = [
    await t.keyFor("admin"),
    await t.keyFor("requester", "dev-alice"),
    await t.keyFor("approver", "lead-bob"),
  ];
  const licenses = await t.services.aws.account(MGMT).licenseManager().listReceivedLicenses();
  return { t, admin, requester, approver, licenseArn: licenses[0]?.LicenseArn as string };
}

export function entitlementRequests(
  t: () => TestApp,
  keys: () => { admin: string; requester: string; approver: string },
) {
  async function read(id: string): Promise<AccessRequestView> {
    const res = await t().app.inject({ url: `/v1/access-requests/${id}`, headers: { authorization: keys().admin } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as AccessRequestView;
  }

  async function waitFor(id: string, done: (r: AccessRequestView) => boolean, what: string) {
    let last = await read(id);
    for (let i = 0; i < 900 && !done(last); i++) {
      await sleep(100);
      last = await read(id);
    }
    if (!done(last)) throw new Error(`request never reached ${what}: ${JSON.stringify(last)}`);
    return last;
  }

  async function fileAndApprove(accountId: string): Promise<string> {
    const filed = await t().app.inject({
      method: "POST",
      url: "/v1/access-requests",
      headers: { authorization: keys().requester },
      payload: {
        accountIds: [accountId],
        regions: [E1],
        model: COHERE,
        purpose: "retrieval evaluation",
        dataClassification: "internal",
        durationHours: 4,
      },
    });
    expect(filed.statusCode, filed.body).toBe(201);
    const created = filed.json() as AccessRequestView;
    const approved = await t().app.inject({
      method: "POST",
      url: `/v1/access-requests/${created.id}/approve`,
      headers: { authorization: keys().approver, "if-match": `"${created.version}"` },
      payload: {},
    });
    expect(approved.statusCode, approved.body).toBe(200);
    return created.id;
  }

  /** The grants the management account distributed to the account directly. */
  const distributed = async (accountId: string) =>
    (await t().services.aws.account(MGMT).licenseManager().listDistributedGrants())
      .filter((g) => g.GranteePrincipalArn === `arn:aws:iam::${accountId}:root`)
      .map((g) => ({ arn: g.GrantArn, name: g.GrantName, status: g.GrantStatus, license: g.LicenseArn }));

  const received = async (accountId: string) =>
    (await t().services.aws.account(accountId).licenseManager().listReceivedGrants()).map((g) => g.GrantStatus);

  async function engine(accountId: string): Promise<string> {
    const res = await t().app.inject({
      url: `/v1/reachability?accountId=${accountId}&region=${E1}&model=${encodeURIComponent(COHERE)}`,
      headers: { authorization: keys().admin },
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { status: string }).status;
  }

  async function converseError(accountId: string): Promise<string | undefined> {
    try {
      await t().services.aws.account(accountId).runtime(E1).converse(COHERE, "hello");
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }

  async function resync(accountId: string) {
    const run = await t().services.sync.requestSync(system, {
      scope: "account_region",
      scopeId: accountId,
      region: E1,
    });
    await waitForSyncRun(t(), run.id);
  }

  /** The `remediation.change` audit events provisioning recorded for the request. */
  async function changeEvents(id: string): Promise<Array<Record<string, unknown>>> {
    const events = await t().app.inject({
      url: `/v1/audit-events?requestId=${encodeURIComponent(`access_request:${id}`)}&action=remediation.change&limit=50`,
      headers: { authorization: keys().admin },
    });
    return (events.json() as { items: Array<{ after: Record<string, unknown> }> }).items.map((e) => e.after);
  }

  /** Sweeps past the request's end and waits for the reversal to be applied. */
  async function expire(id: string): Promise<AccessRequestView> {
    const before = await read(id);
    const swept = await t().services.provisioning.sweep(new Date(Date.parse(before.activeUntil as string) + 60_000));
    expect(swept.ended).toEqual([id]);
    return waitFor(
      id,
      (r) => r.status === "ended" && r.plans.some((p) => p.purpose === "reversal" && p.applied),
      "ended with the reversal applied",
    );
  }

  /**
   * The request runs out: its grant ends, the reversal deletes the License Manager grant (audited),
   * the account receives nothing, Converse is refused and, re-synced, the engine says blocked.
   */
  async function expiresAndLosesGrant(id: string, accountId: string) {
    const ended = await expire(id);
    expect(ended.grants[0]).toMatchObject({ status: "ended", endReason: "expired" });
    expect((await distributed(accountId)).map((g) => g.status)).toEqual(["DELETED"]);
    expect(await received(accountId)).toEqual([]);
    expect(await converseError(accountId)).toMatch(/not authorized|don't have access/);
    await resync(accountId);
    expect(await engine(accountId)).toBe("blocked");
    expect(await changeEvents(id)).toContainEqual(
      expect.objectContaining({ kind: "license_grant_delete", accountId, status: "applied" }),
    );
  }

  /**
   * What verification saw for the account, for a failure message: the account-level facts with
   * their read times, the sync jobs of the account in E1 (which job claimed them, when they ended),
   * the model's findings and the request's audited steps with their times.
   */
  async function diagnose(id: string, accountId: string): Promise<string> {
    const sql = <T>(text: string, ...values: unknown[]) => t().db.client.$queryRawUnsafe<T[]>(text, ...values);
    return JSON.stringify(
      {
        now: new Date().toISOString(),
        grants: await distributed(accountId),
        received: await received(accountId),
        facts: await sql(
          "SELECT fact, known, value, read_at FROM inventory_facts WHERE account_id = $1 AND region = '' ORDER BY fact",
          accountId,
        ),
        jobs: await sql(
          `SELECT run_id::text, account_level, claimed_by::text, status::text, finished_at FROM sync_run_jobs
           WHERE account_id = $1 AND region = $2 ORDER BY finished_at NULLS LAST`,
          accountId,
          E1,
        ),
        findings: await sql(
          `SELECT type, status::text, gate, detail, last_seen_at, resolved_at FROM findings
           WHERE account_id = $1 AND model_id = $2 ORDER BY id`,
          accountId,
          COHERE,
        ),
        // Every audited step of the request (state changes, plans, grant changes) in order, with its time.
        events: await sql(
          `SELECT occurred_at, action, after->>'kind' AS kind, after->>'status' AS status FROM audit_events
           WHERE request_id = $1 ORDER BY id`,
          `access_request:${id}`,
        ),
      },
      null,
      1,
    );
  }

  return {
    diagnose,
    read,
    waitFor,
    fileAndApprove,
    distributed,
    received,
    engine,
    converseError,
    changeEvents,
    expiresAndLosesGrant,
  };
}
