// AWS Organizations (awsJson1_1): the organization tree, accounts, and SCP / BEDROCK_POLICY
// management with the real limits and error names.
import { randomBytes } from "node:crypto";
import type { CallContext, ServiceModule } from "../context.js";
import { AwsError } from "../errors.js";
import { paginate } from "../pagination.js";
import { PolicyDocumentError, parsePolicyDocument } from "../policy-evaluator.js";
import { jsonOperation, parseJsonBody } from "../protocols/json.js";
import type { OrgPolicy, SandboxAccount, SandboxState } from "../state.js";
import { describeEffectivePolicy } from "./organizations-effective.js";

const TARGET = "AWSOrganizationsV20161128";
const CONTENT_LIMITS: Record<OrgPolicy["type"], number> = { SERVICE_CONTROL_POLICY: 5120, BEDROCK_POLICY: 10000 };
const POLICY_TYPES = new Set(Object.keys(CONTENT_LIMITS));
const MAX_POLICIES_PER_TARGET = 5;

// Organizations answers every client error with HTTP 400 (each operation's "Errors" section in the
// AWS Organizations API Reference, e.g. API_AttachPolicy.html: AccessDeniedException,
// PolicyNotFoundException, ConstraintViolationException … "HTTP Status Code: 400").
const err = (code: string, status: number, message: string, fields: Record<string, unknown> = {}) =>
  new AwsError(code, message, status, fields);
const invalidInput = (reason: string, message: string) =>
  err("InvalidInputException", 400, message, { Reason: reason });
const invalidToken = () => invalidInput("INVALID_PAGINATION_TOKEN", "The specified pagination token isn't valid.");

function str(input: Record<string, unknown>, key: string, required: true): string;
function str(input: Record<string, unknown>, key: string, required?: false): string | undefined;
function str(input: Record<string, unknown>, key: string, required = false): string | undefined {
  const v = input[key];
  if (v === undefined || v === null) {
    if (required) throw invalidInput("INPUT_REQUIRED", `You must specify a value for ${key}.`);
    return undefined;
  }
  if (typeof v !== "string") throw invalidInput("INVALID_INPUT", `${key} must be a string.`);
  return v;
}

function pageSize(input: Record<string, unknown>, max: number): number {
  const v = input.MaxResults;
  if (v === undefined || v === null) return max;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1)
    throw invalidInput("MIN_VALUE_EXCEEDED", "MaxResults must be at least 1.");
  if (v > max) throw invalidInput("MAX_VALUE_EXCEEDED", `MaxResults must be at most ${max}.`);
  return v;
}

const epoch = (d: Date) => d.getTime() / 1000;

function accountShape(a: SandboxAccount) {
  const legacyStatus =
    a.state === "ACTIVE" || a.state === "SUSPENDED" || a.state === "PENDING_CLOSURE" ? a.state : undefined;
  return {
    Id: a.id,
    Arn: a.arn,
    Email: a.email,
    Name: a.name,
    State: a.state,
    ...(legacyStatus !== undefined ? { Status: legacyStatus } : {}),
    JoinedMethod: a.joinedMethod,
    JoinedTimestamp: epoch(a.joinedTimestamp),
  };
}

const policySummary = (p: OrgPolicy) => ({
  Id: p.id,
  Arn: p.arn,
  Name: p.name,
  Description: p.description,
  Type: p.type,
  AwsManaged: p.awsManaged,
});

function targetShape(state: SandboxState, id: string) {
  if (id === state.organization.rootId)
    return { TargetId: id, Arn: state.organization.rootArn, Name: "Root", Type: "ROOT" };
  const ou = state.ous.get(id);
  if (ou !== undefined) return { TargetId: id, Arn: ou.arn, Name: ou.name, Type: "ORGANIZATIONAL_UNIT" };
  const acct = state.accounts.get(id);
  if (acct !== undefined) return { TargetId: id, Arn: acct.arn, Name: acct.name, Type: "ACCOUNT" };
  return undefined;
}

function requirePolicy(state: SandboxState, id: string): OrgPolicy {
  const p = state.policies.get(id);
  if (p === undefined)
    throw err("PolicyNotFoundException", 400, "We can't find a policy with the PolicyId that you specified.");
  return p;
}

function requireTarget(state: SandboxState, id: string): void {
  if (targetShape(state, id) === undefined)
    throw err(
      "TargetNotFoundException",
      400,
      "We can't find a root, OU, account, or email address that you specified.",
    );
}

function requireParent(state: SandboxState, id: string): void {
  if (id !== state.organization.rootId && !state.ous.has(id))
    throw err("ParentNotFoundException", 400, "We can't find a root or OU with the ParentId that you specified.");
}

function requirePolicyType(input: Record<string, unknown>, key: string): OrgPolicy["type"] {
  const t = str(input, key, true);
  if (!POLICY_TYPES.has(t)) {
    // Valid Organizations policy types the sandbox does not model are simply not enabled.
    throw err(
      "PolicyTypeNotEnabledException",
      400,
      `This operation can be performed only for enabled policy types: ${t}.`,
    );
  }
  return t as OrgPolicy["type"];
}

function validateContent(content: string, type: OrgPolicy["type"]): void {
  const limit = CONTENT_LIMITS[type];
  if (content.length > limit) {
    throw err(
      "ConstraintViolationException",
      400,
      `The provided policy document exceeds the ${limit}-character limit.`,
      {
        Reason: "POLICY_CONTENT_LIMIT_EXCEEDED",
      },
    );
  }
  try {
    if (type === "SERVICE_CONTROL_POLICY") parsePolicyDocument(content);
    else JSON.parse(content);
  } catch (e) {
    const detail = e instanceof PolicyDocumentError ? e.message : "invalid JSON";
    throw err(
      "MalformedPolicyDocumentException",
      400,
      `The provided policy document doesn't meet the requirements of the specified policy type: ${detail}.`,
    );
  }
}

function newPolicyId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return `p-${Array.from(randomBytes(8), (b) => alphabet[b % alphabet.length]).join("")}`;
}

/** A delegated administrator reads only the policy types its delegation covers. */
function requireDelegated(state: CallContext["state"], type: string): void {
  const delegated = state.organization.delegatedPolicyTypes;
  if (delegated !== undefined && !delegated.includes(type))
    throw err("AccessDeniedException", 400, "You don't have permissions to access this resource.");
}

function handle(ctx: CallContext): unknown {
  const { state } = ctx;
  const input = parseJsonBody(ctx.body);
  if (ctx.operation === "DescribeEffectivePolicy") return describeEffectivePolicy(ctx, input);
  if (ctx.caller.account !== state.organization.managementAccountId) {
    throw err("AccessDeniedException", 400, "You don't have permissions to access this resource.");
  }
  const emptyPageEvery = ctx.state.emptyPageEvery;
  const page = <T>(items: readonly T[], scope: string, max = 20) =>
    paginate(items, {
      scope: `${ctx.operation}:${scope}`,
      token: str(input, "NextToken"),
      pageSize: pageSize(input, max),
      emptyPageEvery,
      invalid: invalidToken,
    });

  switch (ctx.operation) {
    case "DescribeOrganization": {
      const o = state.organization;
      return {
        Organization: {
          Id: o.id,
          Arn: o.arn,
          FeatureSet: "ALL",
          MasterAccountArn: o.managementAccountArn,
          MasterAccountId: o.managementAccountId,
          MasterAccountEmail: o.managementAccountEmail,
          AvailablePolicyTypes: [...POLICY_TYPES].map((Type) => ({ Type, Status: "ENABLED" })),
        },
      };
    }
    case "ListRoots": {
      const o = state.organization;
      return {
        Roots: [
          {
            Id: o.rootId,
            Arn: o.rootArn,
            Name: "Root",
            PolicyTypes: [...POLICY_TYPES].map((Type) => ({ Type, Status: "ENABLED" })),
          },
        ],
      };
    }
    case "ListAccounts": {
      const { page: items, nextToken } = page([...state.accounts.values()], "all");
      return { Accounts: items.map(accountShape), NextToken: nextToken };
    }
    case "ListAccountsForParent": {
      const parent = str(input, "ParentId", true);
      requireParent(state, parent);
      const children = [...state.accounts.values()].filter((a) => a.parentId === parent);
      const { page: items, nextToken } = page(children, parent);
      return { Accounts: items.map(accountShape), NextToken: nextToken };
    }
    case "ListOrganizationalUnitsForParent": {
      const parent = str(input, "ParentId", true);
      requireParent(state, parent);
      const children = [...state.ous.values()].filter((o) => o.parentId === parent);
      const { page: items, nextToken } = page(children, parent);
      return { OrganizationalUnits: items.map((o) => ({ Id: o.id, Arn: o.arn, Name: o.name })), NextToken: nextToken };
    }
    case "ListParents": {
      const child = str(input, "ChildId", true);
      const parentId = state.accounts.get(child)?.parentId ?? state.ous.get(child)?.parentId;
      if (parentId === undefined)
        throw err(
          "ChildNotFoundException",
          400,
          "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
        );
      return {
        Parents: [{ Id: parentId, Type: parentId === state.organization.rootId ? "ROOT" : "ORGANIZATIONAL_UNIT" }],
      };
    }
    case "ListPolicies": {
      const type = requirePolicyType(input, "Filter");
      requireDelegated(state, type);
      const list = [...state.policies.values()].filter((p) => p.type === type);
      const { page: items, nextToken } = page(list, type);
      return { Policies: items.map(policySummary), NextToken: nextToken };
    }
    case "ListPoliciesForTarget": {
      const target = str(input, "TargetId", true);
      const type = requirePolicyType(input, "Filter");
      requireDelegated(state, type);
      requireTarget(state, target);
      const list = [...state.policies.values()].filter((p) => p.type === type && p.targets.has(target));
      const { page: items, nextToken } = page(list, `${target}:${type}`);
      return { Policies: items.map(policySummary), NextToken: nextToken };
    }
    case "ListTargetsForPolicy": {
      const policy = requirePolicy(state, str(input, "PolicyId", true));
      const targets = [...policy.targets].map((t) => targetShape(state, t)).filter((t) => t !== undefined);
      const { page: items, nextToken } = page(targets, policy.id);
      return { Targets: items, NextToken: nextToken };
    }
    case "DescribePolicy": {
      const policy = requirePolicy(state, str(input, "PolicyId", true));
      return { Policy: { PolicySummary: policySummary(policy), Content: policy.content } };
    }
    case "CreatePolicy": {
      const name = str(input, "Name", true);
      const description = str(input, "Description") ?? "";
      const content = str(input, "Content", true);
      const type = requirePolicyType(input, "Type");
      validateContent(content, type);
      if ([...state.policies.values()].some((p) => p.type === type && p.name === name))
        throw err("DuplicatePolicyException", 400, "A policy with the same name already exists.");
      const id = newPolicyId();
      const policy: OrgPolicy = {
        id,
        arn: `arn:aws:organizations::${state.organization.managementAccountId}:policy/${state.organization.id}/${type.toLowerCase()}/${id}`,
        name,
        description,
        type,
        awsManaged: false,
        content,
        targets: new Set(),
      };
      state.policies.set(id, policy);
      return { Policy: { PolicySummary: policySummary(policy), Content: content } };
    }
    case "UpdatePolicy": {
      const policy = requirePolicy(state, str(input, "PolicyId", true));
      if (policy.awsManaged) throw err("AccessDeniedException", 400, "You can't modify an AWS managed policy.");
      const content = str(input, "Content");
      if (content !== undefined) validateContent(content, policy.type);
      const name = str(input, "Name");
      if (
        name !== undefined &&
        [...state.policies.values()].some((p) => p !== policy && p.type === policy.type && p.name === name)
      )
        throw err("DuplicatePolicyException", 400, "A policy with the same name already exists.");
      if (name !== undefined) policy.name = name;
      const description = str(input, "Description");
      if (description !== undefined) policy.description = description;
      if (content !== undefined) policy.content = content;
      return { Policy: { PolicySummary: policySummary(policy), Content: policy.content } };
    }
    case "AttachPolicy": {
      const policy = requirePolicy(state, str(input, "PolicyId", true));
      const target = str(input, "TargetId", true);
      requireTarget(state, target);
      if (policy.targets.has(target))
        throw err(
          "DuplicatePolicyAttachmentException",
          400,
          "The selected policy is already attached to the specified target.",
        );
      // AWS allows at most 5 policies of one type on a root, OU or account; the reason is
      // MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED (POLICY_NUMBER_LIMIT_EXCEEDED is the organization's
      // total number of policies): ConstraintViolationException, Organizations API Reference.
      const attached = [...state.policies.values()].filter((p) => p.type === policy.type && p.targets.has(target));
      if (attached.length >= MAX_POLICIES_PER_TARGET)
        throw err(
          "ConstraintViolationException",
          400,
          "You attempted to exceed the number of policies of a certain type that can be attached to an entity at one time.",
          { Reason: "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED" },
        );
      policy.targets.add(target);
      return {};
    }
    case "DeletePolicy": {
      const policy = requirePolicy(state, str(input, "PolicyId", true));
      if (policy.awsManaged) throw err("AccessDeniedException", 400, "You can't delete an AWS managed policy.");
      if (policy.targets.size > 0)
        throw err(
          "PolicyInUseException",
          400,
          "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.",
        );
      state.policies.delete(policy.id);
      return {};
    }
    case "DetachPolicy": {
      const policy = requirePolicy(state, str(input, "PolicyId", true));
      const target = str(input, "TargetId", true);
      requireTarget(state, target);
      if (!policy.targets.has(target))
        throw err(
          "PolicyNotAttachedException",
          400,
          "The policy isn't attached to the specified target in the specified root.",
        );
      // Every root, OU and account must keep at least one SCP, as in AWS.
      const remaining = [...state.policies.values()].filter(
        (p) => p !== policy && p.type === "SERVICE_CONTROL_POLICY" && p.targets.has(target),
      );
      if (policy.type === "SERVICE_CONTROL_POLICY" && remaining.length === 0) {
        throw err("ConstraintViolationException", 400, "You can't detach the last SCP from a target.", {
          Reason: "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
        });
      }
      policy.targets.delete(target);
      return {};
    }
    default:
      throw err("UnknownOperationException", 400, `The sandbox does not implement Organizations ${ctx.operation}.`);
  }
}

export function createOrganizationsService(): ServiceModule {
  return {
    name: "organizations",
    protocol: "json",
    resolveOperation: (req) => jsonOperation(req.headers, TARGET),
    handle: (ctx) => ({ body: handle(ctx) }),
  };
}
