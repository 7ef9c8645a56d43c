// The policies page's reads and the plan apply, each an existing endpoint.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { paths } from "../../api/schema";

export type Plan =
  paths["/v1/remediation-plans"]["get"]["responses"][200]["content"]["application/json"]["items"][number];
export type PlanChange = Plan["changes"][number];

export function useOrgUnits() {
  return useQuery({
    queryKey: ["org-units"],
    queryFn: async () => unwrap(await api.GET("/v1/org/units", { params: { query: { limit: 200 } } })).items,
  });
}

export function useCompiledScps(targetId: string | null) {
  return useQuery({
    queryKey: ["policies", "scps", targetId],
    queryFn: async () =>
      unwrap(await api.GET("/v1/policies/scps", { params: { query: { targetId: targetId ?? "" } } })),
    enabled: targetId !== null,
  });
}

export function useCompiledIam(target: { accountId: string; region: string } | null) {
  return useQuery({
    queryKey: ["policies", "iam", target],
    queryFn: async () =>
      unwrap(await api.GET("/v1/policies/iam", { params: { query: target ?? { accountId: "", region: "" } } })),
    enabled: target !== null,
  });
}

export function usePlans(pending: boolean) {
  return useQuery({
    queryKey: ["remediation-plans", { pending }],
    queryFn: async () =>
      unwrap(
        await api.GET("/v1/remediation-plans", {
          params: { query: pending ? { pending: true, limit: 50 } : { limit: 50 } },
        }),
      ),
  });
}

export function useApplyPlan() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, reason }: { id: string; reason: string }) =>
      unwrap(
        await api.POST("/v1/remediation-plans/{id}/apply", {
          params: { path: { id } },
          body: reason === "" ? {} : { reason },
        }),
      ),
    onSettled: () => client.invalidateQueries({ queryKey: ["remediation-plans"] }),
  });
}
