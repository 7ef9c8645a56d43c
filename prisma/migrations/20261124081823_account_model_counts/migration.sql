-- CreateTable
CREATE TABLE "account_model_counts" (
    "account_id" VARCHAR(12) NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "models_available" INTEGER NOT NULL,
    "computed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "account_model_counts_pkey" PRIMARY KEY ("account_id")
);

-- AddForeignKey
ALTER TABLE "account_model_counts" ADD CONSTRAINT "account_model_counts_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

