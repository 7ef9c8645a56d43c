// `bedrock-governor accounts | matrix`: the organization's inventory read through the API
// (GOVERNOR_URL, GOVERNOR_API_KEY; any role): accounts with their OU, state and last sync, and
// the model-access matrix of a Region across accounts.
import type { Command } from "commander";
import { allPages, table } from "./api-client.js";
import { runApiCommand } from "./api-command.js";
import { collect } from "./options.js";

interface AccountSummary {
  id: string;
  name: string;
  state: string;
  parentId: string | null;
  path: string;
  status: string;
  lastSuccessAt: string | null;
  lastErrorGate: string | null;
  modelsAvailable: number;
}

interface MatrixRow {
  modelId: string;
  provider: string;
  access: string;
  verdict: { status: string; gate: string | null; via: string | null } | null;
}

interface MatrixPage {
  accountRegion: { accountId: string; accountName: string; region: string; status: string };
  items: MatrixRow[];
  nextCursor?: string;
}

interface AccountsOptions {
  ou?: string;
  state?: string;
  json?: boolean;
}

interface MatrixOptions extends AccountsOptions {
  region: string;
  account?: string[];
  provider?: string;
}

const accountQuery = (o: AccountsOptions) => {
  const q = new URLSearchParams();
  if (o.ou) q.set("ouId", o.ou);
  if (o.state) q.set("state", o.state);
  return q;
};

/** A matrix cell: the engine's verdict (usable[/via], blocked:gate, unknown) or, unjudged, AWS's evidence. */
function cell(row: MatrixRow | undefined): string {
  if (!row) return "-";
  const v = row.verdict;
  if (!v) return `(${row.access})`;
  if (v.status === "usable") return v.via && v.via !== "direct" ? `usable via ${v.via}` : "usable";
  if (v.status === "blocked") return `blocked:${v.gate ?? "?"}`;
  return v.gate ? `unknown:${v.gate}` : "unknown";
}

export function registerInventoryCommands(program: Command): void {
  program
    .command("accounts")
    .description("Accounts with their OU, state and last sync, through the API (GOVERNOR_URL, GOVERNOR_API_KEY)")
    .option("--ou <id>", "only accounts under this OU (or the root)")
    .option("--state <state>", "only accounts in this state (e.g. ACTIVE)")
    .option("--json", "print the API's answer (every page's items)")
    .action(
      runApiCommand(
        (o: AccountsOptions) => o.json,
        async ({ call, print }, o) => {
          const items = await allPages<AccountSummary>(call, "/v1/accounts", accountQuery(o));
          print({ items }, () =>
            items.length === 0
              ? "no accounts"
              : table(
                  ["ACCOUNT", "NAME", "OU", "STATE", "SYNC", "LAST SYNC", "MODELS"],
                  items.map((a) => [
                    a.id,
                    a.name,
                    a.path,
                    a.state,
                    a.lastErrorGate ? `${a.status} (${a.lastErrorGate})` : a.status,
                    a.lastSuccessAt ?? "never",
                    String(a.modelsAvailable),
                  ]),
                ),
          );
          return 0;
        },
      ),
    );

  program
    .command("matrix")
    .description(
      "The model-access matrix of a Region across accounts (the engine's verdict per model), through the API",
    )
    .requiredOption("--region <region>", "the Region")
    .option("--ou <id>", "only accounts under this OU (or the root)")
    .option("--account <id>", "only these accounts (repeat or comma-separate)", collect)
    .option("--provider <name>", "only this provider's models (any case)")
    .option("--json", "print the API's answers: one matrix page per account")
    .action(
      runApiCommand(
        (o: MatrixOptions) => o.json,
        async ({ call, print }, o) => {
          const accounts = o.account?.length
            ? o.account
            : (await allPages<AccountSummary>(call, "/v1/accounts", accountQuery({ ...o, state: o.state ?? "ACTIVE" })))
                .filter((a) => a.state === "ACTIVE")
                .map((a) => a.id);
          const pages: MatrixPage[] = [];
          const q = new URLSearchParams({ limit: "200" });
          if (o.provider) q.set("provider", o.provider);
          for (const id of accounts) {
            const path = `/v1/accounts/${encodeURIComponent(id)}/regions/${encodeURIComponent(o.region)}/models`;
            let cursor: string | undefined;
            do {
              const page = new URLSearchParams(q);
              if (cursor) page.set("cursor", cursor);
              const res = await call<MatrixPage>("GET", `${path}?${page}`).catch(
                (err: { problem?: { status: number } }) => {
                  if (err.problem?.status === 404) return undefined; // the Region is not in this account's inventory
                  throw err;
                },
              );
              if (!res) break;
              pages.push(res.body);
              cursor = res.body.nextCursor;
            } while (cursor);
          }
          print(pages, () => renderMatrix(o.region, pages));
          return 0;
        },
      ),
    );
}

function renderMatrix(region: string, pages: MatrixPage[]): string {
  const columns = [...new Set(pages.map((p) => p.accountRegion.accountId))];
  if (columns.length === 0) return `no account has ${region} in the inventory`;
  const byModel = new Map<string, Map<string, MatrixRow>>();
  for (const p of pages)
    for (const row of p.items) {
      const cells = byModel.get(row.modelId) ?? new Map<string, MatrixRow>();
      cells.set(p.accountRegion.accountId, row);
      byModel.set(row.modelId, cells);
    }
  if (byModel.size === 0) return `no models in ${region} for ${columns.length} account(s)`;
  const rows = [...byModel.keys()].sort().map((model) => {
    const cells = byModel.get(model) as Map<string, MatrixRow>;
    return [model, ...columns.map((c) => cell(cells.get(c)))];
  });
  return table([`MODEL (${region})`, ...columns], rows);
}
