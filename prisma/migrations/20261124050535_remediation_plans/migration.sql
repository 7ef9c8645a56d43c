-- CreateEnum
CREATE TYPE "RemediationPlanStatus" AS ENUM ('planned', 'applying', 'applied', 'failed');

-- CreateTable
CREATE TABLE "remediation_plans" (
    "id" UUID NOT NULL,
    "scope" JSONB NOT NULL,
    "status" "RemediationPlanStatus" NOT NULL DEFAULT 'planned',
    "fingerprint" VARCHAR(64) NOT NULL,
    "changes" JSONB NOT NULL,
    "unresolved" JSONB NOT NULL,
    "inputs" JSONB NOT NULL,
    "created_by" VARCHAR(512) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "applied_by" VARCHAR(512),
    "applied_at" TIMESTAMPTZ(3),
    "results" JSONB,
    "sync_run_ids" TEXT[],

    CONSTRAINT "remediation_plans_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "remediation_plans_created_at_id_idx" ON "remediation_plans"("created_at", "id");

-- CreateIndex
CREATE INDEX "remediation_plans_status_idx" ON "remediation_plans"("status");

