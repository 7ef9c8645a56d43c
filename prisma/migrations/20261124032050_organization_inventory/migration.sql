-- CreateEnum
CREATE TYPE "SyncScope" AS ENUM ('organization', 'ou', 'account', 'account_region');

-- CreateEnum
CREATE TYPE "SyncRunStatus" AS ENUM ('queued', 'running', 'succeeded', 'partial', 'failed');

-- CreateEnum
CREATE TYPE "SyncJobStatus" AS ENUM ('pending', 'succeeded', 'failed');

-- CreateTable
CREATE TABLE "org_nodes" (
    "id" VARCHAR(68) NOT NULL,
    "kind" VARCHAR(8) NOT NULL,
    "name" VARCHAR(128) NOT NULL,
    "parent_id" VARCHAR(68),
    "path" VARCHAR(2048) NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "removed_at" TIMESTAMPTZ(3),

    CONSTRAINT "org_nodes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "accounts" (
    "id" VARCHAR(12) NOT NULL,
    "name" VARCHAR(128) NOT NULL,
    "email" VARCHAR(320),
    "state" VARCHAR(32) NOT NULL,
    "parent_id" VARCHAR(68),
    "path" VARCHAR(2048) NOT NULL,
    "joined_at" TIMESTAMPTZ(3),
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "left_at" TIMESTAMPTZ(3),
    "use_case_submitted" BOOLEAN,
    "use_case_checked_at" TIMESTAMPTZ(3),

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "region_scopes" (
    "target_id" VARCHAR(68) NOT NULL,
    "regions" TEXT[],
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_by" VARCHAR(512) NOT NULL,

    CONSTRAINT "region_scopes_pkey" PRIMARY KEY ("target_id")
);

-- CreateTable
CREATE TABLE "org_policies" (
    "id" VARCHAR(140) NOT NULL,
    "name" VARCHAR(128) NOT NULL,
    "type" VARCHAR(32) NOT NULL,
    "description" VARCHAR(512),
    "content" TEXT NOT NULL,
    "aws_managed" BOOLEAN NOT NULL DEFAULT false,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "removed_at" TIMESTAMPTZ(3),

    CONSTRAINT "org_policies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "org_policy_attachments" (
    "policy_id" VARCHAR(140) NOT NULL,
    "target_id" VARCHAR(68) NOT NULL,

    CONSTRAINT "org_policy_attachments_pkey" PRIMARY KEY ("policy_id","target_id")
);

-- CreateTable
CREATE TABLE "account_regions" (
    "account_id" VARCHAR(12) NOT NULL,
    "region" VARCHAR(32) NOT NULL,
    "status" VARCHAR(16) NOT NULL DEFAULT 'never',
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_success_at" TIMESTAMPTZ(3),
    "last_error_at" TIMESTAMPTZ(3),
    "last_error_gate" VARCHAR(32),
    "last_error_code" VARCHAR(128),
    "last_error_message" VARCHAR(2048),
    "last_run_id" UUID,
    "logging_enabled" BOOLEAN,
    "logging_config" JSONB,
    "guardrails" JSONB,
    "model_count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "account_regions_pkey" PRIMARY KEY ("account_id","region")
);

-- CreateTable
CREATE TABLE "model_access" (
    "account_id" VARCHAR(12) NOT NULL,
    "region" VARCHAR(32) NOT NULL,
    "model_id" VARCHAR(256) NOT NULL,
    "model_name" VARCHAR(256),
    "provider" VARCHAR(64) NOT NULL,
    "lifecycle_status" VARCHAR(16),
    "legacy_time" TIMESTAMPTZ(3),
    "end_of_life_time" TIMESTAMPTZ(3),
    "inference_types" TEXT[],
    "input_modalities" TEXT[],
    "output_modalities" TEXT[],
    "agreement_status" VARCHAR(32),
    "agreement_error" VARCHAR(1024),
    "authorization_status" VARCHAR(32),
    "entitlement_availability" VARCHAR(32),
    "region_availability" VARCHAR(32),
    "offer_count" INTEGER,

    CONSTRAINT "model_access_pkey" PRIMARY KEY ("account_id","region","model_id")
);

-- CreateTable
CREATE TABLE "inference_profiles" (
    "account_id" VARCHAR(12) NOT NULL,
    "region" VARCHAR(32) NOT NULL,
    "profile_id" VARCHAR(256) NOT NULL,
    "arn" VARCHAR(2048) NOT NULL,
    "name" VARCHAR(256),
    "type" VARCHAR(32) NOT NULL,
    "status" VARCHAR(32),
    "is_global" BOOLEAN NOT NULL,
    "model_ids" TEXT[],
    "destination_regions" TEXT[],

    CONSTRAINT "inference_profiles_pkey" PRIMARY KEY ("account_id","region","profile_id")
);

-- CreateTable
CREATE TABLE "sync_runs" (
    "id" UUID NOT NULL,
    "scope" "SyncScope" NOT NULL,
    "scope_id" VARCHAR(68),
    "region" VARCHAR(32),
    "status" "SyncRunStatus" NOT NULL DEFAULT 'queued',
    "trigger" VARCHAR(16) NOT NULL,
    "requested_by" VARCHAR(512) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "error" VARCHAR(2048),
    "error_gate" VARCHAR(32),

    CONSTRAINT "sync_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sync_run_jobs" (
    "run_id" UUID NOT NULL,
    "account_id" VARCHAR(12) NOT NULL,
    "region" VARCHAR(32) NOT NULL,
    "status" "SyncJobStatus" NOT NULL DEFAULT 'pending',
    "gate" VARCHAR(32),
    "error_code" VARCHAR(128),
    "error_message" VARCHAR(2048),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "sync_run_jobs_pkey" PRIMARY KEY ("run_id","account_id","region")
);

-- CreateTable
CREATE TABLE "inventory_changes" (
    "id" BIGSERIAL NOT NULL,
    "run_id" UUID,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "entity" VARCHAR(32) NOT NULL,
    "account_id" VARCHAR(12),
    "region" VARCHAR(32),
    "subject" VARCHAR(256),
    "change" VARCHAR(64) NOT NULL,
    "old_value" JSONB,
    "new_value" JSONB,

    CONSTRAINT "inventory_changes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "org_nodes_parent_id_idx" ON "org_nodes"("parent_id");

-- CreateIndex
CREATE INDEX "accounts_parent_id_idx" ON "accounts"("parent_id");

-- CreateIndex
CREATE INDEX "accounts_state_idx" ON "accounts"("state");

-- CreateIndex
CREATE INDEX "org_policy_attachments_target_id_idx" ON "org_policy_attachments"("target_id");

-- CreateIndex
CREATE INDEX "account_regions_status_idx" ON "account_regions"("status");

-- CreateIndex
CREATE INDEX "model_access_model_id_idx" ON "model_access"("model_id");

-- CreateIndex
CREATE INDEX "inference_profiles_model_ids_idx" ON "inference_profiles" USING GIN ("model_ids");

-- CreateIndex
CREATE INDEX "sync_runs_created_at_id_idx" ON "sync_runs"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "sync_runs_status_idx" ON "sync_runs"("status");

-- CreateIndex
CREATE INDEX "sync_run_jobs_account_id_region_status_idx" ON "sync_run_jobs"("account_id", "region", "status");

-- CreateIndex
CREATE INDEX "inventory_changes_account_id_region_id_idx" ON "inventory_changes"("account_id", "region", "id");

-- CreateIndex
CREATE INDEX "inventory_changes_run_id_idx" ON "inventory_changes"("run_id");

-- CreateIndex
CREATE INDEX "inventory_changes_occurred_at_id_idx" ON "inventory_changes"("occurred_at", "id");

-- CreateIndex
CREATE INDEX "inventory_changes_entity_id_idx" ON "inventory_changes"("entity", "id");

-- AddForeignKey
ALTER TABLE "org_policy_attachments" ADD CONSTRAINT "org_policy_attachments_policy_id_fkey" FOREIGN KEY ("policy_id") REFERENCES "org_policies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "account_regions" ADD CONSTRAINT "account_regions_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_access" ADD CONSTRAINT "model_access_account_id_region_fkey" FOREIGN KEY ("account_id", "region") REFERENCES "account_regions"("account_id", "region") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inference_profiles" ADD CONSTRAINT "inference_profiles_account_id_region_fkey" FOREIGN KEY ("account_id", "region") REFERENCES "account_regions"("account_id", "region") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sync_run_jobs" ADD CONSTRAINT "sync_run_jobs_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "sync_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

