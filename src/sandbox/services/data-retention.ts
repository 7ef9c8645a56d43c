// Account-level data retention per account and Region, one setting served by two endpoints:
// Bedrock's GET/PUT /data-retention (bedrock:Get/PutAccountDataRetention) and bedrock-mantle's
// GET/PUT /v1/data_retention (bedrock-mantle:Get/PutAccountDataRetention). "The write actions
// publish a … DataRetentionMode condition key" that SCPs use to pin the mode [doc "Data retention",
// section "Enforcing retention policy with IAM"; API_PutAccountDataRetention].
import type { CallContext } from "../context.js";
import { AwsError } from "../errors.js";
import { authorizeCall } from "../gates.js";
import { RETENTION_MODES, type RetentionMode } from "../scenario-access-schema.js";
import type { SandboxState } from "../state.js";

export function accountRetention(
  state: SandboxState,
  accountId: string,
  region: string,
): { mode: RetentionMode; updatedAt: Date | undefined } {
  return (
    state.retention.byAccountRegion.get(`${accountId}|${region}`) ?? {
      mode: state.retention.defaultMode,
      updatedAt: undefined,
    }
  );
}

export function parseRetentionMode(value: unknown, field: string): RetentionMode {
  if (typeof value === "string" && (RETENTION_MODES as readonly string[]).includes(value))
    return value as RetentionMode;
  throw new AwsError(
    "ValidationException",
    `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_MODES.join(", ")}]`,
    400,
  );
}

/** Authorizes and applies a Put: `<prefix>:PutAccountDataRetention` on "*" with `<prefix>:DataRetentionMode`. */
export function putAccountRetention(
  ctx: CallContext,
  prefix: "bedrock" | "bedrock-mantle",
  mode: RetentionMode,
): { mode: RetentionMode; updatedAt: Date } {
  authorizeCall(ctx, `${prefix}:PutAccountDataRetention`, "*", { [`${prefix}:DataRetentionMode`]: mode });
  const rec = { mode, updatedAt: ctx.now() };
  ctx.state.retention.byAccountRegion.set(`${ctx.caller.account}|${ctx.region}`, rec);
  return rec;
}

/** Authorizes a Get: `<prefix>:GetAccountDataRetention` on "*". */
export function getAccountRetention(ctx: CallContext, prefix: "bedrock" | "bedrock-mantle") {
  authorizeCall(ctx, `${prefix}:GetAccountDataRetention`, "*");
  return accountRetention(ctx.state, ctx.caller.account, ctx.region);
}

/** The Bedrock control plane's two operations (restJson1, ISO timestamps). */
export function handleBedrockRetention(ctx: CallContext, input: Record<string, unknown>) {
  if (ctx.operation === "PutAccountDataRetention") {
    const rec = putAccountRetention(ctx, "bedrock", parseRetentionMode(input.mode, "mode"));
    return { body: { mode: rec.mode, updatedAt: rec.updatedAt.toISOString() } };
  }
  const rec = getAccountRetention(ctx, "bedrock");
  return { body: { mode: rec.mode, ...(rec.updatedAt ? { updatedAt: rec.updatedAt.toISOString() } : {}) } };
}
