-- AlterTable
ALTER TABLE "model_access" ADD COLUMN     "availability_error" VARCHAR(1024),
ADD COLUMN     "public_extended_access_time" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "findings" ADD COLUMN     "path" VARCHAR(256);

-- CreateTable
CREATE TABLE "inventory_facts" (
    "account_id" VARCHAR(12) NOT NULL,
    "region" VARCHAR(32) NOT NULL DEFAULT '',
    "fact" VARCHAR(32) NOT NULL,
    "known" BOOLEAN NOT NULL,
    "value" JSONB,
    "reason" VARCHAR(1024),
    "read_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "inventory_facts_pkey" PRIMARY KEY ("account_id","region","fact")
);

-- CreateTable
CREATE TABLE "model_verdicts" (
    "account_id" VARCHAR(12) NOT NULL,
    "region" VARCHAR(32) NOT NULL,
    "model_id" VARCHAR(256) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "via" VARCHAR(256),
    "gate" VARCHAR(32),
    "reason" VARCHAR(2048) NOT NULL,
    "paths" JSONB NOT NULL,
    "computed_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "model_verdicts_pkey" PRIMARY KEY ("account_id","region","model_id")
);

-- CreateIndex
CREATE INDEX "inventory_facts_fact_idx" ON "inventory_facts"("fact");

-- CreateIndex
CREATE INDEX "model_verdicts_model_id_idx" ON "model_verdicts"("model_id");

-- AddForeignKey
ALTER TABLE "inventory_facts" ADD CONSTRAINT "inventory_facts_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_verdicts" ADD CONSTRAINT "model_verdicts_account_id_region_fkey" FOREIGN KEY ("account_id", "region") REFERENCES "account_regions"("account_id", "region") ON DELETE CASCADE ON UPDATE CASCADE;

