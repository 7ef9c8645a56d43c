// `bedrock-governor findings list | suppress`: reconciliation findings through the API
// (GOVERNOR_URL, GOVERNOR_API_KEY): any role lists them; suppressing needs a role the API allows
// (admin, approver) and is audited under the key's owner.
import { type Command, Option } from "commander";
import { FINDING_SEVERITIES, FINDING_STATUSES, FINDING_TYPES } from "../modules/reconcile/reconcile.types.js";
import { allPages, table } from "./api-client.js";
import { runApiCommand } from "./api-command.js";
import { isoDate } from "./options.js";

interface FindingView {
  id: string;
  type: string;
  severity: string;
  status: string;
  accountId: string;
  region: string | null;
  modelId: string | null;
  gate: string | null;
  detail: string;
  lastSeenAt: string;
  suppressedUntil: string | null;
  suppressedReason: string | null;
}

interface ListOptions {
  type?: string;
  severity?: string;
  status?: string;
  account?: string;
  region?: string;
  model?: string;
  limit?: string;
  json?: boolean;
}

const line = (f: FindingView) =>
  `finding ${f.id} ${f.status} ${f.severity} ${f.type} ${f.accountId} ${f.region ?? "-"} ${f.modelId ?? "-"}${
    f.suppressedUntil ? ` suppressed until ${f.suppressedUntil}: ${f.suppressedReason ?? ""}` : ""
  }`;

export function registerFindingCommands(program: Command): void {
  const findings = program
    .command("findings")
    .description("Reconciliation findings through the API (GOVERNOR_URL, GOVERNOR_API_KEY)");
  findings
    .command("list")
    .description("Findings, newest first, with filters (any role)")
    .addOption(new Option("--type <type>", "only this type").choices([...FINDING_TYPES]))
    .addOption(new Option("--severity <severity>", "only this severity").choices([...FINDING_SEVERITIES]))
    .addOption(new Option("--status <status>", "only this status").choices([...FINDING_STATUSES]))
    .option("--account <id>", "only this account")
    .option("--region <region>", "only this Region")
    .option("--model <id>", "only this model (or inference profile) id")
    .option("--json", "print the API's answer (every page's items)")
    .action(
      runApiCommand(
        (o: ListOptions) => o.json,
        async ({ call, print }, o) => {
          const q = new URLSearchParams();
          for (const [key, value] of [
            ["type", o.type],
            ["severity", o.severity],
            ["status", o.status],
            ["accountId", o.account],
            ["region", o.region],
            ["modelId", o.model],
          ] as const)
            if (value) q.set(key, value);
          const items = await allPages<FindingView>(call, "/v1/findings", q);
          print({ items }, () =>
            items.length === 0
              ? "no findings"
              : table(
                  ["ID", "STATUS", "SEVERITY", "TYPE", "ACCOUNT", "REGION", "MODEL", "GATE", "LAST SEEN"],
                  items.map((f) => [
                    f.id,
                    f.status,
                    f.severity,
                    f.type,
                    f.accountId,
                    f.region ?? "-",
                    f.modelId ?? "-",
                    f.gate ?? "-",
                    f.lastSeenAt,
                  ]),
                ),
          );
          return 0;
        },
      ),
    );
  findings
    .command("suppress <id>")
    .description("Suppress a finding until a time, with a reason (admin or approver; audited)")
    .requiredOption("--reason <text>", "why it is accepted")
    .requiredOption("--until <iso-date>", "when the suppression ends (ISO 8601)", isoDate)
    .option("--json", "print the API's answer")
    .action(
      runApiCommand(
        (_id: string, o: { json?: boolean }) => o.json,
        async ({ call, print }, id, o: { reason: string; until: Date; json?: boolean }) => {
          const res = await call<FindingView>("POST", `/v1/findings/${encodeURIComponent(id)}/suppress`, {
            body: { reason: o.reason, until: o.until.toISOString() },
          });
          print(res.body, () => line(res.body));
          return 0;
        },
      ),
    );
}
