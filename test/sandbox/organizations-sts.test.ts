import {
  AttachPolicyCommand,
  ConstraintViolationException,
  CreatePolicyCommand,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  DuplicatePolicyAttachmentException,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListPoliciesCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
  MalformedPolicyDocumentException,
  AccessDeniedException as OrgAccessDenied,
  ParentNotFoundException,
  PolicyNotAttachedException,
  PolicyNotFoundException,
  paginateListAccounts,
  TargetNotFoundException,
  UpdatePolicyCommand,
} from "@aws-sdk/client-organizations";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { assumeMember, clients, DEV, EXT, errorOf, MGMT, NO_ROLE, PROD, SUSPENDED, smallScenario } from "./helpers.js";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ scenario: smallScenario({ faults: { defaultQuotas: false, emptyPageEvery: 4 } }) });
});
afterAll(async () => sandbox.close());

const roleArn = (account: string, name = "OrganizationAccountAccessRole") => `arn:aws:iam::${account}:role/${name}`;

describe("Organizations", () => {
  it("describes the organization and its root", async () => {
    const { organizations } = clients(sandbox);
    const org = await organizations.send(new DescribeOrganizationCommand({}));
    expect(org.Organization).toMatchObject({ Id: "o-abcdef1234", MasterAccountId: MGMT, FeatureSet: "ALL" });
    const roots = await organizations.send(new ListRootsCommand({}));
    expect(roots.Roots?.[0]?.Id).toBe("r-ab12");
    expect(roots.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("pages accounts at most 20 at a time, with an empty page that still carries NextToken", async () => {
    const { organizations } = clients(sandbox);
    const first = await organizations.send(new ListAccountsCommand({ MaxResults: 20 }));
    // emptyPageEvery 4: the first page ends at the shard boundary, the next one is empty.
    expect(first.Accounts).toHaveLength(4);
    const second = await organizations.send(new ListAccountsCommand({ NextToken: first.NextToken }));
    expect(second.Accounts).toEqual([]);
    expect(second.NextToken).toBeDefined();
    const ids: string[] = [];
    for await (const page of paginateListAccounts({ client: organizations }, {}))
      ids.push(...(page.Accounts ?? []).map((a) => a.Id as string));
    expect(ids).toEqual([MGMT, DEV, PROD, NO_ROLE, EXT, SUSPENDED]);
    const all = await organizations.send(new ListAccountsCommand({ MaxResults: 2 }));
    expect(all.Accounts?.[0]).toMatchObject({ Id: MGMT, State: "ACTIVE", JoinedMethod: "CREATED" });
    expect(all.Accounts?.[0]?.JoinedTimestamp).toBeInstanceOf(Date);
    const bad = await errorOf(() => organizations.send(new ListAccountsCommand({ MaxResults: 21 })));
    expect(bad.name).toBe("InvalidInputException");
  });

  it("walks the tree: OUs, accounts for parent, parents", async () => {
    const { organizations } = clients(sandbox);
    const top = await organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: "r-ab12" }));
    expect(top.OrganizationalUnits?.map((o) => o.Name)).toEqual(["Workloads"]);
    const nested = await organizations.send(
      new ListOrganizationalUnitsForParentCommand({ ParentId: "ou-ab12-aaaaaaaa" }),
    );
    expect(nested.OrganizationalUnits?.map((o) => o.Id)).toEqual(["ou-ab12-bbbbbbbb"]);
    const inProd = await organizations.send(new ListAccountsForParentCommand({ ParentId: "ou-ab12-bbbbbbbb" }));
    expect(inProd.Accounts?.map((a) => a.Id)).toEqual([PROD]);
    const parents = await organizations.send(new ListParentsCommand({ ChildId: "ou-ab12-bbbbbbbb" }));
    expect(parents.Parents).toEqual([{ Id: "ou-ab12-aaaaaaaa", Type: "ORGANIZATIONAL_UNIT" }]);
    const missing = await errorOf(() =>
      organizations.send(new ListAccountsForParentCommand({ ParentId: "ou-ab12-zzzzzzzz" })),
    );
    expect(missing).toBeInstanceOf(ParentNotFoundException);
    expect(missing.$metadata?.httpStatusCode).toBe(400);
  });

  it("creates, updates, attaches and detaches policies with the real limits and errors", async () => {
    const { organizations } = clients(sandbox);
    const content = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Deny", Action: "bedrock:*", Resource: "*" }],
    });
    const created = await organizations.send(
      new CreatePolicyCommand({
        Name: "DenyBedrock",
        Description: "d",
        Content: content,
        Type: "SERVICE_CONTROL_POLICY",
      }),
    );
    const id = created.Policy?.PolicySummary?.Id as string;
    expect(id).toMatch(/^p-[a-z0-9]{8}$/);
    const tooBig = await errorOf(() =>
      organizations.send(
        new CreatePolicyCommand({
          Name: "Big",
          Description: "",
          Content: " ".repeat(5121),
          Type: "SERVICE_CONTROL_POLICY",
        }),
      ),
    );
    expect(tooBig).toBeInstanceOf(ConstraintViolationException);
    expect((tooBig as ConstraintViolationException).Reason).toBe("POLICY_CONTENT_LIMIT_EXCEEDED");
    // BEDROCK_POLICY allows up to 10,000 characters.
    const bedrockPolicy = JSON.stringify({ bedrock: { pad: "x".repeat(6000) } });
    await organizations.send(
      new CreatePolicyCommand({ Name: "Guardrails", Description: "", Content: bedrockPolicy, Type: "BEDROCK_POLICY" }),
    );
    const malformed = await errorOf(() =>
      organizations.send(
        new CreatePolicyCommand({ Name: "Bad", Description: "", Content: "{nope", Type: "SERVICE_CONTROL_POLICY" }),
      ),
    );
    expect(malformed).toBeInstanceOf(MalformedPolicyDocumentException);

    await organizations.send(new AttachPolicyCommand({ PolicyId: id, TargetId: DEV }));
    const dup = await errorOf(() => organizations.send(new AttachPolicyCommand({ PolicyId: id, TargetId: DEV })));
    expect(dup).toBeInstanceOf(DuplicatePolicyAttachmentException);
    const noTarget = await errorOf(() =>
      organizations.send(new AttachPolicyCommand({ PolicyId: id, TargetId: "999999999999" })),
    );
    expect(noTarget).toBeInstanceOf(TargetNotFoundException);
    const targets = await organizations.send(new ListTargetsForPolicyCommand({ PolicyId: id }));
    expect(targets.Targets).toEqual([expect.objectContaining({ TargetId: DEV, Type: "ACCOUNT", Name: "dev" })]);
    const forTarget = await organizations.send(
      new ListPoliciesForTargetCommand({ TargetId: DEV, Filter: "SERVICE_CONTROL_POLICY" }),
    );
    expect(forTarget.Policies?.map((p) => p.Id).sort()).toEqual([id, "p-FullAWSAccess"].sort());

    await organizations.send(new UpdatePolicyCommand({ PolicyId: id, Name: "DenyBedrockEverywhere" }));
    const described = await organizations.send(new DescribePolicyCommand({ PolicyId: id }));
    expect(described.Policy?.PolicySummary?.Name).toBe("DenyBedrockEverywhere");
    expect(described.Policy?.Content).toBe(content);
    expect(sandbox.state.policies.get(id)?.targets.has(DEV)).toBe(true);

    await organizations.send(new DetachPolicyCommand({ PolicyId: id, TargetId: DEV }));
    const notAttached = await errorOf(() =>
      organizations.send(new DetachPolicyCommand({ PolicyId: id, TargetId: DEV })),
    );
    expect(notAttached).toBeInstanceOf(PolicyNotAttachedException);
    const lastScp = await errorOf(() =>
      organizations.send(new DetachPolicyCommand({ PolicyId: "p-FullAWSAccess", TargetId: DEV })),
    );
    expect((lastScp as ConstraintViolationException).Reason).toBe("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED");
    const gone = await errorOf(() => organizations.send(new DescribePolicyCommand({ PolicyId: "p-doesnotexist" })));
    expect(gone).toBeInstanceOf(PolicyNotFoundException);
    const list = await organizations.send(new ListPoliciesCommand({ Filter: "BEDROCK_POLICY" }));
    expect(list.Policies?.map((p) => p.Name)).toEqual(["Guardrails"]);
  });

  it("refuses member accounts", async () => {
    const member = clients(sandbox, await assumeMember(sandbox, DEV));
    const e = await errorOf(() => member.organizations.send(new ListAccountsCommand({})));
    expect(e).toBeInstanceOf(OrgAccessDenied);
    expect(e.$metadata?.httpStatusCode).toBe(400);
  });
});

describe("STS", () => {
  it("identifies the base user and assumed roles", async () => {
    const base = await clients(sandbox).sts.send(new GetCallerIdentityCommand({}));
    expect(base).toMatchObject({ Account: MGMT, Arn: `arn:aws:iam::${MGMT}:user/bedrock-governor` });
    const creds = await assumeMember(sandbox, DEV);
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    const me = await clients(sandbox, creds).sts.send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({
      Account: DEV,
      Arn: `arn:aws:sts::${DEV}:assumed-role/OrganizationAccountAccessRole/governor-test`,
    });
    expect(sandbox.state.sessions.get(creds.accessKeyId)?.account).toBe(DEV);
  });

  it("answers AccessDenied for a missing role, an ExternalId mismatch and suspended accounts", async () => {
    const { sts } = clients(sandbox);
    for (const account of [NO_ROLE, EXT, SUSPENDED]) {
      const e = await errorOf(() =>
        sts.send(new AssumeRoleCommand({ RoleArn: roleArn(account), RoleSessionName: "s1" })),
      );
      expect(e.name).toBe("AccessDenied");
      expect(e.message).toContain("is not authorized to perform: sts:AssumeRole");
      expect(e.$metadata?.httpStatusCode).toBe(403);
    }
    const wrong = await errorOf(() =>
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn(EXT), RoleSessionName: "s1", ExternalId: "wrong-id" })),
    );
    expect(wrong.name).toBe("AccessDenied");
    const ok = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn(EXT), RoleSessionName: "s1", ExternalId: "governor-ext-1" }),
    );
    expect(ok.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${EXT}:assumed-role/OrganizationAccountAccessRole/s1`);
  });

  it("validates session names, durations and the role-chaining limit", async () => {
    const { sts } = clients(sandbox);
    const name = await errorOf(() =>
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn(DEV), RoleSessionName: "bad name!" })),
    );
    expect(name.name).toBe("ValidationError");
    expect(name.$metadata?.httpStatusCode).toBe(400);
    const short = await errorOf(() => sts.send(new AssumeRoleCommand({ RoleArn: roleArn(DEV), RoleSessionName: "x" })));
    expect(short.message).toContain("length greater than or equal to 2");
    const low = await errorOf(() =>
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn(DEV), RoleSessionName: "ok", DurationSeconds: 899 })),
    );
    expect(low.name).toBe("ValidationError");
    const high = await errorOf(() =>
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn(DEV), RoleSessionName: "ok", DurationSeconds: 43201 })),
    );
    expect(high.name).toBe("ValidationError");
    const long = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn(DEV), RoleSessionName: "ok", DurationSeconds: 43200 }),
    );
    expect(long.Credentials?.Expiration).toBeInstanceOf(Date);
    const chained = clients(sandbox, await assumeMember(sandbox, DEV)).sts;
    const e = await errorOf(() =>
      chained.send(new AssumeRoleCommand({ RoleArn: roleArn(PROD), RoleSessionName: "hop", DurationSeconds: 7200 })),
    );
    expect(e.message).toContain("role chaining");
    const hop = await chained.send(
      new AssumeRoleCommand({ RoleArn: roleArn(PROD), RoleSessionName: "hop", DurationSeconds: 3600 }),
    );
    expect(hop.AssumedRoleUser?.Arn).toContain(`${PROD}:assumed-role`);
  });
});
