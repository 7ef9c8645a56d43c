// Settings (admin): API keys, approval rules and webhooks over the generated client. Edits send
// If-Match with the version that was read, so a stale edit is refused instead of overwriting.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ProblemError, unwrap } from "../../api/client";
import type { paths } from "../../api/schema";

type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;
export type ApiKey = Json<paths["/v1/api-keys/{id}"]["get"]["responses"][200]>;
export type NewApiKey = Json<paths["/v1/api-keys"]["post"]["requestBody"]>;
export type ApprovalRule = Json<paths["/v1/approval-rules/{id}"]["get"]["responses"][200]>;
export type ApprovalRuleBody = Json<paths["/v1/approval-rules"]["post"]["requestBody"]>;
export type Webhook = Json<paths["/v1/webhooks/{id}"]["get"]["responses"][200]>;
export type WebhookBody = Json<paths["/v1/webhooks"]["post"]["requestBody"]>;

const ifMatch = (version: number) => ({ "if-match": `"${version}"` });

/** A refused edit because someone changed the thing first: said plainly, with the API's words. */
export function editProblem(error: Error): string {
  if (error instanceof ProblemError && (error.status === 412 || error.status === 409))
    return `Someone changed this since you opened it, so your edit was not saved. Close the form and open it again to edit the current version. (${error.message})`;
  return error.message;
}

export function useApiKeys() {
  return useQuery({
    queryKey: ["api-keys"],
    queryFn: async () => unwrap(await api.GET("/v1/api-keys", { params: { query: { limit: 200 } } })),
  });
}

export function useCreateApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: NewApiKey) => unwrap(await api.POST("/v1/api-keys", { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["api-keys"] }),
  });
}

export function useRevokeApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => unwrap(await api.POST("/v1/api-keys/{id}/revoke", { params: { path: { id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: ["api-keys"] }),
  });
}

export function useApprovalRules() {
  return useQuery({
    queryKey: ["approval-rules"],
    queryFn: async () => unwrap(await api.GET("/v1/approval-rules")),
  });
}

export function useSaveApprovalRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ body, editing }: { body: ApprovalRuleBody; editing?: ApprovalRule }) =>
      editing
        ? unwrap(
            await api.PUT("/v1/approval-rules/{id}", {
              params: { path: { id: editing.id }, header: ifMatch(editing.version) },
              body,
            }),
          )
        : unwrap(await api.POST("/v1/approval-rules", { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["approval-rules"] }),
  });
}

export function useDeleteApprovalRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      const res = await api.DELETE("/v1/approval-rules/{id}", { params: { path: { id } } });
      if (!res.response.ok) unwrap(res);
    },
    onSettled: () => client.invalidateQueries({ queryKey: ["approval-rules"] }),
  });
}

export function useWebhooks() {
  return useQuery({
    queryKey: ["webhooks"],
    queryFn: async () => unwrap(await api.GET("/v1/webhooks")),
  });
}

export function useSaveWebhook() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ body, editing }: { body: WebhookBody; editing?: Webhook }) =>
      editing
        ? {
            webhook: unwrap(
              await api.PUT("/v1/webhooks/{id}", {
                params: { path: { id: editing.id }, header: ifMatch(editing.version) },
                body,
              }),
            ),
            secret: undefined,
          }
        : unwrap(await api.POST("/v1/webhooks", { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["webhooks"] }),
  });
}

export function useDeleteWebhook() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      const res = await api.DELETE("/v1/webhooks/{id}", { params: { path: { id } } });
      if (!res.response.ok) unwrap(res);
    },
    onSettled: () => client.invalidateQueries({ queryKey: ["webhooks"] }),
  });
}

export function useDeliveries(id: string | undefined) {
  return useQuery({
    queryKey: ["webhooks", id, "deliveries"],
    queryFn: async () =>
      unwrap(
        await api.GET("/v1/webhooks/{id}/deliveries", {
          params: { path: { id: id ?? "" }, query: { limit: 50 } },
        }),
      ),
    enabled: id !== undefined,
  });
}
