// Pure rules of the invocation audit: model resolution, normalization, intervals of unchanged
// desired state, "allowed at that time" with the grant logic, likely gates, unused entries.
import { describe, expect, it } from "vitest";
import type { CatalogEntry } from "../../src/modules/catalog/catalog.types.js";
import type { ProfileFact } from "../../src/modules/catalog/grants.js";
import {
  AllowCache,
  likelyGate,
  mergeUnapproved,
  splitInterval,
  unapprovedIn,
  unusedEntries,
} from "../../src/modules/invocations/analysis.js";
import type { InvocationGroup } from "../../src/modules/invocations/invocation-events.repository.js";
import { normalizeRecord, resolveModel } from "../../src/modules/invocations/normalize.js";
import { buildTrailEvent } from "../../src/sandbox/trail.js";

const ACCT = "111111111111";
const SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const US_SONNET: ProfileFact = {
  profileId: `us.${SONNET}`,
  modelId: SONNET,
  sourceRegions: ["us-east-1", "us-west-2"],
  destinationRegions: ["us-east-1", "us-west-2"],
  isGlobal: false,
};
const GLOBAL_SONNET: ProfileFact = {
  profileId: `global.${SONNET}`,
  modelId: SONNET,
  sourceRegions: ["us-east-1", "eu-west-1"],
  destinationRegions: [],
  isGlobal: true,
};
const facts = {
  lineages: new Map([[ACCT, [ACCT, "ou-ab12-prod0000", "r-ab12"]]]),
  models: [{ modelId: SONNET, provider: "anthropic", regions: ["us-east-1", "us-west-2", "eu-west-1"] }],
  profiles: [US_SONNET, GLOBAL_SONNET],
};
const entry = (over: Partial<CatalogEntry>): CatalogEntry => ({
  id: "e",
  model: SONNET,
  scope: { kind: "organization" },
  owner: "platform",
  justification: "ok",
  ...over,
});
const group = (over: Partial<InvocationGroup>): InvocationGroup => ({
  accountId: ACCT,
  region: "us-east-1",
  modelId: SONNET,
  profileId: null,
  baseModelId: SONNET,
  count: 1,
  firstAt: new Date("2026-06-01T00:00:00Z"),
  lastAt: new Date("2026-06-01T00:00:00Z"),
  principals: [],
  inferenceRegions: ["us-east-1"],
  sampleEventIds: ["x"],
  ...over,
});
const AT = new Date("2026-06-01T00:00:00Z");

describe("model resolution", () => {
  it("resolves ids, profile ids and ARNs to the base model", () => {
    expect(resolveModel(SONNET)).toEqual({ modelId: SONNET, profileId: null, baseModelId: SONNET });
    expect(resolveModel(`eu.${SONNET}`)).toEqual({
      modelId: `eu.${SONNET}`,
      profileId: `eu.${SONNET}`,
      baseModelId: SONNET,
    });
    const arn = `arn:aws:bedrock:us-east-1:${ACCT}:inference-profile/global.${SONNET}`;
    expect(resolveModel(arn)).toEqual({ modelId: arn, profileId: `global.${SONNET}`, baseModelId: SONNET });
    const fm = `arn:aws:bedrock:us-east-1::foundation-model/${SONNET}`;
    expect(resolveModel(fm)).toEqual({ modelId: fm, profileId: null, baseModelId: SONNET });
    const app = `arn:aws:bedrock:us-east-1:${ACCT}:application-inference-profile/abc123`;
    expect(resolveModel(app)).toEqual({ modelId: app, profileId: "abc123", baseModelId: null });
  });

  it("normalizes only Bedrock invocation records", () => {
    const ev = buildTrailEvent({
      eventTime: AT,
      account: ACCT,
      region: "us-east-1",
      eventSource: "bedrock-mantle.amazonaws.com",
      eventName: "InvokeModel",
      modelId: "openai.gpt-oss-120b-1:0",
      identity: { arn: `arn:aws:iam::${ACCT}:user/alice`, accessKeyId: "AKIAEXAMPLE" },
      requestId: "r",
      eventId: "e-1",
    });
    expect(normalizeRecord(ev.record)).toMatchObject({
      eventId: "e-1",
      principalType: "IAMUser",
      principalIssuerArn: `arn:aws:iam::${ACCT}:user/alice`,
      bearerToken: true,
      inferenceRegion: "us-east-1",
    });
    expect(normalizeRecord({ ...ev.record, eventName: "ListFoundationModels" })).toBeUndefined();
    expect(
      normalizeRecord({
        ...ev.record,
        eventSource: "bedrock.amazonaws.com",
        eventName: "InvokeModelWithBidirectionalStream",
      }),
    ).toMatchObject({ eventName: "InvokeModelWithBidirectionalStream" });
    // The OpenAI-compatible calls (Chat Completions, Responses), on bedrock-runtime and on bedrock-mantle.
    for (const eventSource of ["bedrock.amazonaws.com", "bedrock-mantle.amazonaws.com"])
      for (const eventName of ["CreateChatCompletion", "CreateResponse"])
        expect(normalizeRecord({ ...ev.record, eventSource, eventName }), `${eventSource} ${eventName}`).toMatchObject({
          eventId: "e-1",
          eventName,
          modelId: "openai.gpt-oss-120b-1:0",
        });
    // Names close to them that AWS does not log are not invocations.
    expect(normalizeRecord({ ...ev.record, eventName: "ChatCompletion" })).toBeUndefined();
    expect(normalizeRecord({ ...ev.record, eventName: "CreateResponses" })).toBeUndefined();
    expect(normalizeRecord({ ...ev.record, eventSource: "s3.amazonaws.com" })).toBeUndefined();
    expect(normalizeRecord({ ...ev.record, eventID: undefined })).toBeUndefined();
  });
});

describe("intervals", () => {
  it("splits a period at the change points inside it", () => {
    const from = new Date("2026-06-01T00:00:00Z");
    const to = new Date("2026-06-03T00:00:00Z");
    const mid = new Date("2026-06-02T00:00:00Z");
    expect(splitInterval(from, to, [new Date("2026-05-01T00:00:00Z"), mid, mid, to])).toEqual([
      { from, to: mid },
      { from: mid, to },
    ]);
  });
});

describe("allowed at that time", () => {
  it("direct calls need a direct grant in the Region; profile calls a grant of the profile from the source Region", () => {
    const us = new AllowCache([entry({ geography: "US" })], AT, facts);
    expect(us.allows(group({}))).toBe(true);
    expect(us.allows(group({ region: "eu-west-1" }))).toBe(false);
    expect(us.allows(group({ profileId: US_SONNET.profileId }))).toBe(true);
    // A global profile leaves any geography: only an unrestricted entry allows it.
    expect(us.allows(group({ profileId: GLOBAL_SONNET.profileId }))).toBe(false);
    const open = new AllowCache([entry({})], AT, facts);
    expect(open.allows(group({ profileId: GLOBAL_SONNET.profileId }))).toBe(true);
  });

  it("a model approved only through a profile is unapproved when called directly", () => {
    const via = new AllowCache([entry({ viaProfiles: [US_SONNET.profileId] })], AT, facts);
    expect(via.allows(group({ profileId: US_SONNET.profileId }))).toBe(true);
    expect(via.allows(group({}))).toBe(false);
  });

  it("scope and expiry count: another account's entry or an expired one allows nothing", () => {
    const other = new AllowCache([entry({ scope: { kind: "account", id: "222222222222" } })], AT, facts);
    expect(other.allows(group({}))).toBe(false);
    const ou = new AllowCache([entry({ scope: { kind: "ou", id: "ou-ab12-prod0000" } })], AT, facts);
    expect(ou.allows(group({}))).toBe(true);
    const expired = new AllowCache([entry({ expiresAt: "2026-05-31T00:00:00Z" })], AT, facts);
    expect(expired.allows(group({}))).toBe(false);
  });

  it("merges one finding per account, Region and model over intervals", () => {
    const cache = new AllowCache([], AT, facts);
    const hits = [
      ...unapprovedIn([group({ count: 2, principals: ["b"] })], cache),
      ...unapprovedIn([group({ count: 3, principals: ["a"], lastAt: new Date("2026-06-02T00:00:00Z") })], cache),
    ];
    const [f] = mergeUnapproved(hits, { from: AT, to: new Date("2026-06-03T00:00:00Z") });
    expect(f).toMatchObject({
      key: `UNAPPROVED_INVOCATION|${ACCT}|us-east-1|${SONNET}|`,
      lastEventAt: new Date("2026-06-02T00:00:00Z"),
      evidence: { invocations: 5, principals: ["a", "b"] },
    });
  });
});

describe("likely gate and unused entries", () => {
  it("reads the gate from the error text", () => {
    expect(likelyGate("AccessDenied", "… with an explicit deny in a service control policy")).toBe("scp_deny");
    expect(likelyGate("AccessDeniedException", "not authorized to perform: aws-marketplace:Subscribe")).toBe(
      "marketplace_permission",
    );
    expect(likelyGate("AccessDeniedException", "User is not authorized to perform: bedrock:InvokeModel")).toBe(
      "iam_policy",
    );
    expect(likelyGate("AccessDeniedException", null)).toBe("unknown_access_denied");
  });

  it("lists entries no use matches", () => {
    const entries = [entry({ id: "used" }), entry({ id: "nova", model: "amazon.nova-*" })];
    const uses = [{ accountId: ACCT, region: "us-east-1", baseModelId: SONNET, profileId: null }];
    expect(unusedEntries(entries, uses, facts.lineages, AT).map((e) => e.id)).toEqual(["nova"]);
  });
});
