// The reads behind the home page, each from an existing endpoint.
import { useQueries, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { paths } from "../../api/schema";

type Severity = NonNullable<NonNullable<paths["/v1/findings"]["get"]["parameters"]["query"]>["severity"]>;
export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low"];
/** Findings counted per severity, at most (one page); more shows as "200+". */
const FINDINGS_PAGE = 200;

export function useMyRequests(enabled: boolean) {
  return useQuery({
    queryKey: ["access-requests", { mine: true }],
    queryFn: async () => unwrap(await api.GET("/v1/access-requests", { params: { query: { mine: true, limit: 10 } } })),
    enabled,
  });
}

export function usePendingRequests(enabled: boolean) {
  return useQuery({
    queryKey: ["access-requests", { status: "pending" }],
    queryFn: async () =>
      unwrap(await api.GET("/v1/access-requests", { params: { query: { status: "pending", limit: 50 } } })),
    enabled,
  });
}

export function usePlansToApply(enabled: boolean) {
  return useQuery({
    queryKey: ["remediation-plans", { pending: true }],
    queryFn: async () =>
      unwrap(await api.GET("/v1/remediation-plans", { params: { query: { pending: true, limit: 50 } } })),
    enabled,
  });
}

export function useOpenFindingCounts() {
  return useQueries({
    queries: SEVERITIES.map((severity) => ({
      queryKey: ["findings", { status: "open", severity, limit: FINDINGS_PAGE }],
      queryFn: async () => {
        const page = unwrap(
          await api.GET("/v1/findings", { params: { query: { status: "open", severity, limit: FINDINGS_PAGE } } }),
        );
        return { severity, count: page.items.length, more: Boolean(page.nextCursor) };
      },
    })),
  });
}

export function useLastSync() {
  return useQuery({
    queryKey: ["sync-runs", { limit: 1 }],
    queryFn: async () => unwrap(await api.GET("/v1/sync-runs", { params: { query: { limit: 1 } } })).items[0] ?? null,
  });
}

export function useLastIngestion() {
  return useQuery({
    queryKey: ["invocation-ingestions", { limit: 1 }],
    queryFn: async () =>
      unwrap(await api.GET("/v1/invocation-ingestions", { params: { query: { limit: 1 } } })).items[0] ?? null,
  });
}
