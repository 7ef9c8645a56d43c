-- CreateEnum
CREATE TYPE "AccessRequestStatus" AS ENUM ('pending', 'approved', 'rejected', 'cancelled', 'expired', 'provisioning', 'active', 'failed', 'revoked', 'ended');

-- CreateEnum
CREATE TYPE "DataClassification" AS ENUM ('public', 'internal', 'confidential', 'restricted');

-- CreateEnum
CREATE TYPE "AccessGrantStatus" AS ENUM ('active', 'ended');

-- CreateEnum
CREATE TYPE "ApprovalScopeKind" AS ENUM ('organization', 'ou', 'account');

-- CreateEnum
CREATE TYPE "WebhookFormat" AS ENUM ('json', 'slack');

-- CreateEnum
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('pending', 'succeeded', 'failed');

-- CreateTable
CREATE TABLE "access_requests" (
    "id" UUID NOT NULL,
    "requester_id" VARCHAR(512) NOT NULL,
    "requester_name" VARCHAR(512) NOT NULL,
    "account_ids" TEXT[],
    "regions" TEXT[],
    "target" VARCHAR(256) NOT NULL,
    "model_id" VARCHAR(256) NOT NULL,
    "profile_id" VARCHAR(256),
    "provider" VARCHAR(64) NOT NULL,
    "purpose" VARCHAR(2048) NOT NULL,
    "data_classification" "DataClassification" NOT NULL,
    "duration_hours" INTEGER NOT NULL,
    "status" "AccessRequestStatus" NOT NULL DEFAULT 'pending',
    "version" INTEGER NOT NULL DEFAULT 1,
    "rule_id" UUID,
    "required_approvals" INTEGER NOT NULL,
    "approvals" INTEGER NOT NULL DEFAULT 0,
    "approver_role" "Role",
    "approver_group" VARCHAR(256),
    "auto_apply" BOOLEAN NOT NULL,
    "dedupe_key" CHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "pending_until" TIMESTAMPTZ(3) NOT NULL,
    "decided_at" TIMESTAMPTZ(3),
    "activated_at" TIMESTAMPTZ(3),
    "active_until" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),
    "failure" JSONB,
    "plans" JSONB NOT NULL DEFAULT '[]',

    CONSTRAINT "access_requests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "access_decisions" (
    "id" UUID NOT NULL,
    "request_id" UUID NOT NULL,
    "approver_id" VARCHAR(512) NOT NULL,
    "approver_name" VARCHAR(512) NOT NULL,
    "decision" VARCHAR(8) NOT NULL,
    "comment" VARCHAR(2048),
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "access_decisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "access_grants" (
    "id" UUID NOT NULL,
    "request_id" UUID NOT NULL,
    "account_id" VARCHAR(12) NOT NULL,
    "region" VARCHAR(32) NOT NULL,
    "model_id" VARCHAR(256) NOT NULL,
    "profile_id" VARCHAR(256),
    "owner" VARCHAR(512) NOT NULL,
    "purpose" VARCHAR(2048) NOT NULL,
    "status" "AccessGrantStatus" NOT NULL DEFAULT 'active',
    "valid_from" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),
    "end_reason" VARCHAR(16),

    CONSTRAINT "access_grants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "approval_rules" (
    "id" UUID NOT NULL,
    "name" VARCHAR(128) NOT NULL,
    "scope_kind" "ApprovalScopeKind" NOT NULL,
    "scope_id" VARCHAR(68),
    "provider_pattern" VARCHAR(64) NOT NULL DEFAULT '*',
    "data_classifications" "DataClassification"[],
    "approver_role" "Role",
    "approver_group" VARCHAR(256),
    "required_approvals" INTEGER NOT NULL,
    "auto_approve" BOOLEAN NOT NULL DEFAULT false,
    "auto_apply" BOOLEAN NOT NULL DEFAULT false,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_by" VARCHAR(512) NOT NULL,

    CONSTRAINT "approval_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhooks" (
    "id" UUID NOT NULL,
    "name" VARCHAR(128) NOT NULL,
    "url" VARCHAR(2048) NOT NULL,
    "event_types" TEXT[],
    "format" "WebhookFormat" NOT NULL DEFAULT 'json',
    "secret" VARCHAR(128) NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "created_by" VARCHAR(512) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "webhooks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL,
    "webhook_id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "event_type" VARCHAR(64) NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_status_code" INTEGER,
    "last_error" VARCHAR(1024),
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "last_attempt_at" TIMESTAMPTZ(3),
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_keys" (
    "principal_id" VARCHAR(512) NOT NULL,
    "key" VARCHAR(256) NOT NULL,
    "request_hash" CHAR(64) NOT NULL,
    "resource_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("principal_id","key")
);

-- CreateIndex
CREATE INDEX "access_requests_requester_id_created_at_idx" ON "access_requests"("requester_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "access_requests_status_pending_until_idx" ON "access_requests"("status", "pending_until");

-- CreateIndex
CREATE INDEX "access_requests_status_active_until_idx" ON "access_requests"("status", "active_until");

-- CreateIndex
CREATE INDEX "access_requests_created_at_id_idx" ON "access_requests"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "access_decisions_request_id_approver_id_key" ON "access_decisions"("request_id", "approver_id");

-- CreateIndex
CREATE INDEX "access_grants_request_id_idx" ON "access_grants"("request_id");

-- CreateIndex
CREATE INDEX "access_grants_valid_from_ended_at_idx" ON "access_grants"("valid_from", "ended_at");

-- CreateIndex
CREATE INDEX "access_grants_account_id_region_idx" ON "access_grants"("account_id", "region");

-- CreateIndex
CREATE INDEX "approval_rules_scope_kind_scope_id_idx" ON "approval_rules"("scope_kind", "scope_id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_status_created_at_idx" ON "webhook_deliveries"("status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_deliveries_webhook_id_event_id_key" ON "webhook_deliveries"("webhook_id", "event_id");

-- AddForeignKey
ALTER TABLE "access_decisions" ADD CONSTRAINT "access_decisions_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "access_requests"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "access_grants" ADD CONSTRAINT "access_grants_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "access_requests"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Hand-written: at most one pending request per requester and target (a duplicate gets 409).
CREATE UNIQUE INDEX "hw_access_requests_pending_dedupe" ON "access_requests" ("dedupe_key") WHERE "status" = 'pending';
