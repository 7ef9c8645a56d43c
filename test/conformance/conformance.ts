// The AWS conformance suite (run by the *.test.ts files beside it): for every operation in the call table, a fixture transcribed from
// AWS's API reference (fixtures/<client>/<Operation>.yaml, page named in each) is
//   (a) served to the service's own AWS layer (real SDK clients, the service's parsing) by a local
//       endpoint: the parsed result must equal the fixture's, and the request must carry what AWS
//       documents (target, path, parameters);
//   (b) compared with the sandbox's answer to the same call: whatever AWS documents in the
//       response, the sandbox answers too, with the same types;
//   (c) answered with each documented error: the service names the fixture's gate, and retries
//       exactly the errors that are retried (the SDK's throttling and 5xx, Organizations' "try
//       again later").
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwsAccess } from "../../src/aws/aws-access.js";
import { AwsGateError } from "../../src/aws/errors.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { sandboxAwsAccess } from "../helpers/sandbox-access.js";
import { type Fixture, isSubset, loadFixtures, missingFrom, plain, shapeOf } from "./fixture.js";
import {
  errorReply,
  type FixtureServer,
  type SeenRequest,
  startFixtureServer,
  successReply,
} from "./fixture-server.js";
import { CONFORMANCE_MANAGEMENT, CONFORMANCE_MEMBER, conformanceScenario } from "./scenario.js";

export const fixtures = loadFixtures();
/** The account and Region the fixtures are answered for (AWS's documentation examples use 123456789012). */
const FIXTURE_ACCOUNT = "123456789012";
const REGION = "us-east-1";

/** The SigV4 signing name of each client (bedrock-runtime signs as `bedrock`). */
const SIGNING_NAME: Record<string, string> = {
  organizations: "organizations",
  sts: "sts",
  bedrock: "bedrock",
  "bedrock-runtime": "bedrock",
  "bedrock-mantle": "bedrock-mantle",
  cloudtrail: "cloudtrail",
  s3: "s3",
  iam: "iam",
  "license-manager": "license-manager",
};

function access(
  url: string,
  memberRoleName: string,
  baseCredentials: { accessKeyId: string; secretAccessKey: string },
  externalId?: string,
): AwsAccess {
  return sandboxAwsAccess({ url, memberRoleName, externalId, baseCredentials }, { requestTimeoutMs: 10_000 });
}

/** The API object a fixture's call goes through, in `account`. */
function apiOf(aws: AwsAccess, f: Fixture, account: string): Record<string, (...args: unknown[]) => Promise<unknown>> {
  const a = () => aws.account(account);
  const apis: Record<Fixture["call"]["api"], () => unknown> = {
    organizations: () => aws.organizations(),
    identity: () => aws.identity.base(),
    sts: () => a().sts(REGION),
    bedrock: () => a().bedrock(REGION),
    runtime: () => a().runtime(REGION),
    mantle: () => a().mantle(REGION),
    cloudtrail: () => a().cloudtrail(REGION),
    s3: () => a().s3(REGION),
    iam: () => a().iam(),
    licenseManager: () => a().licenseManager(),
    // AssumeRole of the member role in the account given (credentials are cached per account).
    credentials: () => ({ assume: (id: unknown) => aws.credentials.forAccount(String(id))() }),
  };
  return apis[f.call.api]() as Record<string, (...args: unknown[]) => Promise<unknown>>;
}

async function invoke(aws: AwsAccess, f: Fixture, account: string, args: unknown[]): Promise<unknown> {
  const api = apiOf(aws, f, account);
  const method = api[f.call.method];
  if (typeof method !== "function") throw new Error(`${f.file}: ${f.call.api} has no method ${f.call.method}`);
  return method.apply(api, args);
}

function checkRequest(f: Fixture, seen: SeenRequest[]) {
  const r = seen[0];
  expect(r, `${f.file}: the service sent no request`).toBeDefined();
  if (r === undefined) return;
  expect(r.signingService, `${f.file}: SigV4 signing name`).toBe(SIGNING_NAME[f.client]);
  const want = f.request;
  if (want === undefined) return;
  if (want.method) expect(r.method, `${f.file}: method`).toBe(want.method);
  if (want.path) {
    if (want.path.startsWith("^")) expect(r.path, `${f.file}: path`).toMatch(new RegExp(want.path));
    else expect(r.path, `${f.file}: path`).toBe(want.path);
  }
  if (want.target) expect(r.headers["x-amz-target"], `${f.file}: X-Amz-Target`).toBe(want.target);
  if (want.query) expect(r.query, `${f.file}: query`).toMatchObject(want.query);
  if (want.form) expect(Object.fromEntries(new URLSearchParams(r.body)), `${f.file}: form`).toMatchObject(want.form);
  if (want.json) {
    const body = JSON.parse(r.body || "{}") as unknown;
    expect(isSubset(want.json, body), `${f.file}: JSON body ${r.body} lacks ${JSON.stringify(want.json)}`).toBe(true);
  }
}

/** The suite for the fixtures of these clients (one test file per group runs them in parallel). */
export function conformanceSuite(clients: readonly string[]) {
  let server: FixtureServer;
  let fx: AwsAccess;
  beforeAll(async () => {
    server = await startFixtureServer();
    fx = access(server.url, "GovernorRole", {
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
    });
  });
  afterAll(async () => server?.close());

  describe.each(fixtures.filter((f) => clients.includes(f.client)).map((f) => [f.file, f] as const))(
    "%s",
    (_file, f) => {
      it("the service decodes AWS's documented response and sends the documented request", async () => {
        server.answer([successReply(f)], { assumeRoleToo: f.operation === "AssumeRole" });
        const out = await invoke(fx, f, FIXTURE_ACCOUNT, f.call.args ?? []);
        expect(plain(out)).toEqual(f.expect);
        checkRequest(f, server.seen());
      });

      it.skipIf(f.sandbox.skip !== undefined)("the sandbox answers the same call with what AWS documents", async () => {
        let sandbox: Sandbox | undefined;
        try {
          sandbox = await startSandbox({ scenario: conformanceScenario(), port: 0 });
          const sb = access(sandbox.url, sandbox.memberRoleName, sandbox.baseCredentials, sandbox.externalId);
          const account = f.call.account === "management" ? CONFORMANCE_MANAGEMENT : CONFORMANCE_MEMBER;
          const out = await invoke(sb, f, account, f.sandbox.args ?? f.call.args ?? []);
          const omit = Object.keys(f.sandbox.mayOmit ?? {});
          const missing = missingFrom(shapeOf(f.expect), shapeOf(plain(out))).filter(
            (m) => !omit.some((o) => m.startsWith(`${o}:`) || m.startsWith(`${o}.`) || m.startsWith(`${o}[`)),
          );
          expect(missing, `the sandbox's answer lacks what AWS documents: ${JSON.stringify(plain(out))}`).toEqual([]);
        } finally {
          await sandbox?.close();
        }
      });

      for (const e of f.errors) {
        it(`${e.code} (${e.status}) is the ${e.gate} gate, ${e.retry === "none" ? "not retried" : `retried (${e.retry})`}`, async () => {
          const assumeRoleToo = f.operation === "AssumeRole";
          if (e.retry === "none") {
            server.answer([errorReply(f, e)], { assumeRoleToo });
            const err = await invoke(fx, f, FIXTURE_ACCOUNT, f.call.args ?? []).then(
              () => undefined,
              (x: unknown) => x,
            );
            expect(err, "the call must fail").toBeInstanceOf(AwsGateError);
            expect((err as AwsGateError).gate).toBe(e.gate);
            expect((err as AwsGateError).awsCode).toBe(e.sdkName ?? e.code);
            expect(server.seen(), "an error that is not retried is sent once").toHaveLength(1);
          } else {
            server.answer([errorReply(f, e), successReply(f)], { assumeRoleToo });
            const out = await invoke(fx, f, FIXTURE_ACCOUNT, f.call.args ?? []);
            expect(plain(out)).toEqual(f.expect);
            expect(server.seen(), "retried once, then answered").toHaveLength(2);
            // And when it persists, the gate says what it was.
            server.answer([errorReply(f, e)], { assumeRoleToo });
            const err = await invoke(fx, f, FIXTURE_ACCOUNT, f.call.args ?? []).then(
              () => undefined,
              (x: unknown) => x,
            );
            expect((err as AwsGateError).gate).toBe(e.gate);
          }
        }, 60_000);
      }
    },
  );
}
