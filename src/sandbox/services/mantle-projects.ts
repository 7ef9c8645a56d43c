// bedrock-mantle projects and account data retention: `/v1/organization/projects[/{id}[/archive]]`
// and `/v1/data_retention`, each authorized as its own bedrock-mantle:<Action> on the project ARN
// `arn:aws:bedrock-mantle:<region>:<account>:project/<id>` [doc "Projects API", "Workspaces
// (Anthropic-compatible)", "Data retention" (IAM actions reference), "Actions, resources, and
// condition keys for Amazon Bedrock Powered by AWS Mantle"]. Every account-Region has a `default`
// project that cannot be tagged or archived and always inherits the account's retention.
import { createHash } from "node:crypto";
import type { CallContext } from "../context.js";
import { AwsError } from "../errors.js";
import { authorizeCall } from "../gates.js";
import { PROJECT_RETENTION_MODES, type ProjectRetentionMode } from "../scenario-access-schema.js";
import { mantleProjectArn, projectKey } from "../state-access.js";
import type { MantleProject } from "../state-types.js";
import { getAccountRetention, parseRetentionMode, putAccountRetention } from "./data-retention.js";

const invalid = (message: string) => new AwsError("ValidationException", message, 400);
const epoch = (d: Date | undefined) => (d === undefined ? null : Math.floor(d.getTime() / 1000));

/** The project a request names, or the account-Region's `default` project. */
export function projectFor(ctx: CallContext, id: string): MantleProject | undefined {
  if (id === "default") {
    return {
      id: "default",
      account: ctx.caller.account,
      region: ctx.region,
      name: "Default Project",
      arn: mantleProjectArn(ctx.region, ctx.caller.account, "default"),
      tags: {},
      retention: "inherit",
      status: "active",
      createdAt: new Date(Date.UTC(2025, 11, 4)),
      archivedAt: undefined,
    };
  }
  return ctx.state.projects.get(projectKey(ctx.caller.account, ctx.region, id));
}

export function projectShape(p: MantleProject) {
  return {
    object: "organization.project",
    id: p.id,
    arn: p.arn,
    name: p.name,
    status: p.status,
    created_at: epoch(p.createdAt),
    archived_at: epoch(p.archivedAt),
    tags: p.tags,
    data_retention: { mode: p.retention },
  };
}

function authorize(ctx: CallContext, action: string, resource: string, extra: Record<string, string | string[]> = {}) {
  authorizeCall(ctx, `bedrock-mantle:${action}`, resource, extra);
}

function projectRetention(value: unknown): ProjectRetentionMode {
  const mode = (value as { mode?: unknown } | undefined)?.mode;
  if (typeof mode === "string" && (PROJECT_RETENTION_MODES as readonly string[]).includes(mode))
    return mode as ProjectRetentionMode;
  throw invalid(`data_retention.mode must be one of ${PROJECT_RETENTION_MODES.join(", ")}.`);
}

function tagContext(tags: Record<string, string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = { "aws:TagKeys": Object.keys(tags) };
  for (const [k, v] of Object.entries(tags)) out[`aws:RequestTag/${k}`] = v;
  return out;
}

export function handleMantleAdmin(ctx: CallContext, labels: Record<string, string>, input: Record<string, unknown>) {
  const me = ctx.caller.account;
  switch (ctx.operation) {
    case "GetAccountDataRetention": {
      const r = getAccountRetention(ctx, "bedrock-mantle");
      return { mode: r.mode, updated_at: epoch(r.updatedAt) };
    }
    case "PutAccountDataRetention": {
      const r = putAccountRetention(ctx, "bedrock-mantle", parseRetentionMode(input.mode, "mode"));
      return { mode: r.mode, updated_at: epoch(r.updatedAt) };
    }
    case "ListProjects": {
      authorize(ctx, "ListProjects", mantleProjectArn(ctx.region, me, "*"));
      const own = [...ctx.state.projects.values()].filter((p) => p.account === me && p.region === ctx.region);
      const all = [projectFor(ctx, "default") as MantleProject, ...own];
      return { object: "list", data: all.map(projectShape), has_more: false };
    }
    case "CreateProject": {
      const name = input.name;
      if (typeof name !== "string" || name.trim() === "" || name.length > 127)
        throw invalid("name is required (1 to 127 characters).");
      const tags = (input.tags ?? {}) as Record<string, string>;
      const retention = input.data_retention === undefined ? "inherit" : projectRetention(input.data_retention);
      const seq = [...ctx.state.projects.values()].filter((p) => p.account === me).length;
      const id = `proj_${createHash("sha256").update(`${me}|${ctx.region}|${name}|${seq}`).digest("hex").slice(0, 12)}`;
      const arn = mantleProjectArn(ctx.region, me, id);
      // [?] The key is set to the requested mode, or `inherit` when the request names none.
      authorize(ctx, "CreateProject", arn, { ...tagContext(tags), "bedrock-mantle:DataRetentionMode": retention });
      const p: MantleProject = {
        id,
        account: me,
        region: ctx.region,
        name,
        arn,
        tags: { ...tags },
        retention,
        status: "active",
        createdAt: ctx.now(),
        archivedAt: undefined,
      };
      ctx.state.projects.set(projectKey(me, ctx.region, id), p);
      return projectShape(p);
    }
    case "GetProject":
    case "UpdateProject":
    case "ArchiveProject": {
      const p = projectFor(ctx, labels.project ?? "");
      if (p === undefined) throw new AwsError("ResourceNotFoundException", `Project ${labels.project} not found.`, 404);
      const retention = input.data_retention === undefined ? undefined : projectRetention(input.data_retention);
      const extra: Record<string, string> =
        retention === undefined ? {} : { "bedrock-mantle:DataRetentionMode": retention };
      authorize(ctx, ctx.operation, p.arn, extra);
      if (ctx.operation === "GetProject") return projectShape(p);
      if (p.id === "default") throw invalid("The default project cannot be changed or archived.");
      if (ctx.operation === "ArchiveProject") {
        if (p.status !== "archived") Object.assign(p, { status: "archived", archivedAt: ctx.now() });
        return projectShape(p);
      }
      if (typeof input.name === "string") p.name = input.name;
      if (input.tags !== undefined) p.tags = { ...(input.tags as Record<string, string>) };
      if (retention !== undefined) p.retention = retention;
      return projectShape(p);
    }
    default:
      return undefined;
  }
}
