-- Which queue job is reading an account-Region for a run (claimed when its read starts), so a read
-- that began before a run was requested never completes that run; and whether the run wanted the
-- account-level facts read with this Region.
ALTER TABLE "sync_run_jobs" ADD COLUMN "account_level" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "sync_run_jobs" ADD COLUMN "claimed_by" UUID;
