// TypeBox schemas of the access-request workflow's API.
import { type TSchema, Type } from "typebox";
import { AccountIdSchema, ModelIdSchema, RegionSchema } from "../../kernel/aws-ids.js";
import { ValidationError } from "../../kernel/errors.js";
import { ROLES } from "../../kernel/principal.js";
import {
  ACCESS_REQUEST_STATUSES,
  DATA_CLASSIFICATIONS,
  PROVISION_VIA,
  WEBHOOK_EVENT_TYPES,
} from "../../modules/requests/access-request.types.js";
import { IsoDateTime, Scope, StrictObject } from "../schemas.js";

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const UuidParams = StrictObject({ id: Type.String({ format: "uuid" }) });

export const NewAccessRequestBody = StrictObject({
  accountIds: Type.Array(AccountIdSchema(), { minItems: 1, maxItems: 20, description: "Accounts" }),
  regions: Type.Array(RegionSchema(), { minItems: 1, maxItems: 10, description: "Regions" }),
  model: ModelIdSchema({
    minLength: 3,
    maxLength: 256,
    description: "Model id (`anthropic.claude-…`) or inference profile id (`eu.anthropic.claude-…`)",
  }),
  purpose: Type.String({ minLength: 10, maxLength: 2048, description: "What the model is for" }),
  dataClassification: Type.Enum([...DATA_CLASSIFICATIONS]),
  durationHours: Type.Integer({ minimum: 1, maximum: 87_600, description: "How long access lasts once active" }),
});

const Decision = Type.Object({
  approverId: Type.String(),
  approverName: Type.String(),
  decision: Type.Enum(["approve", "reject"]),
  comment: Nullable(Type.String()),
  createdAt: IsoDateTime(),
});

export const PreflightVerdict = Type.Object(
  {
    accountId: Type.String(),
    region: Type.String(),
    status: Type.Enum(["usable", "opens_on_approval", "blocked", "unknown"], {
      description: "opens_on_approval: only bedrock-governor's own SCPs block it, and provisioning widens them",
    }),
    gate: Nullable(Type.String({ description: "The gate that would still stop the call" })),
    policyId: Nullable(Type.String({ description: "The blocking policy (SCP, IAM, Bedrock policy gates)" })),
    widens: Type.Array(Type.String(), { description: "bedrock-governor's SCPs provisioning would widen" }),
    sentence: Type.String(),
  },
  { title: "AccessRequestPreflight" },
);

export const Grant = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    requestId: Type.String({ format: "uuid" }),
    accountId: Type.String(),
    region: Type.String(),
    modelId: Type.String(),
    profileId: Nullable(Type.String()),
    owner: Type.String(),
    purpose: Type.String(),
    status: Type.Enum(["active", "ended"]),
    validFrom: IsoDateTime(),
    expiresAt: IsoDateTime(),
    endedAt: Nullable(IsoDateTime()),
    endReason: Nullable(Type.String()),
    provisionVia: Type.Enum([...PROVISION_VIA], {
      description: "managed_entitlement: the account receives the model through a License Manager grant",
    }),
  },
  { title: "AccessGrant" },
);

export const AccessRequest = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    requesterId: Type.String(),
    requesterName: Type.String(),
    accountIds: Type.Array(Type.String()),
    regions: Type.Array(Type.String()),
    target: Type.String({ description: "What was asked for (model or profile id)" }),
    modelId: Type.String(),
    profileId: Nullable(Type.String()),
    provider: Type.String(),
    purpose: Type.String(),
    dataClassification: Type.Enum([...DATA_CLASSIFICATIONS]),
    durationHours: Type.Integer(),
    status: Type.Enum([...ACCESS_REQUEST_STATUSES]),
    version: Type.Integer({ description: "Send as If-Match with decisions (also the ETag)" }),
    ruleId: Nullable(Type.String()),
    requiredApprovals: Type.Integer(),
    approvals: Type.Integer(),
    approverRole: Nullable(Type.Enum([...ROLES])),
    approverGroup: Nullable(Type.String()),
    autoApply: Type.Boolean(),
    provisionVia: Type.Enum([...PROVISION_VIA], {
      description: "managed_entitlement when the governing rule of every account asks for it",
    }),
    createdAt: IsoDateTime(),
    updatedAt: IsoDateTime(),
    pendingUntil: IsoDateTime(),
    decidedAt: Nullable(IsoDateTime()),
    activatedAt: Nullable(IsoDateTime()),
    activeUntil: Nullable(IsoDateTime()),
    endedAt: Nullable(IsoDateTime()),
    failure: Nullable(
      Type.Object({
        gates: Type.Array(
          Type.Object({
            accountId: Type.String(),
            region: Type.String(),
            gate: Type.String(),
            detail: Type.String(),
            policyId: Type.Optional(Type.String({ description: "The blocking policy (SCP, IAM, Bedrock policy)" })),
            policy: Type.Optional(Type.String({ description: "The policy, its name and where it is attached" })),
          }),
        ),
        fix: Type.String(),
      }),
    ),
    waiting: Nullable(
      Type.Object(
        {
          since: IsoDateTime(),
          remindedAt: Type.Optional(IsoDateTime("When the wait was last announced again")),
          for: Type.Literal("admin", { description: "Who must act" }),
          action: Type.Literal("apply remediation plan"),
          plans: Type.Array(
            Type.Object({
              planId: Type.String({ format: "uuid" }),
              accountId: Type.String(),
              region: Type.String(),
              changes: Type.Integer(),
            }),
            { description: "Apply these (POST /v1/remediation-plans/{id}/apply), then POST …/verify" },
          ),
        },
        { description: "Provisioning waits for someone to act (null: it does not)" },
      ),
    ),
    plans: Type.Array(
      Type.Object({
        accountId: Type.String(),
        region: Type.String(),
        planId: Type.String({ format: "uuid" }),
        purpose: Type.Enum(["grant", "reversal"]),
        changes: Type.Integer(),
        applied: Type.Boolean(),
      }),
    ),
    preflight: Type.Optional(
      Nullable(
        Type.Array(PreflightVerdict, {
          description:
            "The reachability engine's verdict on each account × Region as it would be once approved (pending, approved and provisioning requests; null once decided)",
        }),
      ),
    ),
    decisions: Type.Array(Decision),
    grants: Type.Array(Grant),
  },
  { title: "AccessRequest" },
);

export const AlreadyAllowed = Type.Object(
  {
    alreadyAllowed: Type.Literal(true),
    message: Type.String(),
    entries: Type.Array(
      Type.Object({
        id: Type.String({ description: "Catalog entry id, or grant:<id> for an access grant" }),
        model: Type.String(),
        scope: Scope,
        regions: Type.Optional(Type.Array(Type.String())),
        geography: Type.Optional(Type.String()),
        viaProfiles: Type.Optional(Type.Array(Type.String())),
        owner: Type.String(),
        justification: Type.String(),
        expiresAt: Type.Optional(Type.String()),
      }),
    ),
  },
  { title: "AlreadyAllowed" },
);

export const DecisionBody = StrictObject({ comment: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })) });
export const RequiredCommentBody = StrictObject({ comment: Type.String({ minLength: 1, maxLength: 2048 }) });

export const ApprovalRuleBody = StrictObject({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  scope: Scope,
  providerPattern: Type.String({ minLength: 1, maxLength: 64, default: "*", description: "Provider, * for any" }),
  dataClassifications: Type.Array(Type.Enum([...DATA_CLASSIFICATIONS]), { uniqueItems: true, default: [] }),
  approverRole: Type.Union([Type.Enum(["approver", "admin"]), Type.Null()], { default: null }),
  approverGroup: Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Null()], { default: null }),
  requiredApprovals: Type.Integer({ minimum: 1, maximum: 5 }),
  autoApprove: Type.Boolean({ default: false }),
  autoApply: Type.Boolean({ default: false, description: "Provisioning applies the remediation plan itself" }),
  provisionVia: Type.Enum([...PROVISION_VIA], {
    default: "remediation",
    description:
      "managed_entitlement: requests this rule governs are provisioned through a License Manager grant of the management account's license for the model (distributed, activated, deleted when access ends); remediation: through the remediation plans the catalog asks for",
  }),
});

export const ApprovalRule = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    name: Type.String(),
    scope: Scope,
    providerPattern: Type.String(),
    dataClassifications: Type.Array(Type.Enum([...DATA_CLASSIFICATIONS])),
    approverRole: Nullable(Type.Enum([...ROLES])),
    approverGroup: Nullable(Type.String()),
    requiredApprovals: Type.Integer(),
    autoApprove: Type.Boolean(),
    autoApply: Type.Boolean(),
    provisionVia: Type.Enum([...PROVISION_VIA]),
    version: Type.Integer(),
    createdAt: IsoDateTime(),
    updatedAt: IsoDateTime(),
    updatedBy: Type.String(),
  },
  { title: "ApprovalRule" },
);

export const WebhookBody = StrictObject({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  url: Type.String({ minLength: 8, maxLength: 2048 }),
  eventTypes: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
    minItems: 1,
    uniqueItems: true,
    description: `Event types (${WEBHOOK_EVENT_TYPES.join(", ")}) or *`,
  }),
  format: Type.Enum(["json", "slack"], { default: "json" }),
  active: Type.Boolean({ default: true }),
});

export const Webhook = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    name: Type.String(),
    url: Type.String({
      description:
        "In full only in the creation answer; elsewhere scheme://host/… (paths and queries of webhook URLs carry tokens). A PUT with this shown form keeps the stored URL",
    }),
    eventTypes: Type.Array(Type.String()),
    format: Type.Enum(["json", "slack"]),
    active: Type.Boolean(),
    version: Type.Integer(),
    createdAt: IsoDateTime(),
    createdBy: Type.String(),
    updatedAt: IsoDateTime(),
  },
  { title: "Webhook" },
);

export const WebhookDelivery = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    webhookId: Type.String({ format: "uuid" }),
    eventId: Type.String({ format: "uuid" }),
    eventType: Type.String(),
    status: Type.Enum(["pending", "succeeded", "failed"]),
    attempts: Type.Integer(),
    lastStatusCode: Nullable(Type.Integer()),
    lastError: Nullable(Type.String()),
    createdAt: IsoDateTime(),
    lastAttemptAt: Nullable(IsoDateTime()),
    deliveredAt: Nullable(IsoDateTime()),
  },
  { title: "WebhookDelivery" },
);

/** Parses If-Match (`"3"`, `W/"3"`, `3`) into a version. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim());
  if (!m)
    throw new ValidationError("If-Match must be the version you read (the ETag)", [
      { field: "headers.if-match", message: "expected a version number" },
    ]);
  return Number(m[1]);
}

export function requireIfMatch(header: string | undefined): number {
  const v = parseIfMatch(header);
  if (v === undefined)
    throw new ValidationError("decisions need If-Match with the version you read", [
      { field: "headers.if-match", message: "is required" },
    ]);
  return v;
}
