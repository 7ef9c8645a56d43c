-- AlterTable
ALTER TABLE "account_regions" ADD COLUMN     "available_models" TEXT[] DEFAULT ARRAY[]::TEXT[];


-- Backfill from the rows already synced.
UPDATE "account_regions" ar SET "available_models" = m.ids
FROM (SELECT account_id, region, array_agg(model_id ORDER BY model_id) AS ids FROM "model_access"
      WHERE region_availability = 'AVAILABLE' GROUP BY account_id, region) m
WHERE ar.account_id = m.account_id AND ar.region = m.region;
