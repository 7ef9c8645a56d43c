// CloudTrail LookupEvents (awsJson1_1): the Bedrock management events of the calling account and
// Region, newest first, with the service's validation rules and 2 TPS quota (see faults.ts).
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

export function createCloudTrailService(): ServiceModule {
  return {
    name: "cloudtrail",
    protocol: "json",
    resolveOperation: (req) => jsonOperation(req.headers, TARGET),
    handle(ctx) {
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
