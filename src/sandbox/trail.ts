// CloudTrail records for Bedrock invocations: built from the scenario (explicit and generated,
// seeded), appended by Converse, served by LookupEvents and as organization-trail files in S3.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { createRng, hashString, type Rng } from "./rng.js";
import type { Scenario, ScenarioTrailEvent } from "./scenario.js";
import type { SandboxState, TrailEvent } from "./state.js";

export interface TrailIdentity {
  /** IAM user ARN, role ARN, or STS assumed-role ARN. */
  arn: string;
  accessKeyId: string;
}

export interface TrailEventInput {
  eventTime: Date;
  account: string;
  region: string;
  eventSource?: string;
  eventName?: string;
  modelId: string;
  identity: TrailIdentity;
  inferenceRegion?: string;
  errorCode?: string;
  errorMessage?: string;
  sourceIPAddress?: string;
  userAgent?: string;
  requestId: string;
  eventId: string;
}

/**
 * bedrock-mantle operations AWS logs as management events ("Monitor bedrock-mantle API calls using
 * CloudTrail", https://docs.aws.amazon.com/bedrock/latest/userguide/logging-cloudtrail-mantle.html:
 * models, fine-tuning, projects). Inference is not among them: it is a data event, which
 * LookupEvents (Event history, management events only) never returns and a trail logs only with a
 * data-event selector.
 */
export const MANTLE_MANAGEMENT_EVENTS: ReadonlySet<string> = new Set([
  "ListModels",
  "GetModel",
  "ListFineTuningJobs",
  "CreateFineTuningJob",
  "GetFineTuningJob",
  "CancelFineTuningJob",
  "ListProjects",
  "CreateProject",
  "GetProject",
  "UpdateProject",
  "ArchiveProject",
]);

export const isMantleDataEvent = (eventSource: string, eventName: string) =>
  eventSource === "bedrock-mantle.amazonaws.com" && !MANTLE_MANAGEMENT_EVENTS.has(eventName);

const isoSeconds = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

function userIdentity(identity: TrailIdentity, account: string, eventTime: Date): Record<string, unknown> {
  const parts = identity.arn.split(":");
  const resource = parts.slice(5).join(":");
  const principalAccount = parts[4] ?? account;
  if (resource.startsWith("user/")) {
    const userName = resource.slice("user/".length);
    return {
      type: "IAMUser",
      principalId: `AIDA${hashString(identity.arn).toString(16).toUpperCase().padStart(8, "0")}EXAMPLE`,
      arn: identity.arn,
      accountId: principalAccount,
      accessKeyId: identity.accessKeyId,
      userName,
    };
  }
  // role/<name> (from the scenario) or assumed-role/<name>/<session> (from AssumeRole).
  const [kind, roleName = "role", session = "session"] = resource.split("/");
  const sessionName = kind === "assumed-role" ? session : `${roleName.toLowerCase()}-session`;
  const roleId = `AROA${hashString(`${principalAccount}:${roleName}`).toString(16).toUpperCase().padStart(8, "0")}EXAMPLE`;
  return {
    type: "AssumedRole",
    principalId: `${roleId}:${sessionName}`,
    arn: `arn:aws:sts::${principalAccount}:assumed-role/${roleName}/${sessionName}`,
    accountId: principalAccount,
    accessKeyId: identity.accessKeyId,
    sessionContext: {
      sessionIssuer: {
        type: "Role",
        principalId: roleId,
        arn: `arn:aws:iam::${principalAccount}:role/${roleName}`,
        accountId: principalAccount,
        userName: roleName,
      },
      attributes: { creationDate: isoSeconds(new Date(eventTime.getTime() - 600_000)), mfaAuthenticated: "false" },
    },
  };
}

export function buildTrailEvent(input: TrailEventInput): TrailEvent {
  const eventSource = input.eventSource ?? "bedrock.amazonaws.com";
  const eventName = input.eventName ?? "Converse";
  const mantle = eventSource === "bedrock-mantle.amazonaws.com";
  const dataEvent = isMantleDataEvent(eventSource, eventName);
  const ui = userIdentity(input.identity, input.account, input.eventTime);
  const requestParameters: Record<string, unknown> = { modelId: input.modelId };
  if (mantle) requestParameters.callWithBearerToken = true;
  const record: Record<string, unknown> = {
    eventVersion: "1.11",
    userIdentity: ui,
    eventTime: isoSeconds(input.eventTime),
    eventSource,
    eventName,
    awsRegion: input.region,
    sourceIPAddress: input.sourceIPAddress ?? "10.0.12.34",
    userAgent: input.userAgent ?? "aws-sdk-js/3.1164.0 ua/2.1 os/linux lang/js md/nodejs#20.19.0",
    requestParameters,
    responseElements: null,
    requestID: input.requestId,
    eventID: input.eventId,
    readOnly: true,
    eventType: "AwsApiCall",
    managementEvent: !dataEvent,
    recipientAccountId: input.account,
    eventCategory: dataEvent ? "Data" : "Management",
  };
  if (input.inferenceRegion !== undefined) record.additionalEventData = { inferenceRegion: input.inferenceRegion };
  if (input.errorCode !== undefined) {
    record.errorCode = input.errorCode;
    record.errorMessage = input.errorMessage ?? "";
  }
  return {
    eventId: input.eventId,
    eventTime: new Date(Math.floor(input.eventTime.getTime() / 1000) * 1000),
    account: input.account,
    region: input.region,
    eventSource,
    eventName,
    accessKeyId: input.identity.accessKeyId,
    username: String((ui.userName as string | undefined) ?? String(ui.arn).split("/").pop()),
    modelId: input.modelId,
    record,
    ...(dataEvent ? { dataEvent: true } : {}),
  };
}

/** A UUID-shaped id from the seeded stream, so generated trails are identical across runs. */
export function seededUuid(rng: Rng): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rng.next() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function seededAccessKey(rng: Rng, prefix: string): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  return prefix + Array.from({ length: 16 }, () => chars[Math.floor(rng.next() * chars.length)]).join("");
}

const APP_ROLES = ["BedrockAppRole", "DataScienceRole", "ChatbotLambdaRole", "ci-deployer"];

export function buildScenarioTrail(scenario: Scenario, state: SandboxState, now: Date): TrailEvent[] {
  const ct = scenario.cloudtrail;
  if (ct === undefined) return [];
  const end = ct.endTime !== undefined ? new Date(ct.endTime) : new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const events: TrailEvent[] = [];
  const rng = createRng(ct.generate?.seed ?? scenario.faults?.seed ?? hashString(scenario.organization.id));

  const explicit = (e: ScenarioTrailEvent, i: number) => {
    const count = e.count ?? 1;
    const base =
      e.eventTime !== undefined ? new Date(e.eventTime) : new Date(end.getTime() - (e.minutesAgo ?? 0) * 60_000);
    for (let k = 0; k < count; k++) {
      // Bursts of `count` events are spread over a few seconds each, newest last.
      const eventTime = new Date(base.getTime() - (count - 1 - k) * 2000 - (i % 7) * 10);
      const input: TrailEventInput = {
        eventTime,
        account: e.account,
        region: e.region,
        modelId: e.modelId,
        identity: {
          arn: e.principalArn ?? `arn:aws:iam::${e.account}:role/${APP_ROLES[i % APP_ROLES.length]}`,
          accessKeyId: seededAccessKey(rng, "ASIA"),
        },
        requestId: seededUuid(rng),
        eventId: seededUuid(rng),
      };
      if (e.eventSource !== undefined) input.eventSource = e.eventSource;
      if (e.eventName !== undefined) input.eventName = e.eventName;
      if (e.inferenceRegion !== undefined) input.inferenceRegion = e.inferenceRegion;
      if (e.errorCode !== undefined) input.errorCode = e.errorCode;
      if (e.errorMessage !== undefined) input.errorMessage = e.errorMessage;
      if (e.sourceIPAddress !== undefined) input.sourceIPAddress = e.sourceIPAddress;
      if (e.userAgent !== undefined) input.userAgent = e.userAgent;
      events.push(buildTrailEvent(input));
    }
  };
  (ct.events ?? []).forEach(explicit);

  const gen = ct.generate;
  if (gen !== undefined) {
    const days = gen.days ?? 7;
    const rate = gen.eventsPerAccountRegionPerDay ?? 20;
    const accountIds = gen.accounts ?? [...state.accounts.keys()];
    for (const accountId of accountIds) {
      const account = state.accounts.get(accountId);
      if (account === undefined || account.state !== "ACTIVE") continue;
      for (const region of account.regions) {
        const choices = weightedChoices(state, region, gen.models);
        if (choices.length === 0) continue;
        const total = choices.reduce((s, c) => s + c.weight, 0);
        const n = Math.max(0, Math.round(rate * days * (0.5 + rng.next())));
        for (let k = 0; k < n; k++) {
          const choice = pickWeighted(choices, rng.next() * total);
          const mantle = rng.chance(gen.mantleShare ?? 0.05);
          const streaming = rng.chance(gen.streamingShare ?? 0.3);
          const converse = rng.chance(0.5);
          const failed = rng.chance(gen.errorRate ?? 0.02);
          const roleName = APP_ROLES[rng.int(0, APP_ROLES.length - 1)] as string;
          const input: TrailEventInput = {
            eventTime: new Date(end.getTime() - Math.floor(rng.next() * days * 86_400_000)),
            account: accountId,
            region,
            modelId: choice.id,
            eventSource: mantle ? "bedrock-mantle.amazonaws.com" : "bedrock.amazonaws.com",
            eventName: converse
              ? streaming
                ? "ConverseStream"
                : "Converse"
              : streaming
                ? "InvokeModelWithResponseStream"
                : "InvokeModel",
            identity: { arn: `arn:aws:iam::${accountId}:role/${roleName}`, accessKeyId: seededAccessKey(rng, "ASIA") },
            requestId: seededUuid(rng),
            eventId: seededUuid(rng),
          };
          if (choice.crossRegion.length > 0) input.inferenceRegion = rng.pick(choice.crossRegion);
          if (failed) {
            input.errorCode = "AccessDenied";
            input.errorMessage = `User: arn:aws:sts::${accountId}:assumed-role/${roleName}/session is not authorized to perform: bedrock:InvokeModel`;
          }
          events.push(buildTrailEvent(input));
        }
      }
    }
  }
  events.sort((a, b) => a.eventTime.getTime() - b.eventTime.getTime());
  return events;
}

function pickWeighted(choices: readonly Choice[], point: number): Choice {
  let rest = point;
  for (const c of choices) {
    rest -= c.weight;
    if (rest < 0) return c;
  }
  return choices[choices.length - 1] as Choice;
}

interface Choice {
  id: string;
  weight: number;
  crossRegion: string[];
}

function weightedChoices(state: SandboxState, region: string, weights: Record<string, number> | undefined): Choice[] {
  const out: Choice[] = [];
  const profileChoice = (id: string, weight: number): Choice | undefined => {
    const p = state.profiles.get(id);
    if (p === undefined || !p.sourceRegions.has(region)) return undefined;
    return { id, weight, crossRegion: p.global ? [...p.sourceRegions] : p.destinationRegions };
  };
  if (weights !== undefined) {
    for (const [id, weight] of Object.entries(weights)) {
      const pc = profileChoice(id, weight);
      if (pc !== undefined) out.push(pc);
      else if (state.models.get(id)?.regions.has(region)) out.push({ id, weight, crossRegion: [] });
    }
    return out;
  }
  for (const m of state.models.values()) {
    if (m.regions.has(region) && m.lifecycle.status === "ACTIVE" && m.inferenceTypes.includes("ON_DEMAND"))
      out.push({ id: m.id, weight: 1, crossRegion: [] });
  }
  for (const p of state.profiles.values()) {
    const pc = profileChoice(p.id, 1);
    if (pc !== undefined) out.push(pc);
  }
  return out;
}

// --- Organization trail files in S3 -------------------------------------------------------------

export interface TrailObject {
  key: string;
  lastModified: Date;
  events: TrailEvent[];
}

const DELIVERY_WINDOW_MS = 5 * 60_000;

/** Groups events into the files an organization trail delivers: one per account, Region and 5 minutes. */
export function trailObjects(orgId: string, events: readonly TrailEvent[], keyPrefix?: string): TrailObject[] {
  const groups = new Map<string, TrailObject>();
  for (const e of events) {
    const windowEnd = new Date(Math.floor(e.eventTime.getTime() / DELIVERY_WINDOW_MS + 1) * DELIVERY_WINDOW_MS);
    const day = windowEnd.toISOString().slice(0, 10).replace(/-/g, "/");
    const stamp = `${windowEnd.toISOString().slice(0, 16).replace(/[-:]/g, "")}Z`;
    const groupId = `${e.account}|${e.region}|${stamp}`;
    let obj = groups.get(groupId);
    if (obj === undefined) {
      const suffix = createHash("sha256")
        .update(`${orgId}|${groupId}`)
        .digest("base64url")
        .replace(/[-_]/g, "x")
        .slice(0, 16);
      obj = {
        key: `${keyPrefix ? `${keyPrefix}/` : ""}AWSLogs/${orgId}/${e.account}/CloudTrail/${e.region}/${day}/${e.account}_CloudTrail_${e.region}_${stamp}_${suffix}.json.gz`,
        lastModified: windowEnd,
        events: [],
      };
      groups.set(groupId, obj);
    }
    obj.events.push(e);
  }
  return [...groups.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export function trailObjectBody(obj: TrailObject): Buffer {
  return gzipSync(JSON.stringify({ Records: obj.events.map((e) => e.record) }));
}
