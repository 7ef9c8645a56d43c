-- Reports are anchored (their SHA-256 in the audit log) and signed (detached Ed25519), and may be
-- produced on a schedule and delivered to webhooks or an S3 bucket.
CREATE TABLE "report_schedules" (
    "id" UUID NOT NULL,
    "name" VARCHAR(128) NOT NULL,
    "cron" VARCHAR(128) NOT NULL,
    "timezone" VARCHAR(64) NOT NULL,
    "scope_kind" VARCHAR(16) NOT NULL,
    "scope_id" VARCHAR(68),
    "format" "ReportFormat" NOT NULL,
    -- previous_day | previous_week | previous_month (checked by the service)
    "period" VARCHAR(16) NOT NULL,
    "webhook_ids" UUID[] DEFAULT ARRAY[]::UUID[],
    "s3_bucket" VARCHAR(63),
    "s3_prefix" VARCHAR(512),
    "s3_region" VARCHAR(32),
    "actor" JSONB NOT NULL,
    "created_by" VARCHAR(512) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "next_run_at" TIMESTAMPTZ(3) NOT NULL,
    "last_run_at" TIMESTAMPTZ(3),
    CONSTRAINT "report_schedules_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "report_schedules_name_key" ON "report_schedules"("name");
CREATE INDEX "report_schedules_next_run_at_idx" ON "report_schedules"("next_run_at");

ALTER TABLE "reports" ADD COLUMN "sha256" CHAR(64),
    ADD COLUMN "statement" TEXT,
    ADD COLUMN "signature" TEXT,
    ADD COLUMN "schedule_id" UUID;
CREATE INDEX "reports_sha256_idx" ON "reports"("sha256");
CREATE INDEX "reports_schedule_id_idx" ON "reports"("schedule_id");
ALTER TABLE "reports" ADD CONSTRAINT "reports_schedule_id_fkey" FOREIGN KEY ("schedule_id") REFERENCES "report_schedules"("id") ON DELETE SET NULL ON UPDATE CASCADE;
