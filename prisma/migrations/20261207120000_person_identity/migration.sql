-- Separation of duties compares people, not credentials. An API key acts for its owner (the
-- principal id of the person it belongs to) or is a service key, which never decides; requests
-- and decisions keep the person behind the credential that filed or decided them.
ALTER TABLE "api_keys" ADD COLUMN "owner" VARCHAR(512);
ALTER TABLE "api_keys" ADD COLUMN "service" BOOLEAN NOT NULL DEFAULT false;

-- Existing keys belong to whoever created them; a key created with another key belongs to that
-- key's owner (followed to the end of the chain). Keys created by the system (bootstrap, CLI)
-- stay without owner: each is then its own person.
WITH RECURSIVE chain AS (
    SELECT "id", "created_by" AS "owner", 0 AS "depth" FROM "api_keys"
  UNION ALL
    SELECT c."id", k."created_by", c."depth" + 1
    FROM chain c JOIN "api_keys" k ON c."owner" = 'apikey:' || k."key_id"
    WHERE c."depth" < 32
), resolved AS (
  SELECT DISTINCT ON ("id") "id", "owner" FROM chain ORDER BY "id", "depth" DESC
)
UPDATE "api_keys" a SET "owner" = r."owner"
FROM resolved r
WHERE a."id" = r."id" AND r."owner" <> 'system' AND r."owner" NOT LIKE 'apikey:%';

ALTER TABLE "access_requests" ADD COLUMN "requester_person" VARCHAR(512);
UPDATE "access_requests" r
SET "requester_person" = coalesce(
  (SELECT k."owner" FROM "api_keys" k WHERE 'apikey:' || k."key_id" = r."requester_id"),
  r."requester_id");

ALTER TABLE "access_decisions" ADD COLUMN "approver_person" VARCHAR(512);
UPDATE "access_decisions" d
SET "approver_person" = coalesce(
  (SELECT k."owner" FROM "api_keys" k WHERE 'apikey:' || k."key_id" = d."approver_id"),
  d."approver_id");
ALTER TABLE "access_decisions" ALTER COLUMN "approver_person" SET NOT NULL;
