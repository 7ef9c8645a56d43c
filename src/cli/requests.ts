// `bedrock-governor request create|list|show|approve|reject|cancel|verify|revoke|watch`: a person's client of the API
// (GOVERNOR_URL, GOVERNOR_API_KEY), so the same authorization, validation and audit apply as over
// HTTP. Output is short lines for people; --json prints what the API answered.
import { type Command, Option } from "commander";
import type { Config } from "../config.js";
import { client } from "./api-client.js";
import { collect, positiveInt } from "./options.js";
import { line, type RequestView, summary, TERMINAL_EXIT, watchLine, watchState } from "./request-views.js";
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
    .description("One request: status, who must act, the pre-flight, plans, grants and timeline")
    .option("--json", "print the API's answer")
    .action((id: string, opts: { json?: boolean }) => run("show", { id, ...opts }));
  request
    .command("verify <id>")
    .description("Re-sync and verify a provisioning request (after applying its plans; admin)")
    .option("--json", "print the API's answer")
    .action((id: string, opts: { json?: boolean }) => run("verify", { id, ...opts }));
  request
    .command("revoke <id>")
    .description("Take an active request's access away now (admin; on the version just read)")
    .requiredOption("--comment <text>", "why")
    .option("--json", "print the API's answer")
    .action((id: string, opts: { comment: string; json?: boolean }) => run("revoke", { id, ...opts }));
  request
    .command("watch <id>")
    .description(
      "Print each state change as one line until the request settles: exit 0 active or ended, 1 failed, rejected, cancelled, expired or revoked, 3 on --timeout",
    )
    .option("--interval <seconds>", "how often to ask the API", positiveInt, 2)
    .option("--timeout <seconds>", "give up after this long", positiveInt, 3600)
    .action((id: string, opts: { interval: number; timeout: number }) => run("watch", { id, ...opts }));
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

export interface CreateOptions {
  account: string[];
  region: string[];
  model: string;
  purpose: string;
  classification: string;
  durationHours: number;
  idempotencyKey?: string;
}

const PAST = { approve: "approved", reject: "rejected", cancel: "cancelled", revoke: "revoked" } as const;

async function requestCommand(
  config: Readonly<Config>,
  action: "create" | "list" | "show" | "approve" | "reject" | "cancel" | "verify" | "revoke" | "watch",
  args: {
    id?: string;
    create?: CreateOptions;
    status?: string;
    mine?: boolean;
    comment?: string;
    json?: boolean;
    interval?: number;
    timeout?: number;
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
      print(res.body, summary(res.body));
      return 0;
    }
    case "verify": {
      const res = await call<RequestView>("POST", `/v1/access-requests/${id}/verify`);
      print(res.body, `verifying: ${line(res.body)}`);
      return 0;
    }
    case "watch": {
      const deadline = Date.now() + (args.timeout ?? 3600) * 1000;
      let seen: string | undefined;
      for (;;) {
        const res = await call<RequestView>("GET", `/v1/access-requests/${id}`);
        const state = watchState(res.body);
        if (state !== seen) out(`${watchLine(res.body, new Date())}\n`);
        seen = state;
        const exit = TERMINAL_EXIT[res.body.status];
        if (exit !== undefined) return exit;
        if (Date.now() >= deadline) {
          process.stderr.write(`still ${res.body.status} after ${args.timeout} seconds\n`);
          return 3;
        }
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min((args.interval ?? 2) * 1000, deadline - Date.now())),
        );
      }
    }
    case "approve":
    case "reject":
    case "revoke":
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
