import { type CloudTrailClient, type Event, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { call } from "./call.js";

export type { Event as CloudTrailEvent };

export interface LookupPage {
  events: Event[];
  nextToken?: string;
}

export function cloudTrailApi(client: CloudTrailClient, account: string, region: string) {
  const ctx = { service: "cloudtrail", operation: "LookupEvents", account, region };
  return {
    /** One page (≤ 50 events) for an event source and time range; callers checkpoint between pages. */
    lookupEvents: (input: {
      eventSource: string;
      startTime: Date;
      endTime: Date;
      nextToken?: string;
      maxResults?: number;
    }) =>
      call(ctx, async (): Promise<LookupPage> => {
        const out = await client.send(
          new LookupEventsCommand({
            LookupAttributes: [{ AttributeKey: "EventSource", AttributeValue: input.eventSource }],
            StartTime: input.startTime,
            EndTime: input.endTime,
            MaxResults: Math.min(input.maxResults ?? 50, 50),
            ...(input.nextToken ? { NextToken: input.nextToken } : {}),
          }),
        );
        return { events: out.Events ?? [], ...(out.NextToken ? { nextToken: out.NextToken } : {}) };
      }),
  };
}

export type CloudTrailApi = ReturnType<typeof cloudTrailApi>;
