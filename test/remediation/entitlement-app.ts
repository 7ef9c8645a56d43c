// The app the managed-entitlement remediation tests start (test/fixtures/entitlements-scenario.yaml):
// Nova approved for the whole organization, an admin key, and the management account's license.
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { parseCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { MGMT, NOVA } from "../requests/helpers.js";

export async function startEntitlementRemediationApp(): Promise<{ t: TestApp; admin: string; licenseArn: string }> {
  const t = await startTestApp({ SANDBOX_SCENARIO: "test/fixtures/entitlements-scenario.yaml" });
  const admin = await t.keyFor("admin");
  const licenses = await t.services.aws.account(MGMT).licenseManager().listReceivedLicenses();
  await t.services.catalog.apply(
    { principal: SYSTEM_PRINCIPAL },
    parseCatalogDocument(`entries:
  - { id: nova, model: ${NOVA}, scope: organization, owner: platform, justification: default model }
`),
    "fixture",
  );
  return { t, admin, licenseArn: licenses[0]?.LicenseArn as string };
}
