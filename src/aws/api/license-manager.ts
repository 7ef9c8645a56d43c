// AWS License Manager as Managed Entitlements for Bedrock uses it: grants and licenses an account
// received, read in us-east-1 ("All APIs interact with AWS License Manager in the us-east-1
// region", Managed Entitlements for Bedrock — API Reference).
import {
  type AllowedOperation,
  CreateGrantCommand,
  CreateGrantVersionCommand,
  DeleteGrantCommand,
  GetGrantCommand,
  type Grant,
  type GrantedLicense,
  type LicenseManagerClient,
  ListDistributedGrantsCommand,
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
    /** Grants this (license-holding) account distributed, optionally of one license. */
    listDistributedGrants: (licenseArn?: string) =>
      call(ctx("ListDistributedGrants"), () =>
        drain(
          (NextToken) =>
            client.send(
              new ListDistributedGrantsCommand({
                MaxResults: 100,
                NextToken,
                ...(licenseArn ? { Filters: [{ Name: "LicenseArn", Values: [licenseArn] }] } : {}),
              }),
            ),
          (p) => p.Grants,
        ),
      ),
    /**
     * Distributes the license to one principal (account root, OU or organization ARN) [doc
     * API_CreateGrant]; `clientToken` makes a retried apply create the same grant, not a second one.
     */
    createGrant: (input: {
      licenseArn: string;
      principalArn: string;
      grantName: string;
      clientToken: string;
      allowedOperations: AllowedOperation[];
    }) =>
      call(ctx("CreateGrant"), async () => {
        const out = await client.send(
          new CreateGrantCommand({
            LicenseArn: input.licenseArn,
            Principals: [input.principalArn],
            GrantName: input.grantName,
            ClientToken: input.clientToken,
            HomeRegion: region,
            AllowedOperations: input.allowedOperations,
          }),
        );
        return { grantArn: out.GrantArn as string, status: out.Status, version: out.Version };
      }),
    /** A new grant version with this status (ACTIVE activates, DISABLED deactivates) [doc API_CreateGrantVersion]. */
    setGrantStatus: (grantArn: string, status: "ACTIVE" | "DISABLED", clientToken: string) =>
      call(ctx("CreateGrantVersion"), async () => {
        const out = await client.send(
          new CreateGrantVersionCommand({ GrantArn: grantArn, Status: status, ClientToken: clientToken }),
        );
        return { status: out.Status, version: out.Version };
      }),
    getGrant: (grantArn: string) =>
      call(ctx("GetGrant"), async () => (await client.send(new GetGrantCommand({ GrantArn: grantArn }))).Grant),
    /** Revokes the grant [doc API_DeleteGrant]; `version` is the grant's current version. */
    deleteGrant: (grantArn: string, version: string) =>
      call(ctx("DeleteGrant"), async () => {
        const out = await client.send(new DeleteGrantCommand({ GrantArn: grantArn, Version: version }));
        return { status: out.Status };
      }),
  };
}

export type LicenseManagerApi = ReturnType<typeof licenseManagerApi>;
