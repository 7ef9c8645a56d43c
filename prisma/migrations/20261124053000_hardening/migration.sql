-- CreateEnum
CREATE TYPE "ApiKeyHashScheme" AS ENUM ('sha256', 'hmac_sha256', 'scrypt');

-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "hash_scheme" "ApiKeyHashScheme" NOT NULL DEFAULT 'sha256',
ALTER COLUMN "secret_hash" SET DATA TYPE VARCHAR(200);

-- AlterTable
ALTER TABLE "audit_events" ADD COLUMN     "hash" CHAR(64) NOT NULL DEFAULT '',
ADD COLUMN     "prev_hash" CHAR(64) NOT NULL DEFAULT '';

-- CreateTable
CREATE TABLE "audit_chain_head" (
    "id" INTEGER NOT NULL,
    "last_id" BIGINT NOT NULL,
    "last_hash" CHAR(64) NOT NULL,

    CONSTRAINT "audit_chain_head_pkey" PRIMARY KEY ("id")
);


-- Hand-written: the tamper-evident audit chain.
-- The hash of an entry covers all of its content and the previous entry's hash, rendered as a
-- jsonb array (a canonical text form: NULLs, escaping and key order are unambiguous).
CREATE FUNCTION "hw_audit_event_hash"(e "audit_events") RETURNS char(64) LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to(jsonb_build_array(
    e.id::text,
    to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    e.actor_type, e.actor_id, e.actor_name, e.actor_roles, e.action, e.target_type, e.target_id,
    e.before, e.after, e.request_id, e.prev_hash
  )::text, 'UTF8')), 'hex')
$$;

-- Every insert, from any caller's transaction, locks the chain head row until that transaction
-- ends, takes its id under the lock (so id order is chain order) and links to the head. Under
-- REPEATABLE READ a concurrent append makes the locking read fail with a serialization error
-- instead of forking the chain.
CREATE FUNCTION "hw_audit_events_chain"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  prev char(64);
BEGIN
  SELECT last_hash INTO prev FROM "audit_chain_head" WHERE id = 1 FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'audit chain head is missing';
  END IF;
  NEW.id := nextval(pg_get_serial_sequence('audit_events', 'id'));
  NEW.prev_hash := prev;
  NEW.hash := "hw_audit_event_hash"(NEW);
  UPDATE "audit_chain_head" SET last_id = NEW.id, last_hash = NEW.hash WHERE id = 1;
  RETURN NEW;
END;
$$;

-- Chain the entries written before this migration, oldest first.
ALTER TABLE "audit_events" DISABLE TRIGGER "audit_events_no_update_delete";
DO $$
DECLARE
  r "audit_events";
  prev char(64) := repeat('0', 64);
  last bigint := 0;
BEGIN
  FOR r IN SELECT * FROM "audit_events" ORDER BY id LOOP
    r.prev_hash := prev;
    prev := "hw_audit_event_hash"(r);
    UPDATE "audit_events" SET prev_hash = r.prev_hash, hash = prev WHERE id = r.id;
    last := r.id;
  END LOOP;
  INSERT INTO "audit_chain_head" (id, last_id, last_hash) VALUES (1, last, prev);
END;
$$;
ALTER TABLE "audit_events" ENABLE TRIGGER "audit_events_no_update_delete";

CREATE TRIGGER "hw_audit_events_chain"
  BEFORE INSERT ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION "hw_audit_events_chain"();

-- Hand-written: keyset pages of GET /v1/models/{modelId}/availability read one page of the index
-- (model, account, Region order), not every row of the model.
CREATE INDEX "hw_model_access_model_keyset" ON "model_access" ("model_id", "account_id", "region");
