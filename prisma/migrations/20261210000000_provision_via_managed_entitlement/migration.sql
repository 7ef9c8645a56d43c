-- CreateEnum
CREATE TYPE "ProvisionVia" AS ENUM ('remediation', 'managed_entitlement');

-- AlterTable
ALTER TABLE "access_requests" ADD COLUMN     "provision_via" "ProvisionVia" NOT NULL DEFAULT 'remediation';

-- AlterTable
ALTER TABLE "access_grants" ADD COLUMN     "provision_via" "ProvisionVia" NOT NULL DEFAULT 'remediation';

-- AlterTable
ALTER TABLE "approval_rules" ADD COLUMN     "provision_via" "ProvisionVia" NOT NULL DEFAULT 'remediation';

