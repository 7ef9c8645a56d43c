// CloudTrail LookupEvents (awsJson1_1): the Bedrock management events of the calling account and
// Region, newest first, with the service's validation rules and 2 TPS quota (see faults.ts). Data
// events (bedrock-mantle inference) are never returned: Event history holds management events only.
// DescribeTrails and GetEventSelectors describe the organization trail and its advanced selectors.
import type { CallContext, ServiceModule } from "../context.js";
import { AwsError } from "../errors.js";
import { paginate } from "../pagination.js";
import { jsonOperation, parseJsonBody } from "../protocols/json.js";
import type { TrailEvent } from "../state.js";

const TARGET = "CloudTrail_20131101";
const RETENTION_MS = 90 * 86_400_000;

const ATTRIBUTE_MATCHERS: Record<string, (e: TrailEvent, v: string) => boolean> = {
  EventId: (e, v) => e.eventId === v,
  EventName: (e, v) => e.eventName === v,
  ReadOnly: (_e, v) => v === "true",
  Username: (e, v) => e.username === v,
  EventSource: (e, v) => e.eventSource === v,
  AccessKeyId: (e, v) => e.accessKeyId === v,
  ResourceType: () => false,
  ResourceName: () => false,
};

function lookupEvents(ctx: CallContext) {
  const input = parseJsonBody(ctx.body);
  const attrs = (input.LookupAttributes ?? []) as { AttributeKey?: string; AttributeValue?: string }[];
  if (!Array.isArray(attrs) || attrs.length > 1)
    throw new AwsError("InvalidLookupAttributesException", "You cannot specify more than one lookup attribute.", 400);
  const attr = attrs[0];
  const matcher = attr === undefined ? undefined : ATTRIBUTE_MATCHERS[attr.AttributeKey ?? ""];
  if (attr !== undefined && (matcher === undefined || typeof attr.AttributeValue !== "string"))
    throw new AwsError(
      "InvalidLookupAttributesException",
      `The lookup attribute ${attr.AttributeKey} is not valid.`,
      400,
    );
  const nowMs = ctx.now().getTime();
  const start = typeof input.StartTime === "number" ? input.StartTime * 1000 : nowMs - RETENTION_MS;
  const end = typeof input.EndTime === "number" ? input.EndTime * 1000 : nowMs;
  if (start > end) throw new AwsError("InvalidTimeRangeException", "Start time must be earlier than end time.", 400);
  const maxRaw = input.MaxResults;
  const max = maxRaw === undefined || maxRaw === null ? 50 : Number(maxRaw);
  if (!Number.isInteger(max) || max < 1 || max > 50)
    throw new AwsError("InvalidMaxResultsException", "MaxResults must be between 1 and 50.", 400);
  const from = Math.max(start, nowMs - RETENTION_MS);
  const events = ctx.state.trail.events
    .filter(
      (e) =>
        e.dataEvent !== true &&
        e.account === ctx.caller.account &&
        e.region === ctx.region &&
        e.eventTime.getTime() >= from &&
        e.eventTime.getTime() <= end &&
        (attr === undefined || (matcher?.(e, attr.AttributeValue as string) ?? false)),
    )
    .sort((a, b) => b.eventTime.getTime() - a.eventTime.getTime());
  const { page, nextToken } = paginate(events, {
    scope: `lookup:${ctx.caller.account}:${ctx.region}:${attr?.AttributeKey ?? ""}=${attr?.AttributeValue ?? ""}:${start}:${end}`,
    token: typeof input.NextToken === "string" ? input.NextToken : undefined,
    pageSize: max,
    invalid: () => new AwsError("InvalidNextTokenException", "Invalid NextToken.", 400),
  });
  return {
    Events: page.map((e) => ({
      EventId: e.eventId,
      EventName: e.eventName,
      ReadOnly: "true",
      AccessKeyId: e.accessKeyId,
      EventTime: e.eventTime.getTime() / 1000,
      EventSource: e.eventSource,
      Username: e.username,
      Resources: [],
      CloudTrailEvent: JSON.stringify(e.record),
    })),
    NextToken: nextToken,
  };
}

/**
 * UNVERIFIED: the advanced-event-selector `resources.type` for bedrock-mantle data events. AWS's
 * page (https://docs.aws.amazon.com/bedrock/latest/userguide/logging-cloudtrail-mantle.html) was
 * read, but its text available here did not name the resource type; must match the service's
 * MANTLE_DATA_RESOURCE_TYPE (src/modules/invocations/mantle-trail.ts).
 */
export const SANDBOX_MANTLE_RESOURCE_TYPE = "AWS::BedrockMantle::Project";
const TRAIL_NAME = "organization-trail";

function orgTrail(ctx: CallContext) {
  const mgmt = ctx.state.organization.managementAccountId;
  const regions = [...(ctx.state.accounts.get(mgmt)?.regions ?? [])];
  const home = regions.includes("us-east-1") ? "us-east-1" : (regions[0] ?? ctx.region);
  const arn = `arn:aws:cloudtrail:${home}:${mgmt}:trail/${TRAIL_NAME}`;
  const t = ctx.state.trail;
  return {
    Name: TRAIL_NAME,
    S3BucketName: t.bucket,
    ...(t.keyPrefix ? { S3KeyPrefix: t.keyPrefix } : {}),
    IncludeGlobalServiceEvents: true,
    IsMultiRegionTrail: true,
    HomeRegion: home,
    TrailARN: arn,
    LogFileValidationEnabled: true,
    HasCustomEventSelectors: true,
    HasInsightSelectors: false,
    IsOrganizationTrail: true,
  };
}

function getEventSelectors(ctx: CallContext) {
  const input = parseJsonBody(ctx.body);
  const trail = orgTrail(ctx);
  if (input.TrailName !== trail.Name && input.TrailName !== trail.TrailARN)
    throw new AwsError("TrailNotFoundException", `Unknown trail: ${String(input.TrailName)}.`, 400);
  const selectors: { Name: string; FieldSelectors: { Field: string; Equals: string[] }[] }[] = [
    { Name: "Management events", FieldSelectors: [{ Field: "eventCategory", Equals: ["Management"] }] },
  ];
  if (ctx.state.trail.dataEvents.includes("bedrock-mantle"))
    selectors.push({
      Name: "bedrock-mantle inference",
      FieldSelectors: [
        { Field: "eventCategory", Equals: ["Data"] },
        { Field: "resources.type", Equals: [SANDBOX_MANTLE_RESOURCE_TYPE] },
      ],
    });
  return { TrailARN: trail.TrailARN, AdvancedEventSelectors: selectors };
}

export function createCloudTrailService(): ServiceModule {
  return {
    name: "cloudtrail",
    protocol: "json",
    resolveOperation: (req) => jsonOperation(req.headers, TARGET),
    handle(ctx) {
      if (ctx.operation === "DescribeTrails") return { body: { trailList: [orgTrail(ctx)] } };
      if (ctx.operation === "GetEventSelectors") return { body: getEventSelectors(ctx) };
      if (ctx.operation !== "LookupEvents")
        throw new AwsError(
          "UnknownOperationException",
          `The sandbox does not implement CloudTrail ${ctx.operation}.`,
          400,
        );
      return { body: lookupEvents(ctx) };
    },
  };
}
