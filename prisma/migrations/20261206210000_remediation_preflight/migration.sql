-- Remediation pre-flight and staged rollout: the override of a forced apply and the rollout report.
ALTER TABLE "remediation_plans" ADD COLUMN "override" JSONB;
ALTER TABLE "remediation_plans" ADD COLUMN "rollout" JSONB;
