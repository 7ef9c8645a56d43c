-- Remediation apply survives a killed process: the plan carries a lease its applier renews, and each
-- change is journalled (started before the AWS call, its outcome after it), so a plan left
-- `applying` by a dead process is reconciled against AWS by the recovery job. `rolled_back`: the
-- recovery left nothing of the plan in AWS.
-- AlterEnum
ALTER TYPE "RemediationPlanStatus" ADD VALUE 'rolled_back';

-- CreateEnum
CREATE TYPE "RemediationChangeStatus" AS ENUM ('started', 'applied', 'failed', 'not_applied', 'rolled_back');

-- AlterTable
ALTER TABLE "remediation_plans" ADD COLUMN "lease_owner" UUID,
ADD COLUMN "lease_until" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "remediation_plan_changes" (
    "plan_id" UUID NOT NULL,
    "idx" INTEGER NOT NULL,
    "kind" VARCHAR(32) NOT NULL,
    "status" "RemediationChangeStatus" NOT NULL DEFAULT 'started',
    "ref" VARCHAR(2048),
    "error" JSONB,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),
    "recovered" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "remediation_plan_changes_pkey" PRIMARY KEY ("plan_id","idx")
);

-- CreateIndex
CREATE INDEX "remediation_plans_status_lease_until_idx" ON "remediation_plans"("status", "lease_until");

-- AddForeignKey
ALTER TABLE "remediation_plan_changes" ADD CONSTRAINT "remediation_plan_changes_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "remediation_plans"("id") ON DELETE CASCADE ON UPDATE CASCADE;
