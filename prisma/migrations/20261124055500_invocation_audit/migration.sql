-- CreateEnum
CREATE TYPE "InvocationSource" AS ENUM ('lookup', 's3');

-- CreateEnum
CREATE TYPE "IngestionStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed');

-- CreateEnum
CREATE TYPE "ReportFormat" AS ENUM ('json', 'csv', 'html', 'pdf');

-- CreateEnum
CREATE TYPE "ReportStatus" AS ENUM ('queued', 'running', 'ready', 'failed');

-- CreateTable
CREATE TABLE "invocation_events" (
    "event_time" TIMESTAMPTZ(3) NOT NULL,
    "event_id" VARCHAR(64) NOT NULL,
    "account_id" VARCHAR(12) NOT NULL,
    "region" VARCHAR(32) NOT NULL,
    "inference_region" VARCHAR(32) NOT NULL,
    "event_source" VARCHAR(64) NOT NULL,
    "event_name" VARCHAR(64) NOT NULL,
    "principal_type" VARCHAR(32),
    "principal_arn" VARCHAR(1024),
    "principal_issuer_arn" VARCHAR(1024),
    "model_id" VARCHAR(1024),
    "profile_id" VARCHAR(256),
    "base_model_id" VARCHAR(256),
    "error_code" VARCHAR(128),
    "error_message" VARCHAR(2048),
    "source_ip" VARCHAR(128),
    "user_agent" VARCHAR(1024),
    "bearer_token" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "invocation_events_pkey" PRIMARY KEY ("event_time","event_id")
) PARTITION BY RANGE ("event_time");
-- Hand-written: partitioned by month (schema.prisma cannot say so). Time-range queries prune to
-- the months they touch; old months can be detached or dropped whole. The primary key includes
-- the partition key, as PostgreSQL requires; CloudTrail gives an event id one event time, so
-- (event_time, event_id) is the dedupe key.

-- CreateTable
CREATE TABLE "invocation_checkpoints" (
    "id" VARCHAR(1024) NOT NULL,
    "source" "InvocationSource" NOT NULL,
    "account_id" VARCHAR(12) NOT NULL,
    "region" VARCHAR(32) NOT NULL,
    "position" TIMESTAMPTZ(3),
    "last_key" VARCHAR(1024),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "invocation_checkpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invocation_ingestions" (
    "id" UUID NOT NULL,
    "source" "InvocationSource" NOT NULL,
    "status" "IngestionStatus" NOT NULL DEFAULT 'queued',
    "params" JSONB NOT NULL,
    "requested_by" VARCHAR(512) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),
    "jobs_total" INTEGER NOT NULL,
    "jobs_done" INTEGER NOT NULL DEFAULT 0,
    "jobs_failed" INTEGER NOT NULL DEFAULT 0,
    "events_read" INTEGER NOT NULL DEFAULT 0,
    "events_added" INTEGER NOT NULL DEFAULT 0,
    "pages" INTEGER NOT NULL DEFAULT 0,
    "last_error" VARCHAR(2048),

    CONSTRAINT "invocation_ingestions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reports" (
    "id" UUID NOT NULL,
    "format" "ReportFormat" NOT NULL,
    "status" "ReportStatus" NOT NULL DEFAULT 'queued',
    "period_from" TIMESTAMPTZ(3) NOT NULL,
    "period_to" TIMESTAMPTZ(3) NOT NULL,
    "scope_kind" VARCHAR(16) NOT NULL,
    "scope_id" VARCHAR(68),
    "options" JSONB NOT NULL,
    "requested_by" VARCHAR(512) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),
    "progress" INTEGER NOT NULL DEFAULT 0,
    "stage" VARCHAR(64) NOT NULL DEFAULT 'queued',
    "size_bytes" BIGINT NOT NULL DEFAULT 0,
    "error" VARCHAR(2048),

    CONSTRAINT "reports_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "report_chunks" (
    "report_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "report_chunks_pkey" PRIMARY KEY ("report_id","seq")
);

-- CreateIndex
CREATE INDEX "invocation_checkpoints_account_id_region_idx" ON "invocation_checkpoints"("account_id", "region");

-- CreateIndex
CREATE INDEX "invocation_ingestions_created_at_id_idx" ON "invocation_ingestions"("created_at", "id");

-- CreateIndex
CREATE INDEX "reports_created_at_id_idx" ON "reports"("created_at", "id");

-- AddForeignKey
ALTER TABLE "report_chunks" ADD CONSTRAINT "report_chunks_report_id_fkey" FOREIGN KEY ("report_id") REFERENCES "reports"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Hand-written: per-account time-range queries (reports, analysis) inside a month.
CREATE INDEX "hw_invocation_events_account_time" ON "invocation_events"("account_id", "event_time");

-- Hand-written: creates the monthly partitions covering [from_ts, to_ts] that do not exist yet.
-- Callers run it in its own short transaction before writing (creating a partition locks the
-- parent); the advisory lock makes concurrent writers create each month once.
CREATE FUNCTION hw_invocation_partitions_ensure(from_ts timestamptz, to_ts timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  m timestamp := date_trunc('month', from_ts AT TIME ZONE 'UTC');
  last_m timestamp := date_trunc('month', to_ts AT TIME ZONE 'UTC');
  name text;
  created integer := 0;
BEGIN
  WHILE m <= last_m LOOP
    name := 'invocation_events_' || to_char(m, 'YYYYMM');
    IF to_regclass(name) IS NULL THEN
      PERFORM pg_advisory_xact_lock(hashtext('invocation_events_partitions'));
      IF to_regclass(name) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF invocation_events FOR VALUES FROM (%L) TO (%L)',
          name, m AT TIME ZONE 'UTC', (m + interval '1 month') AT TIME ZONE 'UTC');
        created := created + 1;
      END IF;
    END IF;
    m := m + interval '1 month';
  END LOOP;
  RETURN created;
END $$;
