-- A provisioning request that waits for an admin to apply its remediation plans says so.
ALTER TABLE "access_requests" ADD COLUMN "waiting" JSONB;
