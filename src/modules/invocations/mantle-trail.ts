// bedrock-mantle inference is a CloudTrail data event, not a management event ("Monitor
// bedrock-mantle API calls using CloudTrail",
// https://docs.aws.amazon.com/bedrock/latest/userguide/logging-cloudtrail-mantle.html, lists only
// models, fine-tuning and projects operations as management events). LookupEvents (Event history)
// returns management events only, and a trail logs data events only through a data-event
// selector. So an ingestion says what it cannot see instead of reporting "no calls".
import type { AdvancedEventSelector } from "../../aws/api/cloudtrail.js";
import type { AwsAccess } from "../../aws/aws-access.js";

/**
 * UNVERIFIED: the advanced-event-selector `resources.type` for bedrock-mantle data events. AWS's
 * page above was read, but the text available did not name the resource type; confirm it against
 * the CloudTrail data-events table before relying on it. The sandbox uses the same value.
 */
export const MANTLE_DATA_RESOURCE_TYPE = "AWS::BedrockMantle::Project";

export const MANTLE_LOOKUP_WARNING =
  "bedrock-mantle inference cannot be seen through LookupEvents: it is a CloudTrail data event (Event history holds management events only); ingest from the organization trail in S3 (source s3) with a data-event selector for bedrock-mantle";

export const MANTLE_NOT_LOGGED_WARNING =
  "bedrock-mantle inference is not logged: the organization trail has no data-event selector for it";

/** Whether an advanced selector logs bedrock-mantle data events (eventCategory Data and its resource type). */
export function logsMantleData(selectors: readonly AdvancedEventSelector[]): boolean {
  return selectors.some((s) => {
    const fields = s.FieldSelectors ?? [];
    const field = (name: string) => fields.find((f) => f.Field === name);
    const category = field("eventCategory");
    if (!(category?.Equals ?? []).includes("Data")) return false;
    const type = field("resources.type");
    return (type?.Equals ?? []).includes(MANTLE_DATA_RESOURCE_TYPE);
  });
}

/**
 * Reads the organization trail delivering to `bucket` (DescribeTrails in the management account,
 * GetEventSelectors in the trail's home Region) and returns a warning when it does not log
 * bedrock-mantle data events, or when that could not be checked.
 */
export async function mantleTrailWarning(
  aws: AwsAccess,
  homeRegion: string,
  bucket: string,
): Promise<string | undefined> {
  try {
    const mgmt = (await aws.organizations().describeOrganization())?.MasterAccountId;
    if (mgmt === undefined)
      return `bedrock-mantle inference may not be logged: the management account is unknown, so the organization trail's data-event selectors were not checked`;
    const trails = await aws.account(mgmt).cloudtrail(homeRegion).describeTrails();
    const trail = trails.find((t) => t.IsOrganizationTrail === true && t.S3BucketName === bucket);
    if (trail?.TrailARN === undefined)
      return `bedrock-mantle inference may not be logged: no organization trail delivering to s3://${bucket} was found to check its data-event selectors`;
    const sel = await aws
      .account(mgmt)
      .cloudtrail(trail.HomeRegion ?? homeRegion)
      .getEventSelectors(trail.TrailARN);
    return logsMantleData(sel.advanced) ? undefined : MANTLE_NOT_LOGGED_WARNING;
  } catch (err) {
    return `bedrock-mantle inference may not be logged: the organization trail's data-event selectors could not be read (${err instanceof Error ? err.message : String(err)})`;
  }
}
