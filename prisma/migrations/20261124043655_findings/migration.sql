-- CreateEnum
CREATE TYPE "FindingStatus" AS ENUM ('open', 'resolved', 'suppressed');

-- CreateTable
CREATE TABLE "findings" (
    "id" BIGSERIAL NOT NULL,
    "key" VARCHAR(512) NOT NULL,
    "type" VARCHAR(48) NOT NULL,
    "severity" VARCHAR(16) NOT NULL,
    "status" "FindingStatus" NOT NULL DEFAULT 'open',
    "account_id" VARCHAR(12) NOT NULL,
    "region" VARCHAR(32),
    "model_id" VARCHAR(256),
    "gate" VARCHAR(32),
    "detail" TEXT NOT NULL,
    "evidence" JSONB NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "resolved_at" TIMESTAMPTZ(3),
    "suppressed_reason" VARCHAR(2048),
    "suppressed_until" TIMESTAMPTZ(3),
    "suppressed_by" VARCHAR(512),

    CONSTRAINT "findings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "findings_key_key" ON "findings"("key");

-- CreateIndex
CREATE INDEX "findings_status_type_idx" ON "findings"("status", "type");

-- CreateIndex
CREATE INDEX "findings_account_id_idx" ON "findings"("account_id");
