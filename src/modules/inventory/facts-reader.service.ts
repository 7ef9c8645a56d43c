// Reads the facts the reachability engine's gates need beyond the model list, for one account-Region
// (data-retention mode, bedrock-mantle projects and models) and, once per account, account-level
// ones (License Manager grants received in us-east-1, IAM users holding long-term Amazon Bedrock
// API keys, Claude Platform on AWS workspaces). Each is optional: a call the member role may not
// make, or that fails after the client's retries, records the fact as unknown with the reason and
// never fails the account-Region. Throttling is not a fact: it propagates, and the job is retried
// as for any other throttled call. The effective Bedrock policy needs no call here: discovery stores
// the organization's BEDROCK_POLICY documents and attachments, and the engine merges the lineage.
import type { AccountApis } from "../../aws/aws-access.js";
import { AwsGateError } from "../../aws/errors.js";
import { modelTraits } from "../reachability/model-traits.js";
import type { AccountFactName, InventoryFact, RegionFactName } from "./inventory.types.js";

/** The IAM service name of long-term Amazon Bedrock API keys (service-specific credentials). */
const BEDROCK_CREDENTIAL_SERVICE = "bedrock.amazonaws.com";

/**
 * [doc Claude Platform on AWS User Guide "Workspaces"] lists workspaces through the Anthropic API on
 * `aws-external-anthropic.<region>.api.aws` (`/v1/organizations/workspaces`), per Region; the sync
 * does not call it yet, so the fact stays unknown rather than guessed empty.
 */
export const CLAUDE_PLATFORM_NOT_READ =
  "Claude Platform on AWS workspaces are not inventoried: they are listed by the Anthropic API of each Region (/v1/organizations/workspaces on aws-external-anthropic), which the sync does not read yet";

/** The engine's name for a grant awaiting the receiver; License Manager's SDK enum spells it PENDING_ACCEPT. */
const GRANT_STATUS: Record<string, string> = { PENDING_ACCEPT: "PENDING_ACCEPTANCE" };

/** A model the Region lists, to map a license's Marketplace product to model ids. */
export interface ListedModel {
  modelId: string;
  provider: string;
}

/** Runs one optional read; a refusal or failure (not throttling) becomes an unknown fact. */
async function optional(
  region: string,
  fact: RegionFactName | AccountFactName,
  read: () => Promise<unknown>,
): Promise<InventoryFact> {
  try {
    return { region, fact, known: true, value: await read(), reason: null };
  } catch (err) {
    if (!(err instanceof AwsGateError) || err.gate === "throttling" || err.context.operation === "AssumeRole")
      throw err;
    return { region, fact, known: false, value: null, reason: `${err.message} [${err.gate}]`.slice(0, 1024) };
  }
}

/** Model ids a license covers: its ProductSKU is the model's Marketplace product id (or a model id). */
export function modelIdsForProduct(sku: string | undefined, listed: readonly ListedModel[]): string[] {
  if (!sku) return [];
  const ids = listed.filter((m) => m.modelId === sku || modelTraits(m.modelId).productId === sku).map((m) => m.modelId);
  return [...new Set(ids)].sort();
}

export function createFactsReader() {
  return {
    /** The account-Region's facts: retention mode, bedrock-mantle projects and models. */
    async readRegion(apis: AccountApis, region: string): Promise<InventoryFact[]> {
      const bedrock = apis.bedrock(region);
      const mantle = apis.mantle(region);
      return Promise.all([
        optional(region, "data_retention", async () => {
          const mode = await bedrock.getAccountDataRetention();
          if (mode === undefined)
            throw new AwsGateError("validation", "GetAccountDataRetention returned no mode", undefined, {
              service: "bedrock",
              operation: "GetAccountDataRetention",
              region,
            });
          return { mode };
        }),
        optional(region, "mantle_projects", async () =>
          (await mantle.listProjects())
            // An archived project serves nothing.
            .filter((p) => p.status !== "archived")
            .map((p) => ({
              projectId: p.id,
              arn: p.arn ?? "",
              name: p.name,
              retentionMode: p.retentionMode,
              tags: p.tags,
            }))
            .sort((a, b) => a.projectId.localeCompare(b.projectId)),
        ),
        optional(region, "mantle_models", async () =>
          (await mantle.listModels())
            .map((m) => ({ mantleId: m.id, allowedModes: m.allowedModes, status: m.status }))
            .sort((a, b) => a.mantleId.localeCompare(b.mantleId)),
        ),
      ]);
    },

    /** The account's facts (region ''): received grants, API key holders, Claude Platform. */
    async readAccount(apis: AccountApis, listed: readonly ListedModel[]): Promise<InventoryFact[]> {
      const lm = apis.licenseManager();
      return Promise.all([
        optional("", "license_grants", async () => {
          const [grants, licenses] = await Promise.all([lm.listReceivedGrants(), lm.listReceivedLicenses()]);
          const byArn = new Map(licenses.map((l) => [l.LicenseArn, l]));
          return (
            grants
              // A deleted grant is revoked: as if the account had never received it.
              .filter((g) => g.GrantStatus !== "DELETED" && g.GrantArn)
              .map((g) => {
                const license = byArn.get(g.LicenseArn);
                return {
                  grantArn: g.GrantArn as string,
                  licenseArn: g.LicenseArn ?? null,
                  productSku: license?.ProductSKU ?? null,
                  licenseName: license?.LicenseName ?? null,
                  modelIds: modelIdsForProduct(license?.ProductSKU, listed),
                  status: GRANT_STATUS[g.GrantStatus ?? ""] ?? g.GrantStatus ?? "UNKNOWN",
                };
              })
              .sort((a, b) => a.grantArn.localeCompare(b.grantArn))
          );
        }),
        optional("", "api_key_holders", async () =>
          (await apis.iam().listServiceSpecificCredentials(BEDROCK_CREDENTIAL_SERVICE))
            .map((c) => ({
              userName: c.UserName ?? "",
              credentialId: c.ServiceSpecificCredentialId ?? "",
              status: (c.Status as string | undefined) ?? "Unknown",
              expiresAt: c.ExpirationDate?.toISOString() ?? null,
            }))
            .sort((a, b) => a.userName.localeCompare(b.userName) || a.credentialId.localeCompare(b.credentialId)),
        ),
        Promise.resolve<InventoryFact>({
          region: "",
          fact: "claude_platform",
          known: false,
          value: null,
          reason: CLAUDE_PLATFORM_NOT_READ,
        }),
      ]);
    },
  };
}

export type FactsReader = ReturnType<typeof createFactsReader>;
