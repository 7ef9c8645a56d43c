// AWS License Manager as Managed Entitlements for Bedrock uses it: grants and licenses an account
// received, read in us-east-1 ("All APIs interact with AWS License Manager in the us-east-1
// region", Managed Entitlements for Bedrock — API Reference).
import {
  type Grant,
  type GrantedLicense,
  type LicenseManagerClient,
  ListReceivedGrantsCommand,
  ListReceivedLicensesCommand,
} from "@aws-sdk/client-license-manager";
import { call } from "./call.js";

export type { Grant, GrantedLicense };

/** Follows NextToken until the last page (License Manager has no SDK paginators for these). */
async function drain<P extends { NextToken?: string | undefined }, T>(
  page: (token: string | undefined) => Promise<P>,
  items: (p: P) => T[] | undefined,
): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const p = await page(token);
    out.push(...(items(p) ?? []));
    token = p.NextToken || undefined;
  } while (token);
  return out;
}

export function licenseManagerApi(client: LicenseManagerClient, account: string, region: string) {
  const ctx = (operation: string) => ({ service: "license-manager", operation, account, region });
  return {
    listReceivedGrants: () =>
      call(ctx("ListReceivedGrants"), () =>
        drain(
          (NextToken) => client.send(new ListReceivedGrantsCommand({ MaxResults: 100, NextToken })),
          (p) => p.Grants,
        ),
      ),
    listReceivedLicenses: () =>
      call(ctx("ListReceivedLicenses"), () =>
        drain(
          (NextToken) => client.send(new ListReceivedLicensesCommand({ MaxResults: 100, NextToken })),
          (p) => p.Licenses,
        ),
      ),
  };
}

export type LicenseManagerApi = ReturnType<typeof licenseManagerApi>;
