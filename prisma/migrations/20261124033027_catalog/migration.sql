-- CreateTable
CREATE TABLE "catalog_versions" (
    "id" BIGSERIAL NOT NULL,
    "entry_id" VARCHAR(64) NOT NULL,
    "version" INTEGER NOT NULL,
    "op" VARCHAR(16) NOT NULL,
    "data" JSONB,
    "valid_from" TIMESTAMPTZ(3) NOT NULL,
    "valid_to" TIMESTAMPTZ(3),
    "changed_by" VARCHAR(512) NOT NULL,
    "reason" VARCHAR(2048) NOT NULL,
    "change_set_id" UUID NOT NULL,

    CONSTRAINT "catalog_versions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "catalog_versions_valid_to_entry_id_idx" ON "catalog_versions"("valid_to", "entry_id");

-- CreateIndex
CREATE INDEX "catalog_versions_valid_from_valid_to_idx" ON "catalog_versions"("valid_from", "valid_to");

-- CreateIndex
CREATE INDEX "catalog_versions_change_set_id_idx" ON "catalog_versions"("change_set_id");

-- CreateIndex
CREATE UNIQUE INDEX "catalog_versions_entry_id_version_key" ON "catalog_versions"("entry_id", "version");


-- Hand-written (objects named hw_* are outside schema.prisma; the drift check skips them).
-- At most one current version per entry.
CREATE UNIQUE INDEX "hw_catalog_versions_one_current" ON "catalog_versions"("entry_id") WHERE "valid_to" IS NULL;

-- History is immutable: a version may only be closed (valid_to set once); never deleted.
CREATE FUNCTION "hw_catalog_versions_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD."valid_to" IS NULL AND NEW."valid_to" IS NOT NULL
     AND (NEW."entry_id", NEW."version", NEW."op", NEW."data", NEW."valid_from", NEW."changed_by", NEW."reason", NEW."change_set_id")
         IS NOT DISTINCT FROM (OLD."entry_id", OLD."version", OLD."op", OLD."data", OLD."valid_from", OLD."changed_by", OLD."reason", OLD."change_set_id") THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'catalog_versions is immutable (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "hw_catalog_versions_immutable"
  BEFORE UPDATE OR DELETE ON "catalog_versions"
  FOR EACH ROW EXECUTE FUNCTION "hw_catalog_versions_immutable"();
