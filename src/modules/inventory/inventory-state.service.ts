// Writes what a sync read into the inventory: the organization after a discovery, one
// account-Region after its job. Each write is one transaction under a lock (the organization, or
// the account-Region): read the current state, diff it in memory, write only what changed and
// its history. Repeating a write changes nothing. An account-Region's job costs three statements in
// its transaction: the lock, the read of the current rows, and every write sent together.
import type { Database } from "../../db/prisma.js";
import { BEDROCK_POLICY_UNREADABLE } from "../reachability/reachability.types.js";
import type { AccountRegionRepository } from "./account-region.repository.js";
import type { ChangeHistoryRepository } from "./change-history.repository.js";
import type { AccountRegionSnapshot, JobOutcome, OrgSnapshot } from "./inventory.types.js";
import { diffAccountRegion, diffOrganization, keepUnreadable } from "./inventory-diff.js";
import type { InventoryFactsRepository } from "./inventory-facts.repository.js";
import type { OrgRepository } from "./org.repository.js";
import type { SyncRunRepository } from "./sync-run.repository.js";

export function createInventoryStateService(deps: {
  db: Database;
  /**
   * Where the per account-Region writes run (raw SQL only): one small transaction per job,
   * thousands of jobs a run. Default: `db`.
   */
  accountRegionDb?: Database;
  org: OrgRepository;
  accountRegions: AccountRegionRepository;
  facts: InventoryFactsRepository;
  runs: SyncRunRepository;
  history: ChangeHistoryRepository;
}) {
  const { db, org, accountRegions, facts, runs, history } = deps;
  const sql = deps.accountRegionDb ?? db;
  return {
    /** Applies a discovery; returns the accounts seen for the first time (or back after leaving). */
    async applyOrganization(input: {
      runId: string;
      snapshot: OrgSnapshot;
      at: Date;
    }): Promise<{ newAccounts: string[]; changes: number }> {
      const { runId, snapshot, at } = input;
      return db.transaction(
        async (tx) => {
          await org.lock(tx);
          const current = await org.current(tx);
          const diff = diffOrganization(current, keepUnreadable(current, snapshot));
          await org.writeNodes(snapshot.nodes, diff.nodes.deletes, at, tx);
          await org.writeAccounts(snapshot.accounts, diff.accounts.deletes, at, tx);
          await org.writePolicies(diff.policies.upserts, diff.policies.deletes, at, tx);
          await org.writeAttachments(diff.attachments.upserts, diff.attachments.deletes, tx);
          await history.insert(runId, at, diff.changes, tx);
          const unreadable = snapshot.unreadablePolicyTypes?.find((u) => u.type === "BEDROCK_POLICY");
          await facts.markAccounts(
            BEDROCK_POLICY_UNREADABLE,
            unreadable === undefined
              ? undefined
              : { ids: snapshot.accounts.map((a) => a.id), reason: unreadable.reason },
            at,
            tx,
          );
          return { newAccounts: diff.newAccounts, changes: diff.changes.length };
        },
        { timeoutMs: 120_000, maxWaitMs: 60_000 },
      );
    },

    /** Applies a successful account-Region sync: state, history and job status together. */
    async applyAccountRegion(input: {
      runId: string;
      /** The queue job that read it: it completes the runs it claimed. */
      jobId: string;
      accountId: string;
      region: string;
      snapshot: AccountRegionSnapshot;
      /** When the read began: account-level facts read earlier than those stored are not taken. */
      readStartedAt: Date;
      at: Date;
    }): Promise<{ changes: number }> {
      const { runId, jobId, accountId, region, snapshot, at, readStartedAt } = input;
      return sql.transaction(
        async (tx) => {
          await accountRegions.lock(accountId, region, tx);
          const diff = diffAccountRegion(
            await accountRegions.current(accountId, region, tx),
            snapshot,
            accountId,
            region,
          );
          // Every write of the account-Region, its facts, history and job in one round trip.
          const write = accountRegions.statements;
          await accountRegions.writeTogether(
            [
              write.upsertModels(accountId, region, diff.models.upserts),
              write.deleteModels(accountId, region, diff.models.deletes),
              write.upsertProfiles(accountId, region, diff.profiles.upserts),
              write.deleteProfiles(accountId, region, diff.profiles.deletes),
              write.markSynced({ accountId, region, runId, snapshot, at }),
              snapshot.useCaseSubmitted === undefined
                ? undefined
                : write.setUseCase(accountId, snapshot.useCaseSubmitted, readStartedAt),
              facts.statements.upsert(accountId, snapshot.facts, readStartedAt),
              history.statements.insert(runId, at, diff.changes),
              runs.statements.finishJobs({ accountId, region, ok: true }, jobId, at),
            ],
            tx,
          );
          return { changes: diff.changes.length };
        },
        { timeoutMs: 60_000, maxWaitMs: 30_000 },
      );
    },

    /**
     * Records a failed account-Region sync: the state read earlier stays. `disabled`: the Region is
     * not enabled in the account (an opt-in Region), which completes the job rather than failing it.
     */
    async applyAccountRegionFailure(input: {
      runId: string;
      jobId: string;
      outcome: JobOutcome;
      at: Date;
      status: "error" | "disabled";
    }): Promise<void> {
      const { outcome, jobId, at, status } = input;
      await sql.transaction(async (tx) => {
        await accountRegions.lock(outcome.accountId, outcome.region, tx);
        await accountRegions.writeTogether(
          [
            accountRegions.statements.markFailed(input),
            runs.statements.finishJobs(status === "disabled" ? { ...outcome, ok: true } : outcome, jobId, at),
          ],
          tx,
        );
      });
    },
  };
}

export type InventoryStateService = ReturnType<typeof createInventoryStateService>;
