// A second, independent client against the sandbox: the AWS CLI (Debian's `awscli`, botocore) runs
// every operation of the call table (src/aws/call-table.ts) that it knows — the cases are derived
// from the table, each operation either read here, written in the writes test, or exempt with its
// reason (EXEMPT), so a new row without one fails the suite — and its parsed output
// must equal what the JavaScript SDK decodes for the same request; writes are made once through
// each client, in two fresh sandboxes, and must answer and take effect alike. People point the CLI and boto3 at
// `bedrock-governor sandbox`; a request only the JavaScript SDK's spelling gets answered (the
// fully qualified X-Amz-Target, query-protocol lists, timestamps) shows up here.
//
// `.ci/run` installs the CLI and sets REQUIRE_AWS_CLI=1, so in CI a missing CLI fails the test;
// elsewhere the suite says it skipped and why. The CLI is $AWS_CLI, else the first `aws` on PATH
// (a pip-installed CLI with current models), else Debian's. Operations the CLI's models lack
// (Debian's 2.9 has no Bedrock) are listed on the console and left out.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import * as bedrockSdk from "@aws-sdk/client-bedrock";
import * as runtimeSdk from "@aws-sdk/client-bedrock-runtime";
import * as cloudtrailSdk from "@aws-sdk/client-cloudtrail";
import { DescribeTrailsCommand, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import * as iamSdk from "@aws-sdk/client-iam";
import * as licenseSdk from "@aws-sdk/client-license-manager";
import * as organizationsSdk from "@aws-sdk/client-organizations";
import { ListOrganizationalUnitsForParentCommand, ListRootsCommand } from "@aws-sdk/client-organizations";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import * as stsSdk from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CALL_TABLE } from "../../src/aws/call-table.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { assumeMember, type Credentials, clients, DEV, MGMT, PROD, smallScenario } from "../sandbox/helpers.js";

const run = promisify(execFile);
const CLI = [
  process.env.AWS_CLI,
  ...(process.env.PATH ?? "").split(path.delimiter).map((d) => (d === "" ? undefined : path.join(d, "aws"))),
  "/usr/bin/aws",
  "/usr/local/bin/aws",
].find((p): p is string => p !== undefined && p !== "" && existsSync(p));
const required = process.env.REQUIRE_AWS_CLI === "1";
const END = "2026-11-20T12:00:00Z";

const CLAUDE = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const NOVA = "amazon.nova-pro-v1:0";
/** The Anthropic use-case form (JSON; the wire carries it base64-encoded). */
const USE_CASE = JSON.stringify({
  companyName: "Example Corp",
  companyWebsite: "https://example.com",
  intendedUsers: "0",
  industryOption: "Technology",
  otherIndustryOption: "",
  useCases: "internal assistant",
});

/**
 * The small organization, with something for every read of the call table to find: a received
 * (and, in the management account, distributed) License Manager grant, invocation logging, an
 * enforced guardrail, an API key and the Anthropic use-case form in the member account.
 */
function scenario() {
  const base = smallScenario();
  return smallScenario({
    // Events, so that LookupEvents answers something and the trail's bucket holds files for S3.
    cloudtrail: {
      endTime: END,
      events: [{ account: DEV, region: "us-east-1", eventName: "Converse", modelId: NOVA, minutesAgo: 30, count: 3 }],
    },
    accounts: base.accounts.map((a) =>
      a.id === DEV
        ? {
            ...a,
            anthropicUseCase: true,
            invocationLogging: { "us-east-1": { s3Bucket: "bedrock-invocation-logs" } },
            enforcedGuardrails: {
              "*": [{ guardrailId: "gr0conform01", guardrailVersion: "1", excludedModels: [NOVA] }],
            },
            apiKeys: [
              {
                user: "ml-notebook",
                key: "ABSKY29uZm9ybWFuY2Uta2V5LTAwMDE=",
                id: "ACCACONFORMKEY000001",
                status: "Active",
              },
            ],
          }
        : a,
    ),
    managedEntitlements: { grants: [{ model: CLAUDE, principal: DEV, status: "ACTIVE" }] },
  } as never);
}

let sandbox: Sandbox;
let member: Credentials;
let management: Credentials;
/**
 * The CLI's only configuration: timestamps printed as ISO 8601 (CLI v1 prints the wire value by
 * default, epoch seconds in JSON protocols; v2 prints ISO 8601). No profile, no credentials.
 */
let configDir: string;
let configFile: string;
beforeAll(async () => {
  configDir = mkdtempSync(path.join(tmpdir(), "aws-cli-config-"));
  configFile = path.join(configDir, "config");
  writeFileSync(configFile, "[default]\ncli_timestamp_format = iso8601\n");
  sandbox = await startSandbox({ scenario: scenario(), port: 0 });
  member = await assumeMember(sandbox, DEV);
  management = await assumeMember(sandbox, MGMT);
});
afterAll(async () => {
  await sandbox?.close();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

/** `aws <service> <command> --cli-input-json …` as the given credentials; the parsed JSON output. */
async function cli(
  service: string,
  command: string,
  input: object | null,
  creds: Credentials,
  at: Sandbox = sandbox,
  extra: string[] = [],
): Promise<unknown> {
  const { stdout } = await run(
    CLI as string,
    [
      service,
      command,
      ...(input === null ? [] : ["--cli-input-json", JSON.stringify(input)]),
      ...extra,
      // One page, as the SDK's single call answers (the CLI follows NextToken by default).
      "--no-paginate",
      "--endpoint-url",
      at.url,
      "--output",
      "json",
    ],
    {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        AWS_ACCESS_KEY_ID: creds.accessKeyId,
        AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
        ...(creds.sessionToken ? { AWS_SESSION_TOKEN: creds.sessionToken } : {}),
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_CONFIG_FILE: configFile,
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
        AWS_PAGER: "",
      },
      timeout: 60_000,
    },
  );
  return stdout.trim() === "" ? {} : JSON.parse(stdout);
}

const known = new Map<string, Promise<boolean>>();
/** Whether the CLI's models have `<service> <command>` (`--generate-cli-skeleton` sends nothing). */
function knows(service: string, command: string): Promise<boolean> {
  const key = `${service} ${command}`;
  let answer = known.get(key);
  if (answer === undefined) {
    answer = run(CLI as string, [service, command, "--generate-cli-skeleton"], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", AWS_CONFIG_FILE: "/dev/null" },
      timeout: 60_000,
    }).then(
      () => true,
      () => false,
    );
    known.set(key, answer);
  }
  return answer;
}
const unknownToCli = new Set<string>();

/** Both decodings on one footing: timestamps as epoch ms, no SDK metadata, no empty/absent noise. */
function normalize(v: unknown, key = ""): unknown {
  // The CLI URL-decodes and parses IAM policy documents (a botocore customization); the SDK does not.
  if (typeof v === "string" && /PolicyDocument$/.test(key) && v.startsWith("%7B"))
    return normalize(JSON.parse(decodeURIComponent(v)));
  if (v instanceof Date) return v.getTime();
  // Blobs (GetUseCaseForModelAccess formData): the CLI prints them base64-encoded.
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v) && !Number.isNaN(Date.parse(v)))
    return Date.parse(v);
  if (Array.isArray(v)) return v.map((x) => normalize(x));
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === "$metadata" || x === undefined) continue;
      out[k] = normalize(x, k);
    }
    return out;
  }
  return v;
}

type Send = (c: ReturnType<typeof clients>) => Promise<unknown>;
interface Case {
  service: string;
  command: string;
  input: Record<string, unknown>;
  /** The SDK call; by default the command of the same name with the same input (see `sdkSend`). */
  sdk?: Send;
  as: "base" | "member" | "management";
  /** `shape`: generated values (credentials, ids) differ per call; compare their shape only. */
  compare?: "shape";
}

type SdkModule = Record<string, unknown>;
interface Sender {
  send(command: unknown): Promise<unknown>;
}

/** The JavaScript SDK's `<Command>Command` for the CLI's `<service> <command>`, sent with `input`. */
function sdkSend(at: Sandbox, creds: Credentials, service: string, command: string, input: object): Promise<unknown> {
  const c = clients(at, creds);
  const licenseManager = new licenseSdk.LicenseManagerClient({
    region: "us-east-1",
    endpoint: at.url,
    credentials: creds,
    maxAttempts: 1,
  });
  const by: Record<string, [SdkModule, Sender]> = {
    bedrock: [bedrockSdk, c.bedrock],
    "bedrock-runtime": [runtimeSdk, c.runtime],
    cloudtrail: [cloudtrailSdk, c.cloudtrail],
    sts: [stsSdk, c.sts],
    iam: [iamSdk, c.iam],
    "license-manager": [licenseSdk, licenseManager],
    organizations: [organizationsSdk, c.organizations],
  };
  const entry = by[service];
  if (entry === undefined) throw new Error(`no SDK module for ${service}`);
  const name = `${command
    .split("-")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("")}Command`;
  const Command = entry[0][name] as (new (input: object) => unknown) | undefined;
  if (Command === undefined) throw new Error(`no ${name} in the SDK for ${service}`);
  return entry[1].send(new Command(input));
}

/** The CLI's `<service> <command>` of a call-table row. */
const cliService = (client: string) => (client === "s3" ? "s3api" : client);
const cliCommand = (operation: string) =>
  operation
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([a-zA-Z])(V\d+)$/, "$1-$2")
    .toLowerCase();

/** Call-table operations not read through the CLI below, and why. */
const EXEMPT: Record<string, string> = {
  "bedrock-mantle ListModels": "bedrock-mantle has no AWS CLI commands (OpenAI-compatible HTTP API, signed by hand)",
  "bedrock-mantle ListProjects": "bedrock-mantle has no AWS CLI commands (OpenAI-compatible HTTP API, signed by hand)",
  "bedrock-mantle CreateInference":
    "bedrock-mantle has no AWS CLI commands (OpenAI-compatible HTTP API, signed by hand)",
  "s3 ListObjectsV2": "compared in its own test below (the trail bucket's owner)",
  "s3 GetObject": "compared in its own test below (the CLI writes the body to a file)",
  "s3 PutObject": "compared in its own test below (the CLI reads the body from a file)",
};
/** Call-table writes: made through both clients in fresh sandboxes and compared by effect (writes test). */
const WRITTEN = new Set([
  "organizations CreatePolicy",
  "organizations UpdatePolicy",
  "organizations AttachPolicy",
  "organizations DetachPolicy",
  "organizations DeletePolicy",
  "bedrock CreateFoundationModelAgreement",
  "bedrock DeleteFoundationModelAgreement",
  "bedrock PutUseCaseForModelAccess",
  "bedrock PutAccountDataRetention",
  "license-manager CreateGrant",
  "license-manager CreateGrantVersion",
  "license-manager DeleteGrant",
]);
/** Every (client, operation) of the call table, once. */
const OPERATIONS = [...new Set(CALL_TABLE.map((r) => `${r.client} ${r.operation}`))].sort();

/** The read cases: one per call-table operation neither written nor exempt, with its input. */
function cases(root: string, ou: string, trailArn: string, grantArn: string): { cases: Case[]; missing: string[] } {
  const lookup = {
    LookupAttributes: [{ AttributeKey: "EventSource" as const, AttributeValue: "bedrock.amazonaws.com" }],
    StartTime: "2026-11-18T00:00:00Z",
    EndTime: END,
    MaxResults: 5,
  };
  const simulate = {
    PolicySourceArn: `arn:aws:iam::${DEV}:role/OrganizationAccountAccessRole`,
    ActionNames: ["bedrock:InvokeModel", "organizations:LeaveOrganization"],
    ResourceArns: ["*"],
  };
  const inputs: Record<string, Omit<Case, "service" | "command">> = {
    "organizations DescribeOrganization": { input: {}, as: "base" },
    "organizations ListRoots": { input: {}, as: "base" },
    "organizations ListAccounts": { input: { MaxResults: 5 }, as: "base" },
    "organizations ListOrganizationalUnitsForParent": { input: { ParentId: root }, as: "base" },
    "organizations ListAccountsForParent": { input: { ParentId: ou }, as: "base" },
    "organizations ListParents": { input: { ChildId: DEV }, as: "base" },
    "organizations ListPolicies": { input: { Filter: "SERVICE_CONTROL_POLICY" }, as: "base" },
    "organizations DescribePolicy": { input: { PolicyId: "p-FullAWSAccess" }, as: "base" },
    "organizations ListPoliciesForTarget": { input: { TargetId: root, Filter: "SERVICE_CONTROL_POLICY" }, as: "base" },
    "organizations ListTargetsForPolicy": { input: { PolicyId: "p-FullAWSAccess" }, as: "base" },
    // The member role, assumed with the base credentials: fresh credentials each time, so shapes compare.
    "sts AssumeRole": {
      input: { RoleArn: `arn:aws:iam::${DEV}:role/OrganizationAccountAccessRole`, RoleSessionName: "cli-conformance" },
      as: "base",
      compare: "shape",
    },
    "sts GetCallerIdentity": { input: {}, as: "member" },
    "cloudtrail LookupEvents": {
      input: lookup,
      sdk: (c) =>
        c.cloudtrail.send(
          new LookupEventsCommand({ ...lookup, StartTime: new Date(lookup.StartTime), EndTime: new Date(END) }),
        ),
      as: "member",
    },
    "cloudtrail DescribeTrails": { input: {}, as: "base" },
    // The organization trail's event selectors, read in the management account (call table).
    "cloudtrail GetEventSelectors": { input: { TrailName: trailArn }, as: "management" },
    "iam SimulatePrincipalPolicy": { input: simulate, as: "member" },
    "iam GetRole": { input: { RoleName: "OrganizationAccountAccessRole" }, as: "member" },
    "iam ListServiceSpecificCredentials": {
      input: { ServiceName: "bedrock.amazonaws.com", AllUsers: true },
      as: "member",
    },
    "bedrock ListFoundationModels": { input: {}, as: "member" },
    "bedrock GetFoundationModelAvailability": { input: { modelId: CLAUDE }, as: "member" },
    "bedrock ListFoundationModelAgreementOffers": { input: { modelId: CLAUDE }, as: "member" },
    "bedrock GetUseCaseForModelAccess": { input: {}, as: "member" },
    "bedrock GetAccountDataRetention": { input: {}, as: "member" },
    "bedrock ListInferenceProfiles": { input: {}, as: "member" },
    "bedrock GetModelInvocationLoggingConfiguration": { input: {}, as: "member" },
    "bedrock ListEnforcedGuardrailsConfiguration": { input: {}, as: "member" },
    "bedrock-runtime Converse": {
      input: {
        modelId: NOVA,
        messages: [{ role: "user", content: [{ text: "Say hi." }] }],
        inferenceConfig: { maxTokens: 16 },
      },
      as: "member",
    },
    "license-manager ListReceivedGrants": { input: { MaxResults: 100 }, as: "member" },
    "license-manager ListReceivedLicenses": { input: { MaxResults: 100 }, as: "member" },
    "license-manager ListDistributedGrants": { input: { MaxResults: 100 }, as: "management" },
    "license-manager GetGrant": { input: { GrantArn: grantArn }, as: "management" },
  };
  const out: Case[] = [];
  const missing: string[] = [];
  for (const op of OPERATIONS) {
    if (op in EXEMPT || WRITTEN.has(op)) continue;
    const [client, operation] = op.split(" ") as [string, string];
    const c = inputs[op];
    if (c === undefined) missing.push(op);
    else out.push({ service: cliService(client), command: cliCommand(operation), ...c });
  }
  return { cases: out, missing };
}

/** AssumeRole's answer with its fresh credentials (secret and expiry too) replaced by their type. */
const credentialShape = (v: unknown): unknown =>
  shape(
    JSON.parse(JSON.stringify(v), (k, x) =>
      k === "SecretAccessKey" || k === "Expiration" ? `<generated ${typeof x}>` : x,
    ),
  );

/** Generated values (ids, ARNs, tokens, timestamps) replaced by their type: what two sandboxes may answer differently. */
function shape(v: unknown, key = ""): unknown {
  if (/(Id|Arn|ARN|Token)$/.test(key) && typeof v === "string") return "<generated string>";
  if (/(Time|Date|Timestamp|At)$/.test(key) && typeof v === "number") return "<time>";
  if (Array.isArray(v)) return v.map((x) => shape(x, key));
  if (v !== null && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x, k)]));
  return v;
}

describe.skipIf(CLI === undefined && !required)("the AWS CLI and the JavaScript SDK read the sandbox alike", () => {
  it("finds the CLI (REQUIRE_AWS_CLI=1 in CI)", () => {
    expect(CLI, "install Debian's awscli (apt-get install awscli)").toBeDefined();
  });

  it("every read operation both clients know decodes to the same answer", async () => {
    const base = clients(sandbox);
    const [root] = (await base.organizations.send(new ListRootsCommand({}))).Roots ?? [];
    const ous = await base.organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root?.Id }));
    const ou = ous.OrganizationalUnits?.[0]?.Id as string;
    const trails = await clients(sandbox, management).cloudtrail.send(new DescribeTrailsCommand({}));
    const trailArn = trails.trailList?.[0]?.TrailARN as string;
    expect(trailArn).toBeDefined();
    const distributed = (await sdkSend(sandbox, management, "license-manager", "list-distributed-grants", {})) as {
      Grants?: { GrantArn?: string }[];
    };
    const grantArn = distributed.Grants?.[0]?.GrantArn as string;
    expect(grantArn).toBeDefined();
    const { cases: all, missing } = cases(root?.Id as string, ou, trailArn, grantArn);
    // Every operation of the call table is read here, written in the writes test, or exempt with a reason.
    expect(missing, "call-table operations with neither an input here nor an exemption").toEqual([]);
    expect([...WRITTEN, ...Object.keys(EXEMPT)].filter((op) => !OPERATIONS.includes(op))).toEqual([]);
    expect(all.map((c) => `${c.service} ${c.command}`)).toContain("sts assume-role");
    const differences: string[] = [];
    let ran = 0;
    for (const c of all) {
      if (!(await knows(c.service, c.command))) {
        unknownToCli.add(`${c.service} ${c.command}`);
        continue;
      }
      const creds = c.as === "member" ? member : c.as === "management" ? management : sandbox.baseCredentials;
      let fromCli: unknown;
      try {
        fromCli = normalize(await cli(c.service, c.command, c.input, creds));
      } catch (err) {
        const stderr = String((err as { stderr?: string }).stderr ?? err);
        // An older CLI's model may lack a parameter AWS added since (IAM AllUsers): not the sandbox's doing.
        if (/Unknown parameter in input/.test(stderr)) {
          unknownToCli.add(`${c.service} ${c.command} (${stderr.trim().split("\n").pop()})`);
          continue;
        }
        differences.push(`${c.service} ${c.command}: the CLI failed: ${stderr}`);
        continue;
      }
      ran++;
      const fromSdk = normalize(
        await (c.sdk ? c.sdk(clients(sandbox, creds)) : sdkSend(sandbox, creds, c.service, c.command, c.input)),
      );
      // Debian's CLI carries 2023 service models: a field AWS added since (Organizations `State`)
      // is not decoded by it, and it drops pagination flags it consumes (`IsTruncated`). So every
      // field the CLI decodes must equal the SDK's, and the SDK may know more.
      try {
        if (c.compare === "shape") expect(credentialShape(fromSdk)).toEqual(credentialShape(fromCli));
        else expect(fromSdk).toMatchObject(fromCli as object);
        expect(Object.keys(fromCli as object).length).toBeGreaterThan(0);
      } catch {
        differences.push(`${c.service} ${c.command}: CLI ${JSON.stringify(fromCli)} vs SDK ${JSON.stringify(fromSdk)}`);
      }
    }
    expect(differences).toEqual([]);
    // Every case ran, or the CLI's models lack it (listed below); the CLI left none out for another reason.
    expect(
      ran + [...unknownToCli].filter((u) => all.some((c) => u.startsWith(`${c.service} ${c.command}`))).length,
    ).toBe(all.length);
    expect(ran).toBeGreaterThan(0);
    if (unknownToCli.size > 0) console.info(`operations this CLI (${CLI}) does not know, left out:`, [...unknownToCli]);
  }, 300_000);

  it("S3: the organization trail's listing is the same through both", async () => {
    const bucket = sandbox.state.trail.bucket;
    const owner = await assumeMember(sandbox, sandbox.state.trail.bucketAccount);
    const fromCli = normalize(await cli("s3api", "list-objects-v2", { Bucket: bucket, MaxKeys: 5 }, owner)) as {
      Contents?: unknown[];
    };
    const fromSdk = normalize(
      await clients(sandbox, owner).s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 5 })),
    ) as { Contents?: unknown[] };
    expect(fromCli.Contents?.length).toBeGreaterThan(0);
    expect(fromCli.Contents).toEqual(fromSdk.Contents);
  }, 120_000);

  it("S3 GetObject: the same bytes and the same metadata", async () => {
    const bucket = sandbox.state.trail.bucket;
    const owner = await assumeMember(sandbox, sandbox.state.trail.bucketAccount);
    const s3 = clients(sandbox, owner).s3;
    const listing = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }));
    const key = listing.Contents?.[0]?.Key as string;
    expect(key).toBeDefined();
    const dir = mkdtempSync(path.join(tmpdir(), "aws-cli-"));
    try {
      const outfile = path.join(dir, "object");
      const fromCli = normalize(
        // CLI v1 checks get-object's required options before reading --cli-input-json.
        await cli("s3api", "get-object", null, owner, sandbox, ["--bucket", bucket, "--key", key, outfile]),
      );
      const { Body, ...metadata } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const bytes = Buffer.from((await Body?.transformToByteArray()) ?? []);
      expect(bytes.length).toBeGreaterThan(0);
      expect(readFileSync(outfile).equals(bytes)).toBe(true);
      expect(normalize(metadata)).toMatchObject(fromCli as object);
      expect(Object.keys(fromCli as object)).toContain("ContentLength");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("S3 PutObject: both clients store the same bytes and get the same ETag", async () => {
    // A report delivered to a schedule's bucket (any bucket but the trail's takes objects).
    const bucket = "governor-reports";
    const owner = await assumeMember(sandbox, sandbox.state.trail.bucketAccount);
    const s3 = clients(sandbox, owner).s3;
    const dir = mkdtempSync(path.join(tmpdir(), "aws-cli-"));
    try {
      const file = path.join(dir, "report.pdf");
      const bytes = Buffer.from("%PDF-1.7 conformance report\n");
      writeFileSync(file, bytes);
      const fromCli = normalize(
        await cli("s3api", "put-object", null, owner, sandbox, [
          "--bucket",
          bucket,
          "--key",
          "cli/report.pdf",
          "--body",
          file,
        ]),
      ) as { ETag?: string };
      const fromSdk = normalize(
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "sdk/report.pdf", Body: bytes })),
      ) as { ETag?: string };
      expect(fromCli.ETag).toBeDefined();
      expect(fromCli.ETag).toBe(fromSdk.ETag);
      for (const key of ["cli/report.pdf", "sdk/report.pdf"]) {
        const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        expect(Buffer.from((await Body?.transformToByteArray()) ?? []).equals(bytes), key).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("every write both clients know changes the sandbox alike", async () => {
    const knowsAll = async (service: string, commands: string[]) => {
      let all = true;
      for (const command of commands)
        if (!(await knows(service, command))) {
          unknownToCli.add(`${service} ${command}`);
          all = false;
        }
      return all;
    };
    // The same changes, through the CLI in one fresh sandbox and through the SDK in another: the
    // answers have the same shape (equal but for generated ids and timestamps), and so do the reads
    // that show the changes took effect.
    const viaCli = await startSandbox({ scenario: scenario(), port: 0 });
    const viaSdk = await startSandbox({ scenario: scenario(), port: 0 });
    try {
      const runAll = async (
        at: Sandbox,
        send: (s: string, c: string, i: object, cr: Credentials) => Promise<unknown>,
      ) => {
        const log: [string, unknown][] = [];
        const step = async (service: string, command: string, input: object, creds: Credentials) => {
          const out = normalize(await send(service, command, input, creds)) as Record<string, unknown>;
          log.push([`${service} ${command}`, out]);
          return out;
        };
        const base = at.baseCredentials;
        const prod = await assumeMember(at, PROD);
        const mgmt = await assumeMember(at, MGMT);
        const ouId = "ou-ab12-aaaaaaaa";
        // Organizations: an SCP created, changed, attached, detached and deleted.
        const content = JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Deny",
              Action: "bedrock:InvokeModel",
              Resource: "arn:aws:bedrock:*::foundation-model/deepseek.*",
            },
          ],
        });
        const created = await step(
          "organizations",
          "create-policy",
          { Name: "DenyDeepSeek", Description: "deny DeepSeek", Content: content, Type: "SERVICE_CONTROL_POLICY" },
          base,
        );
        const policyId = (created.Policy as { PolicySummary: { Id: string } }).PolicySummary.Id;
        await step("organizations", "update-policy", { PolicyId: policyId, Description: "deny DeepSeek models" }, base);
        await step("organizations", "attach-policy", { PolicyId: policyId, TargetId: ouId }, base);
        await step("organizations", "list-targets-for-policy", { PolicyId: policyId }, base);
        await step(
          "organizations",
          "list-policies-for-target",
          { TargetId: ouId, Filter: "SERVICE_CONTROL_POLICY" },
          base,
        );
        await step("organizations", "detach-policy", { PolicyId: policyId, TargetId: ouId }, base);
        await step("organizations", "list-targets-for-policy", { PolicyId: policyId }, base);
        await step("organizations", "delete-policy", { PolicyId: policyId }, base);
        await step("organizations", "list-policies", { Filter: "SERVICE_CONTROL_POLICY" }, base);
        if (
          await knowsAll("bedrock", [
            "create-foundation-model-agreement",
            "delete-foundation-model-agreement",
            "put-use-case-for-model-access",
          ])
        ) {
          // Bedrock: a Marketplace agreement made and withdrawn, the Anthropic use-case form filed.
          const offers = await step("bedrock", "list-foundation-model-agreement-offers", { modelId: CLAUDE }, prod);
          const offerToken = (offers.offers as { offerToken: string }[])[0]?.offerToken;
          await step("bedrock", "create-foundation-model-agreement", { modelId: CLAUDE, offerToken }, prod);
          await step("bedrock", "get-foundation-model-availability", { modelId: CLAUDE }, prod);
          await step("bedrock", "delete-foundation-model-agreement", { modelId: CLAUDE }, prod);
          await step("bedrock", "get-foundation-model-availability", { modelId: CLAUDE }, prod);
          await step("bedrock", "put-use-case-for-model-access", { formData: USE_CASE }, prod);
          await step("bedrock", "get-use-case-for-model-access", {}, prod);
        }
        if (await knowsAll("bedrock", ["put-account-data-retention", "get-account-data-retention"])) {
          // The account's data-retention mode set, then read back.
          await step("bedrock", "put-account-data-retention", { mode: "none" }, prod);
          await step("bedrock", "get-account-data-retention", {}, prod);
        }
        if (await knowsAll("license-manager", ["create-grant", "create-grant-version", "delete-grant", "get-grant"])) {
          // License Manager, in the management account: a grant to PROD created, activated, revoked.
          const grants = await step("license-manager", "list-distributed-grants", { MaxResults: 100 }, mgmt);
          const licenseArn = (grants.Grants as { LicenseArn: string }[])[0]?.LicenseArn;
          const grant = await step(
            "license-manager",
            "create-grant",
            {
              ClientToken: "cli-conformance-grant-1",
              GrantName: "claude-for-prod",
              LicenseArn: licenseArn,
              Principals: [`arn:aws:iam::${PROD}:root`],
              HomeRegion: "us-east-1",
              AllowedOperations: [
                "CheckoutLicense",
                "CheckInLicense",
                "ExtendConsumptionLicense",
                "ListPurchasedLicenses",
              ],
            },
            mgmt,
          );
          const grantArn = grant.GrantArn as string;
          const version = await step(
            "license-manager",
            "create-grant-version",
            { GrantArn: grantArn, Status: "ACTIVE", ClientToken: "cli-conformance-grant-2" },
            mgmt,
          );
          await step("license-manager", "get-grant", { GrantArn: grantArn }, mgmt);
          await step("license-manager", "list-received-grants", { MaxResults: 100 }, prod);
          await step("license-manager", "delete-grant", { GrantArn: grantArn, Version: version.Version }, mgmt);
          await step("license-manager", "list-distributed-grants", { MaxResults: 100 }, mgmt);
          await step("license-manager", "list-received-grants", { MaxResults: 100 }, prod);
        }
        return log;
      };
      const fromCli = await runAll(viaCli, (s, c, i, cr) => cli(s, c, i, cr, viaCli));
      const fromSdk = await runAll(viaSdk, (s, c, i, cr) =>
        sdkSend(
          viaSdk,
          cr,
          s,
          c,
          s === "bedrock" && c === "put-use-case-for-model-access" ? { formData: Buffer.from(USE_CASE) } : i,
        ),
      );
      expect(fromCli.map(([k]) => k)).toEqual(fromSdk.map(([k]) => k));
      console.info(`writes and reads compared: ${fromCli.map(([k]) => k).join(", ")}`);
      const differences: string[] = [];
      fromCli.forEach(([k, a], n) => {
        const b = fromSdk[n]?.[1];
        try {
          expect(shape(b)).toMatchObject(shape(a) as object);
          expect(Object.keys(shape(b) as object).sort()).toEqual(Object.keys(shape(a) as object).sort());
        } catch {
          differences.push(`step ${n} ${k}: CLI ${JSON.stringify(a)} vs SDK ${JSON.stringify(b)}`);
        }
      });
      expect(differences).toEqual([]);
      // Alike is not enough: the changes took effect (shown by the CLI's reads; the SDK's equal them).
      const after = (k: string, nth = 0) => JSON.stringify(fromCli.filter(([n]) => n === k)[nth]?.[1] ?? null);
      expect(after("organizations list-targets-for-policy", 0)).toContain("ou-ab12-aaaaaaaa");
      expect(after("organizations list-targets-for-policy", 1)).not.toContain("ou-ab12-aaaaaaaa");
      expect(after("organizations list-policies")).not.toContain("DenyDeepSeek");
      if (fromCli.some(([k]) => k === "bedrock put-use-case-for-model-access")) {
        expect(after("bedrock get-foundation-model-availability", 0)).not.toEqual(
          after("bedrock get-foundation-model-availability", 1),
        );
        const form = JSON.parse(after("bedrock get-use-case-for-model-access")) as { formData?: string };
        expect(Buffer.from(form.formData ?? "", "base64").toString("utf8")).toBe(USE_CASE);
      }
      if (fromCli.some(([k]) => k === "bedrock put-account-data-retention"))
        expect(after("bedrock get-account-data-retention")).toContain('"mode":"none"');
      if (fromCli.some(([k]) => k === "license-manager create-grant")) {
        expect(after("license-manager get-grant")).toContain('"GrantStatus":"ACTIVE"');
        expect(after("license-manager list-received-grants", 0)).toContain("claude-for-prod");
        expect(after("license-manager list-distributed-grants", 1)).toContain('"GrantStatus":"DELETED"');
        expect(after("license-manager list-received-grants", 1)).not.toContain("claude-for-prod");
      }
    } finally {
      await viaCli.close();
      await viaSdk.close();
    }
  }, 600_000);
});
