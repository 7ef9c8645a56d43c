// `bedrock-governor request create|list|show|approve|reject|cancel`: a person's client of the API
// (GOVERNOR_URL, GOVERNOR_API_KEY), so the same authorization, validation and audit apply as over
// HTTP. Output is short lines for people; --json prints what the API answered.
import { type Command, Option } from "commander";
import type { Config } from "../config.js";
import { collect, positiveInt } from "./options.js";
import { runCommand } from "./run-command.js";

type RequestAction = Parameters<typeof requestCommand>[1];
type RequestArgs = Parameters<typeof requestCommand>[2];

export function registerRequestCommands(program: Command): void {
  const run = (action: RequestAction, args: RequestArgs) =>
    runCommand(({ config }) => requestCommand(config, action, args, (text) => process.stdout.write(text)))();
  const request = program
    .command("request")
    .description("Model-access requests through the API (GOVERNOR_URL, GOVERNOR_API_KEY)");
  request
    .command("create")
    .description("File a request for a model or inference profile in accounts and Regions")
    .requiredOption("--account <id>", "account id (repeat or comma-separate)", collect)
    .requiredOption("--region <region>", "Region (repeat or comma-separate)", collect)
    .requiredOption("--model <id>", "model id or inference profile id")
    .requiredOption("--purpose <text>", "what it is for")
    .addOption(
      new Option("--classification <level>", "data classification")
        .choices(["public", "internal", "confidential", "restricted"])
        .makeOptionMandatory(),
    )
    .requiredOption("--duration-hours <n>", "how long access lasts once active", positiveInt)
    .option("--idempotency-key <key>", "repeat-safe: the same key returns the first result")
    .option("--json", "print the API's answer")
    .action((opts: CreateOptions & { json?: boolean }) =>
      run("create", { create: opts, ...(opts.json ? { json: true } : {}) }),
    );
  request
    .command("list")
    .description("Requests you may see (your own; those you may decide; all for admins and auditors)")
    .option("--status <status>", "only this status")
    .option("--mine", "only your own")
    .option("--json", "print the API's answer")
    .action((opts: { status?: string; mine?: boolean; json?: boolean }) => run("list", opts));
  request
    .command("show <id>")
    .description("One request with its decisions, grants and plans (JSON)")
    .action((id: string) => run("show", { id }));
  for (const verb of ["approve", "reject", "cancel"] as const) {
    request
      .command(`${verb} <id>`)
      .description(
        verb === "cancel"
          ? "Withdraw your own pending request"
          : `${verb === "approve" ? "Approve" : "Reject"} a pending request (decides on the version just read)`,
      )
      [verb === "reject" ? "requiredOption" : "option"]("--comment <text>", "why")
      .option("--json", "print the API's answer")
      .action((id: string, opts: { comment?: string; json?: boolean }) => run(verb, { id, ...opts }));
  }
}

export interface ApiProblem {
  status: number;
  code?: string;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
}

export class ApiError extends Error {
  constructor(readonly problem: ApiProblem) {
    const fields = problem.errors?.map((e) => `${e.field}: ${e.message}`).join("; ");
    super(`${problem.status} ${problem.code ?? ""}: ${problem.detail ?? ""}${fields ? ` (${fields})` : ""}`.trim());
    this.name = "ApiError";
  }
}

interface RequestView {
  id: string;
  status: string;
  version: number;
  target: string;
  accountIds: string[];
  regions: string[];
  requesterName: string;
  approvals: number;
  requiredApprovals: number;
  activeUntil: string | null;
  failure: { fix: string } | null;
}

export interface CreateOptions {
  account: string[];
  region: string[];
  model: string;
  purpose: string;
  classification: string;
  durationHours: number;
  idempotencyKey?: string;
}

function client(config: Readonly<Config>) {
  const key = config.apiClient.apiKey;
  if (!key)
    throw new Error("GOVERNOR_API_KEY is not set (an API key; create one with `bedrock-governor api-key create`)");
  const base = config.apiClient.url.replace(/\/+$/, "");
  return async function call<T>(
    method: string,
    path: string,
    opts: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        accept: "application/json",
        ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
        ...opts.headers,
      },
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) throw new ApiError({ status: res.status, ...((body as object | undefined) ?? {}) });
    return { status: res.status, body: body as T, headers: res.headers };
  };
}

const PAST = { approve: "approved", reject: "rejected", cancel: "cancelled" } as const;

const line = (r: RequestView) =>
  [
    r.id,
    r.status.padEnd(12),
    r.target,
    r.accountIds.join(","),
    r.regions.join(","),
    `by ${r.requesterName}`,
    r.status === "pending" ? `approvals ${r.approvals}/${r.requiredApprovals}` : "",
    r.activeUntil && r.status === "active" ? `until ${r.activeUntil}` : "",
    r.failure ? `fix: ${r.failure.fix}` : "",
  ]
    .filter(Boolean)
    .join("  ");

async function requestCommand(
  config: Readonly<Config>,
  action: "create" | "list" | "show" | "approve" | "reject" | "cancel",
  args: {
    id?: string;
    create?: CreateOptions;
    status?: string;
    mine?: boolean;
    comment?: string;
    json?: boolean;
  },
  out: (text: string) => void,
): Promise<number> {
  const call = client(config);
  const print = (value: unknown, human: string) =>
    out(args.json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
  const id = encodeURIComponent(args.id ?? "");
  switch (action) {
    case "create": {
      const c = args.create as CreateOptions;
      const res = await call<RequestView & { alreadyAllowed?: true; message?: string }>("POST", "/v1/access-requests", {
        body: {
          accountIds: c.account,
          regions: c.region,
          model: c.model,
          purpose: c.purpose,
          dataClassification: c.classification,
          durationHours: c.durationHours,
        },
        ...(c.idempotencyKey ? { headers: { "idempotency-key": c.idempotencyKey } } : {}),
      });
      if (res.body.alreadyAllowed) print(res.body, `already allowed: ${res.body.message}`);
      else print(res.body, `filed ${line(res.body)}`);
      return 0;
    }
    case "list": {
      const q = new URLSearchParams({ limit: "200" });
      if (args.status) q.set("status", args.status);
      if (args.mine) q.set("mine", "true");
      const res = await call<{ items: RequestView[] }>("GET", `/v1/access-requests?${q}`);
      print(res.body, res.body.items.length ? res.body.items.map(line).join("\n") : "no requests");
      return 0;
    }
    case "show": {
      const res = await call<RequestView>("GET", `/v1/access-requests/${id}`);
      out(`${JSON.stringify(res.body, null, 2)}\n`);
      return 0;
    }
    case "approve":
    case "reject":
    case "cancel": {
      // Decide on the version just read: a decision made meanwhile by someone else is refused (412).
      const seen = await call<RequestView>("GET", `/v1/access-requests/${id}`);
      const res = await call<RequestView>("POST", `/v1/access-requests/${id}/${action}`, {
        body: args.comment ? { comment: args.comment } : {},
        headers: { "if-match": `"${seen.body.version}"` },
      });
      print(res.body, `${PAST[action]}: ${line(res.body)}`);
      return 0;
    }
  }
}
