// Writes what a sync read into the inventory: the organization after a discovery, one
// account-Region after its job. Each write is one transaction under a lock (the organization, or
// the account-Region): read the current state, diff it in memory, write only what changed and
// its history. Repeating a write changes nothing.
import type { Database } from "../../db/prisma.js";
import type { AccountRegionRepository } from "./account-region.repository.js";
import type { ChangeHistoryRepository } from "./change-history.repository.js";
import type { AccountRegionSnapshot, JobOutcome, OrgSnapshot } from "./inventory.types.js";
import { diffAccountRegion, diffOrganization } from "./inventory-diff.js";
import type { InventoryFactsRepository } from "./inventory-facts.repository.js";
import type { OrgRepository } from "./org.repository.js";
import type { SyncRunRepository } from "./sync-run.repository.js";

export function createInventoryStateService(deps: {
  db: Database;
  org: OrgRepository;
  accountRegions: AccountRegionRepository;
  facts: InventoryFactsRepository;
  runs: SyncRunRepository;
  history: ChangeHistoryRepository;
}) {
  const { db, org, accountRegions, facts, runs, history } = deps;
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
          const diff = diffOrganization(await org.current(tx), snapshot);
          await org.writeNodes(snapshot.nodes, diff.nodes.deletes, at, tx);
          await org.writeAccounts(snapshot.accounts, diff.accounts.deletes, at, tx);
          await org.writePolicies(diff.policies.upserts, diff.policies.deletes, at, tx);
          await org.writeAttachments(diff.attachments.upserts, diff.attachments.deletes, tx);
          await history.insert(runId, at, diff.changes, tx);
          return { newAccounts: diff.newAccounts, changes: diff.changes.length };
        },
        { timeoutMs: 120_000, maxWaitMs: 60_000 },
      );
    },

    /** Applies a successful account-Region sync: state, history and job status together. */
    async applyAccountRegion(input: {
      runId: string;
      accountId: string;
      region: string;
      snapshot: AccountRegionSnapshot;
      at: Date;
    }): Promise<{ changes: number }> {
      const { runId, accountId, region, snapshot, at } = input;
      return db.transaction(
        async (tx) => {
          await accountRegions.lock(accountId, region, tx);
          const diff = diffAccountRegion(
            await accountRegions.current(accountId, region, tx),
            snapshot,
            accountId,
            region,
          );
          await accountRegions.upsertModels(accountId, region, diff.models.upserts, tx);
          await accountRegions.deleteModels(accountId, region, diff.models.deletes, tx);
          await accountRegions.upsertProfiles(accountId, region, diff.profiles.upserts, tx);
          await accountRegions.deleteProfiles(accountId, region, diff.profiles.deletes, tx);
          await accountRegions.markSynced({ accountId, region, runId, snapshot, at }, tx);
          if (snapshot.useCaseSubmitted !== undefined)
            await accountRegions.setUseCase(accountId, snapshot.useCaseSubmitted, at, tx);
          await facts.upsert(accountId, snapshot.facts, at, tx);
          await history.insert(runId, at, diff.changes, tx);
          await runs.finishJobs({ accountId, region, ok: true }, at, tx);
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
      outcome: JobOutcome;
      at: Date;
      status: "error" | "disabled";
    }): Promise<void> {
      const { outcome, at, status } = input;
      await db.transaction(async (tx) => {
        await accountRegions.lock(outcome.accountId, outcome.region, tx);
        await accountRegions.markFailed(input, tx);
        await runs.finishJobs(status === "disabled" ? { ...outcome, ok: true } : outcome, at, tx);
      });
    },
  };
}

export type InventoryStateService = ReturnType<typeof createInventoryStateService>;
