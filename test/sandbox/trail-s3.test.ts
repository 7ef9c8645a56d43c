import { gunzipSync } from "node:zlib";
import {
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  LookupEventsCommand,
  paginateLookupEvents,
  ThrottlingException,
} from "@aws-sdk/client-cloudtrail";
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, paginateListObjectsV2 } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { signedFetch } from "./access-helpers.js";
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
    // bedrock-mantle inference is a data event: Event history (LookupEvents) never holds it, even
    // though the scenario has it.
    expect(sandbox.state.trail.events.some((e) => e.dataEvent === true && e.account === DEV)).toBe(true);
    expect(mantle.Events ?? []).toEqual([]);
  });

  it("answers the AWS CLI's fully qualified X-Amz-Target as AWS does, and the SDK's short one alike", async () => {
    // botocore (AWS CLI v1, Debian's v2) sends the service's namespace in front of the target.
    const creds = await assumeMember(sandbox, DEV);
    const body = {
      LookupAttributes: [{ AttributeKey: "EventSource", AttributeValue: "bedrock.amazonaws.com" }],
      StartTime: Date.parse("2026-11-18T00:00:00Z") / 1000,
      EndTime: Date.parse(END) / 1000,
      MaxResults: 5,
    };
    const lookup = (target: string) =>
      signedFetch(sandbox, creds, {
        service: "cloudtrail",
        region: "us-east-1",
        method: "POST",
        path: "/",
        body,
        headers: { "x-amz-target": target, "content-type": "application/x-amz-json-1.1" },
      });
    const short = await lookup("CloudTrail_20131101.LookupEvents");
    const qualified = await lookup("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents");
    expect(short.status).toBe(200);
    expect(qualified.status).toBe(200);
    expect(qualified.json.Events).toHaveLength(5);
    expect(qualified.json.Events.map((e: { EventId: string }) => e.EventId)).toEqual(
      short.json.Events.map((e: { EventId: string }) => e.EventId),
    );
    const unknown = await lookup("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.NoSuchThing");
    expect(unknown.json.__type).toMatch(/UnknownOperationException/);
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
    // No data-event selector in the scenario: the files hold management events only.
    const lookup = sandbox.state.trail.events.filter(
      (e) => e.account === DEV && e.region === "us-east-1" && e.dataEvent !== true,
    );
    expect(records.map((r) => r.eventID).sort()).toEqual(lookup.map((e) => e.eventId).sort());
    const dirs = await s3.send(
      new ListObjectsV2Command({ Bucket: "org-trail-test", Prefix: "AWSLogs/o-abcdef1234/", Delimiter: "/" }),
    );
    expect(dirs.CommonPrefixes?.map((p) => p.Prefix)).toEqual([`AWSLogs/o-abcdef1234/${DEV}/`]);
  });

  it("holds bedrock-mantle inference only when the trail has a data-event selector for it, as GetEventSelectors shows", async () => {
    const { s3, cloudtrail } = clients(sandbox);
    const readAll = async () => {
      const prefix = `AWSLogs/o-abcdef1234/${DEV}/CloudTrail/us-east-1/`;
      const out: { eventID: string; eventSource: string; eventCategory: string }[] = [];
      for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: "org-trail-test", Prefix: prefix })) {
        for (const o of page.Contents ?? []) {
          const obj = await s3.send(new GetObjectCommand({ Bucket: "org-trail-test", Key: o.Key as string }));
          const body = Buffer.from(await (obj.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())));
          out.push(...(JSON.parse(gunzipSync(body).toString("utf8")) as { Records: typeof out }).Records);
        }
      }
      return out;
    };
    const trails = (await cloudtrail.send(new DescribeTrailsCommand({}))).trailList ?? [];
    expect(trails).toEqual([
      expect.objectContaining({ S3BucketName: "org-trail-test", IsOrganizationTrail: true, IsMultiRegionTrail: true }),
    ]);
    const arn = trails[0]?.TrailARN as string;
    const before = await cloudtrail.send(new GetEventSelectorsCommand({ TrailName: arn }));
    expect(JSON.stringify(before.AdvancedEventSelectors)).not.toContain('"Data"');
    expect((await readAll()).filter((r) => r.eventSource === "bedrock-mantle.amazonaws.com")).toEqual([]);
    sandbox.state.trail.dataEvents = ["bedrock-mantle"];
    try {
      const after = await cloudtrail.send(new GetEventSelectorsCommand({ TrailName: arn }));
      expect(after.AdvancedEventSelectors).toContainEqual(
        expect.objectContaining({
          FieldSelectors: expect.arrayContaining([{ Field: "eventCategory", Equals: ["Data"] }]),
        }),
      );
      const mantle = (await readAll()).filter((r) => r.eventSource === "bedrock-mantle.amazonaws.com");
      const expected = sandbox.state.trail.events.filter(
        (e) => e.account === DEV && e.region === "us-east-1" && e.dataEvent === true,
      );
      expect(mantle.map((r) => r.eventID).sort()).toEqual(expected.map((e) => e.eventId).sort());
      expect(mantle.every((r) => r.eventCategory === "Data")).toBe(true);
    } finally {
      sandbox.state.trail.dataEvents = [];
    }
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
