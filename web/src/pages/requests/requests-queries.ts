// The reads and writes behind the request pages (new request, requests, request page, approvals),
// each over the generated client. Mutations invalidate what they change.
import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { paths } from "../../api/schema";

export type AccessRequest = paths["/v1/access-requests/{id}"]["get"]["responses"][200]["content"]["application/json"];
export type RequestStatus = AccessRequest["status"];
export type NewAccessRequest = NonNullable<
  paths["/v1/access-requests"]["post"]["requestBody"]
>["content"]["application/json"];
export type DataClassification = NewAccessRequest["dataClassification"];
export type RemediationPlan =
  paths["/v1/remediation-plans/{id}"]["get"]["responses"][200]["content"]["application/json"];

export const REQUEST_STATUSES: readonly RequestStatus[] = [
  "pending",
  "approved",
  "provisioning",
  "active",
  "rejected",
  "cancelled",
  "expired",
  "failed",
  "revoked",
  "ended",
];
export const DATA_CLASSIFICATIONS: readonly DataClassification[] = ["public", "internal", "confidential", "restricted"];

const requestKey = (id: string) => ["access-requests", "one", id] as const;

export function useRequests(filter: { status?: RequestStatus; mine?: boolean }, enabled = true) {
  return useQuery({
    queryKey: ["access-requests", "list", filter],
    queryFn: async () => unwrap(await api.GET("/v1/access-requests", { params: { query: { ...filter, limit: 100 } } })),
    enabled,
  });
}

/** One request; polled while something is still happening to it. */
export function useRequest(id: string) {
  return useQuery({
    queryKey: requestKey(id),
    queryFn: async () => unwrap(await api.GET("/v1/access-requests/{id}", { params: { path: { id } } })),
    refetchInterval: (query) => {
      const status = query.state.data?.status;
      return status === "approved" || status === "provisioning" ? 2_000 : false;
    },
  });
}

export function usePlans(ids: readonly string[], enabled: boolean) {
  return useQueries({
    queries: ids.map((id) => ({
      queryKey: ["remediation-plans", "one", id],
      queryFn: async () => unwrap(await api.GET("/v1/remediation-plans/{id}", { params: { path: { id } } })),
      enabled,
    })),
  });
}

export function useAccounts() {
  return useQuery({
    queryKey: ["accounts", { state: "ACTIVE" }],
    queryFn: async () =>
      unwrap(await api.GET("/v1/accounts", { params: { query: { limit: 200, state: "ACTIVE" } } })).items,
    staleTime: 5 * 60_000,
  });
}

export function useAccountDetails(accountIds: readonly string[]) {
  return useQueries({
    queries: accountIds.map((accountId) => ({
      queryKey: ["accounts", "one", accountId],
      queryFn: async () => unwrap(await api.GET("/v1/accounts/{accountId}", { params: { path: { accountId } } })),
      staleTime: 5 * 60_000,
    })),
  });
}

/** The models of one account-Region, with the inference profiles that reach each. */
export function useModelMatrix(accountId: string | undefined, region: string | undefined) {
  return useQuery({
    queryKey: ["model-matrix", accountId, region],
    queryFn: async () =>
      unwrap(
        await api.GET("/v1/accounts/{accountId}/regions/{region}/models", {
          params: { path: { accountId: accountId ?? "", region: region ?? "" }, query: { limit: 200 } },
        }),
      ),
    enabled: accountId !== undefined && region !== undefined,
    staleTime: 5 * 60_000,
  });
}

/** The reachability engine's live verdict for each account × Region pair. */
export function useReachability(pairs: ReadonlyArray<{ accountId: string; region: string }>, model: string) {
  return useQueries({
    queries: pairs.map(({ accountId, region }) => ({
      queryKey: ["reachability", accountId, region, model],
      queryFn: async () =>
        unwrap(await api.GET("/v1/reachability", { params: { query: { accountId, region, model } } })),
      enabled: model.length >= 3,
      staleTime: 15_000,
    })),
  });
}

function useInvalidateRequests() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: ["access-requests"] });
}

export function useFileRequest() {
  const invalidate = useInvalidateRequests();
  return useMutation({
    mutationFn: async ({ body, idempotencyKey }: { body: NewAccessRequest; idempotencyKey: string }) =>
      unwrap(
        await api.POST("/v1/access-requests", { body, params: { header: { "idempotency-key": idempotencyKey } } }),
      ),
    onSuccess: invalidate,
  });
}

type Verb = "approve" | "reject" | "cancel" | "revoke";

/** A decision or state change, sent with the version read (If-Match). */
export function useRequestAction() {
  const invalidate = useInvalidateRequests();
  return useMutation({
    mutationFn: async ({ verb, request, comment }: { verb: Verb; request: AccessRequest; comment?: string }) => {
      const params = { path: { id: request.id }, header: { "if-match": `"${request.version}"` } };
      const body = comment ? { comment } : {};
      switch (verb) {
        case "approve":
          return unwrap(await api.POST("/v1/access-requests/{id}/approve", { params, body }));
        case "reject":
          return unwrap(
            await api.POST("/v1/access-requests/{id}/reject", { params, body: { comment: comment ?? "" } }),
          );
        case "cancel":
          return unwrap(await api.POST("/v1/access-requests/{id}/cancel", { params, body }));
        case "revoke":
          return unwrap(
            await api.POST("/v1/access-requests/{id}/revoke", { params, body: { comment: comment ?? "" } }),
          );
      }
    },
    onSettled: invalidate,
  });
}

export function useVerify() {
  const invalidate = useInvalidateRequests();
  return useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.POST("/v1/access-requests/{id}/verify", { params: { path: { id } } })),
    onSettled: invalidate,
  });
}

export function useApplyPlan() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.POST("/v1/remediation-plans/{id}/apply", { params: { path: { id } }, body: {} })),
    onSettled: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: ["remediation-plans"] }),
        client.invalidateQueries({ queryKey: ["access-requests"] }),
      ]),
  });
}
