// bedrock-mantle ("Amazon Bedrock Powered by AWS Mantle", `bedrock-mantle.<region>.api.aws`,
// SigV4 service `bedrock-mantle`): the models it serves with the data-retention modes each runs
// under, and the account-Region's projects with their own retention and tags [doc "Responses API"
// (base URL), "Projects API", "Data retention"]. It has no AWS SDK client: requests go through the
// signed HTTP client, which applies the same quotas and retries as the SDK clients.

import type { SignedHttpClient } from "../signed-http.js";
import { call } from "./call.js";

export interface MantleModelSummary {
  id: string;
  status: string | null;
  /** `data_retention.allowed_modes`, when the endpoint reports them. */
  allowedModes: string[] | null;
}

export interface MantleProjectSummary {
  id: string;
  arn: string | null;
  name: string | null;
  status: string | null;
  tags: Record<string, string>;
  /** `data_retention.mode` of the project (`inherit`: the account-Region's). */
  retentionMode: string | null;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const list = (v: unknown): unknown[] => (Array.isArray(obj(v).data) ? (obj(v).data as unknown[]) : []);

export function bedrockMantleApi(http: SignedHttpClient, account: string, region: string) {
  const ctx = (operation: string) => ({ service: "bedrock-mantle", operation, account, region });
  return {
    /** GET /v1/models: the models served in this Region. */
    listModels: () =>
      call(ctx("ListModels"), async (): Promise<MantleModelSummary[]> => {
        const out = await http.json({ operation: "ListModels", method: "GET", path: "/v1/models" });
        return list(out).flatMap((m) => {
          const o = obj(m);
          const id = str(o.id);
          if (id === null) return [];
          const modes = obj(o.data_retention).allowed_modes;
          return [
            {
              id,
              status: str(o.status),
              allowedModes: Array.isArray(modes) ? modes.filter((x): x is string => typeof x === "string") : null,
            },
          ];
        });
      }),
    /** GET /v1/organization/projects, every page (`has_more`, `after` = the last id). */
    listProjects: () =>
      call(ctx("ListProjects"), async (): Promise<MantleProjectSummary[]> => {
        const out: MantleProjectSummary[] = [];
        let after: string | undefined;
        for (;;) {
          const page = obj(
            await http.json({
              operation: "ListProjects",
              method: "GET",
              path: "/v1/organization/projects",
              query: { limit: "100", ...(after ? { after } : {}) },
            }),
          );
          for (const p of list(page)) {
            const o = obj(p);
            const id = str(o.id);
            if (id === null) continue;
            out.push({
              id,
              arn: str(o.arn),
              name: str(o.name),
              status: str(o.status),
              tags: Object.fromEntries(Object.entries(obj(o.tags)).map(([k, v]) => [k, String(v)])),
              retentionMode: str(obj(o.data_retention).mode),
            });
          }
          const last = out[out.length - 1]?.id;
          if (page.has_more !== true || last === undefined || last === after) return out;
          after = last;
        }
      }),
    /**
     * One minimal inference in a project (a probe): Claude models through the Anthropic Messages
     * route (`anthropic-workspace` names the project), the others through Chat Completions
     * (`OpenAI-Project`) [doc "Responses API", "Projects"].
     */
    createInference: (input: { model: string; projectId: string; anthropic: boolean; text: string }) =>
      call(ctx("CreateInference"), async (): Promise<{ reply: string }> => {
        const messages = [{ role: "user", content: input.text }];
        const out = obj(
          input.anthropic
            ? await http.json({
                operation: "CreateInference",
                method: "POST",
                path: "/anthropic/v1/messages",
                headers: { "anthropic-workspace": input.projectId, "anthropic-version": "2023-06-01" },
                body: { model: input.model, max_tokens: 1, messages },
              })
            : await http.json({
                operation: "CreateInference",
                method: "POST",
                path: "/v1/chat/completions",
                headers: { "OpenAI-Project": input.projectId },
                body: { model: input.model, max_tokens: 1, messages },
              }),
        );
        const text = (Array.isArray(out.content) ? out.content : Array.isArray(out.choices) ? out.choices : [])
          .map((c) => str(obj(c).text) ?? str(obj(obj(c).message).content) ?? "")
          .join("");
        return { reply: text };
      }),
  };
}

export type BedrockMantleApi = ReturnType<typeof bedrockMantleApi>;
