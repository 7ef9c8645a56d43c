-- What the last reconciliation wrote per account (SHA-1 of its verdict rows and of its finding
-- candidates), so a run rewrites only accounts whose rows changed.
-- CreateTable
CREATE TABLE "reconcile_digests" (
    "account_id" VARCHAR(12) NOT NULL,
    "verdicts" CHAR(40),
    "findings" CHAR(40),

    CONSTRAINT "reconcile_digests_pkey" PRIMARY KEY ("account_id")
);

-- AddForeignKey
ALTER TABLE "reconcile_digests" ADD CONSTRAINT "reconcile_digests_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

