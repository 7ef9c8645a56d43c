import { gunzipSync } from "node:zlib";
import { LookupEventsCommand, paginateLookupEvents, ThrottlingException } from "@aws-sdk/client-cloudtrail";
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, paginateListObjectsV2 } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { assumeMember, clients, DEV, errorOf, smallScenario } from "./helpers.js";

let sandbox: Sandbox;
const END = "2026-11-20T12:00:00Z";
beforeAll(async () => {
  sandbox = await startSandbox({
    clock: { now: () => new Date(END) },
    scenario: smallScenario({
      cloudtrail: {
        bucket: "org-trail-test",
        endTime: END,
        events: [
          {
            minutesAgo: 30,
            account: DEV,
            region: "us-east-1",
            modelId: "us.deepseek.r1-v1:0",
            errorCode: "AccessDenied",
            errorMessage: "denied",
            count: 3,
          },
          {
            minutesAgo: 10,
            account: DEV,
            region: "us-east-1",
            modelId: "openai.gpt-oss-120b-1:0",
            eventSource: "bedrock-mantle.amazonaws.com",
            eventName: "InvokeModel",
          },
          {
            minutesAgo: 5,
            account: DEV,
            region: "us-east-1",
            modelId: "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            inferenceRegion: "eu-west-1",
          },
        ],
        generate: { days: 1, eventsPerAccountRegionPerDay: 40, accounts: [DEV], seed: 3 },
      },
      faults: { defaultQuotas: false, quotas: [{ service: "cloudtrail", operation: "LookupEvents", tps: 5 }] },
    }),
  });
});
afterAll(async () => sandbox.close());

describe("CloudTrail LookupEvents", () => {
  it("pages the account's Bedrock events newest first, with CloudTrailEvent JSON", async () => {
    const { cloudtrail } = clients(sandbox, await assumeMember(sandbox, DEV));
    const events = [];
    for await (const page of paginateLookupEvents(
      { client: cloudtrail, pageSize: 50 },
      {
        LookupAttributes: [{ AttributeKey: "EventSource", AttributeValue: "bedrock.amazonaws.com" }],
        StartTime: new Date("2026-11-18T00:00:00Z"),
        EndTime: new Date(END),
      },
    )) {
      events.push(...(page.Events ?? []));
      if (events.length > 0 && events.length % 50 !== 0) break;
    }
    const expected = sandbox.state.trail.events.filter(
      (e) => e.account === DEV && e.region === "us-east-1" && e.eventSource === "bedrock.amazonaws.com",
    );
    expect(events).toHaveLength(expected.length);
    const times = events.map((e) => e.EventTime?.getTime() ?? 0);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const global = events.find((e) =>
      JSON.parse(e.CloudTrailEvent as string).requestParameters.modelId.startsWith("global."),
    );
    expect(JSON.parse(global?.CloudTrailEvent as string)).toMatchObject({
      additionalEventData: { inferenceRegion: "eu-west-1" },
      recipientAccountId: DEV,
    });
    const denied = events.filter((e) => JSON.parse(e.CloudTrailEvent as string).errorCode === "AccessDenied");
    expect(denied.length).toBeGreaterThanOrEqual(3);
    const mantle = await cloudtrail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: "EventSource", AttributeValue: "bedrock-mantle.amazonaws.com" }],
      }),
    );
    expect(mantle.Events?.map((e) => JSON.parse(e.CloudTrailEvent as string).requestParameters)).toContainEqual({
      modelId: "openai.gpt-oss-120b-1:0",
      callWithBearerToken: true,
    });
  });

  it("validates its inputs with the modelled exceptions", async () => {
    const { cloudtrail } = clients(sandbox);
    const two = await errorOf(() =>
      cloudtrail.send(
        new LookupEventsCommand({
          LookupAttributes: [
            { AttributeKey: "EventName", AttributeValue: "a" },
            { AttributeKey: "EventName", AttributeValue: "b" },
          ],
        }),
      ),
    );
    expect(two.name).toBe("InvalidLookupAttributesException");
    const max = await errorOf(() => cloudtrail.send(new LookupEventsCommand({ MaxResults: 51 })));
    expect(max.name).toBe("InvalidMaxResultsException");
    const range = await errorOf(() =>
      cloudtrail.send(new LookupEventsCommand({ StartTime: new Date(END), EndTime: new Date("2026-01-01T00:00:00Z") })),
    );
    expect(range.name).toBe("InvalidTimeRangeException");
  });

  it("throttles above the quota with ThrottlingException, visible in the counters", async () => {
    const { cloudtrail } = clients(sandbox, await assumeMember(sandbox, DEV), "us-west-2");
    sandbox.counters.reset();
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, () => cloudtrail.send(new LookupEventsCommand({ MaxResults: 1 }))),
    );
    const throttled = results.filter((r) => r.status === "rejected");
    // The sandbox clock is frozen, so all 12 fall in one window: 5 admitted, 7 throttled.
    expect(throttled).toHaveLength(7);
    for (const r of throttled) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ThrottlingException);
    const filter = { service: "cloudtrail", operation: "LookupEvents", account: DEV, region: "us-west-2" };
    expect(sandbox.counters.count(filter)).toBe(12);
    expect(sandbox.counters.throttled(filter)).toBe(throttled.length);
    expect(sandbox.counters.maxPerSecond(filter)).toBe(12);
    expect(sandbox.counters.count({ service: "s3" })).toBe(0);
  });
});

describe("S3 organization trail", () => {
  it("lists gzip CloudTrail files under the org prefix whose Records match LookupEvents", async () => {
    const { s3 } = clients(sandbox);
    const prefix = `AWSLogs/o-abcdef1234/${DEV}/CloudTrail/us-east-1/`;
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2(
      { client: s3, pageSize: 7 },
      { Bucket: "org-trail-test", Prefix: prefix },
    )) {
      keys.push(...(page.Contents ?? []).map((o) => o.Key as string));
    }
    expect(keys.length).toBeGreaterThan(7);
    expect(keys[0]).toMatch(
      new RegExp(`^${prefix}2026/11/\\d{2}/${DEV}_CloudTrail_us-east-1_\\d{8}T\\d{4}Z_[A-Za-z0-9]{16}\\.json\\.gz$`),
    );
    const records = [];
    for (const key of keys) {
      const obj = await s3.send(new GetObjectCommand({ Bucket: "org-trail-test", Key: key }));
      const body = Buffer.from(await (obj.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())));
      records.push(...(JSON.parse(gunzipSync(body).toString("utf8")) as { Records: { eventID: string }[] }).Records);
    }
    const lookup = sandbox.state.trail.events.filter((e) => e.account === DEV && e.region === "us-east-1");
    expect(records.map((r) => r.eventID).sort()).toEqual(lookup.map((e) => e.eventId).sort());
    const dirs = await s3.send(
      new ListObjectsV2Command({ Bucket: "org-trail-test", Prefix: "AWSLogs/o-abcdef1234/", Delimiter: "/" }),
    );
    expect(dirs.CommonPrefixes?.map((p) => p.Prefix)).toEqual([`AWSLogs/o-abcdef1234/${DEV}/`]);
  });

  it("answers S3 errors in XML", async () => {
    const { s3 } = clients(sandbox);
    const missing = await errorOf(() =>
      s3.send(new GetObjectCommand({ Bucket: "org-trail-test", Key: "AWSLogs/nope.json.gz" })),
    );
    expect(missing).toBeInstanceOf(NoSuchKey);
    const bucket = await errorOf(() => s3.send(new ListObjectsV2Command({ Bucket: "other-bucket" })));
    expect(bucket.name).toBe("NoSuchBucket");
    const member = clients(sandbox, await assumeMember(sandbox, DEV)).s3;
    const denied = await errorOf(() => member.send(new ListObjectsV2Command({ Bucket: "org-trail-test" })));
    expect(denied.name).toBe("AccessDenied");
  });
});
