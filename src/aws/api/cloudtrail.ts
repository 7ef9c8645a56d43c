import {
  type AdvancedEventSelector,
  type CloudTrailClient,
  DescribeTrailsCommand,
  type Event,
  type EventSelector,
  GetEventSelectorsCommand,
  LookupEventsCommand,
  type Trail,
} from "@aws-sdk/client-cloudtrail";
import { call } from "./call.js";

export type { AdvancedEventSelector, Event as CloudTrailEvent, EventSelector, Trail };

export interface LookupPage {
  events: Event[];
  nextToken?: string;
}

export function cloudTrailApi(client: CloudTrailClient, account: string, region: string) {
  const ctx = { service: "cloudtrail", operation: "LookupEvents", account, region };
  const op = (operation: string) => ({ service: "cloudtrail", operation, account, region });
  return {
    /** The trails this account sees (its own and the organization trail), shadow trails included. */
    describeTrails: () =>
      call(op("DescribeTrails"), async (): Promise<Trail[]> => {
        const out = await client.send(new DescribeTrailsCommand({ includeShadowTrails: true }));
        return out.trailList ?? [];
      }),
    /** A trail's basic or advanced event selectors (call it in the trail's home Region). */
    getEventSelectors: (trailArn: string) =>
      call(op("GetEventSelectors"), async () => {
        const out = await client.send(new GetEventSelectorsCommand({ TrailName: trailArn }));
        return { basic: out.EventSelectors ?? [], advanced: out.AdvancedEventSelectors ?? [] };
      }),
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
