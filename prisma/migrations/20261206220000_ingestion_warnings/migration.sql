-- Warnings an ingestion carries (e.g. bedrock-mantle inference not logged by the organization trail).
ALTER TABLE "invocation_ingestions" ADD COLUMN "warnings" TEXT[] DEFAULT ARRAY[]::TEXT[];
