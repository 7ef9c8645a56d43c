// The preflight acceptance scenarios: a healthy organization, and the same with one kind of miss each.
import { APP, healthyOrg, type Json, MGMT } from "../helpers/healthy-org.js";

export const WRONG_EXT = ["300000000003", "300000000004", "300000000005"];
export const BUCKET = "org-trail-preflight";

/** (a) Everything right: every member role assumable and an administrator, the trail logs mantle data events. */
export function everythingRight(change: (s: Json & { accounts: Json[] }) => void = () => {}) {
  return healthyOrg((s) => {
    s.name = "preflight";
    s.externalId = "preflight-ext-id";
    s.accounts.push(...WRONG_EXT.map((id, i) => ({ id, name: `team-${i + 1}`, memberRole: "external-id-mismatch" })));
    (s as Json).cloudtrail = { bucket: BUCKET, dataEvents: ["bedrock-mantle"] };
    change(s);
  });
}

/** (b) No ExternalId match in 3 accounts: their roles require an ExternalId the service does not send. */
export const externalIdMismatch = () =>
  everythingRight((s) => {
    delete s.externalId;
  });

/** (c) The member role lacks bedrock:GetAccountDataRetention in the app account. */
export const missingAction = () =>
  everythingRight((s) => {
    const app = s.accounts.find((a) => a.id === APP) as Json;
    app.memberRoleDeniedActions = ["bedrock:GetAccountDataRetention"];
  });

/** (d) The org trail has a key prefix (the service's config has none) and no bedrock-mantle data-event selector. */
export const trailPrefixNoSelector = () =>
  everythingRight((s) => {
    (s as Json).cloudtrail = { bucket: BUCKET, keyPrefix: "org/logs" };
  });

/** (e) The hub (the base IAM user) may not list an SCP's targets nor assume the member role. */
export const hubMissingActions = () =>
  everythingRight((s) => {
    const mgmt = s.accounts.find((a) => a.id === MGMT) as Json;
    mgmt.principals = [
      {
        arn: `arn:aws:iam::${MGMT}:user/bedrock-governor`,
        policies: [
          {
            name: "HubWithoutTwoActions",
            document: {
              Version: "2012-10-17",
              Statement: [
                { Effect: "Allow", Action: "*", Resource: "*" },
                { Effect: "Deny", Action: ["organizations:ListTargetsForPolicy", "sts:AssumeRole"], Resource: "*" },
              ],
            },
          },
        ],
      },
    ];
  });

export { APP, MGMT };
