// Governance status (not an AWS gate): is the model approved for this account-Region by the
// catalog (or an access grant — both arrive through the desired-state source), and is there an
// open access request for it.
import type { DesiredStateSource } from "../../catalog/catalog.types.js";
import { entryAppliesTo } from "../../catalog/catalog-scope.js";
import { AllowIndex, isExpired, modelMatches, scopeAllows } from "../../catalog/grants.js";
import type { AccessRequestsPort, GovernanceResult } from "../doctor.types.js";
import type { InvocationTarget } from "../invocation.js";

export async function checkGovernance(input: {
  desired: DesiredStateSource;
  requests: AccessRequestsPort | undefined;
  accountId: string;
  /** account, OUs, root; undefined when neither Organizations nor the inventory knows it. */
  lineage: string[] | undefined;
  region: string;
  provider: string;
  target: InvocationTarget;
  now: Date;
}): Promise<GovernanceResult> {
  const { target, region } = input;
  const lineage = input.lineage ?? [input.accountId];
  const entries = (await input.desired.entries(input.now)).filter(
    (e) => entryAppliesTo(e, lineage) && modelMatches(e.model, target.modelId) && !isExpired(e, input.now),
  );
  const index = new AllowIndex({
    entries,
    models: [{ modelId: target.modelId, provider: input.provider, regions: [region] }],
    profiles:
      target.kind === "profile"
        ? [
            {
              profileId: target.profileId,
              modelId: target.modelId,
              sourceRegions: [region],
              destinationRegions: target.destinations,
              isGlobal: target.global,
            },
          ]
        : [],
    now: input.now,
  });
  let approved: boolean;
  let granting: string[];
  if (target.kind === "profile") {
    const grants = index.grants.profileGrants.filter(
      (g) => g.profile.profileId === target.profileId && g.sources.includes(region),
    );
    approved = grants.length > 0;
    granting = grants.map((g) => g.entryId);
  } else {
    approved = index.directAllows(target.modelId, region);
    granting = index.grants.modelGrants
      .filter((g) => modelMatches(g.model, target.modelId) && scopeAllows(g.scope, region))
      .map((g) => g.entryId);
  }
  let requests: GovernanceResult["requests"] = null;
  if (input.requests !== undefined) requests = await input.requests.openFor(input.accountId, region, target.modelId);
  const what = target.kind === "profile" ? `${target.profileId} from ${region}` : `${target.modelId} in ${region}`;
  const requestNote =
    requests === null
      ? "access requests: unknown (requests not available)"
      : requests.length === 0
        ? "no open access request"
        : `open access requests: ${requests.map((r) => `${r.id} (${r.status})`).join(", ")}`;
  const lineageNote =
    input.lineage === undefined ? " (account's OUs unknown: only organization and account entries considered)" : "";
  return {
    approved,
    entryIds: [...new Set(granting)].sort(),
    requests,
    summary: approved
      ? `Approved for ${what} by ${[...new Set(granting)].join(", ")}; ${requestNote}${lineageNote}.`
      : `Not approved in the catalog for ${what}${
          entries.length > 0 ? ` (entries ${entries.map((e) => e.id).join(", ")} cover the model elsewhere)` : ""
        }; ${requestNote}${lineageNote}.`,
  };
}
