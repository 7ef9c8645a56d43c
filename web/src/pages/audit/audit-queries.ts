// The audit log: filtered keyset pages ("load more"), the chain's verification and signed head.
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { paths } from "../../api/schema";

export type AuditFilter = NonNullable<paths["/v1/audit-events"]["get"]["parameters"]["query"]>;
export type AuditEvent =
  paths["/v1/audit-events"]["get"]["responses"][200]["content"]["application/json"]["items"][number];

const PAGE = 50;

export function useAuditEvents(filter: Omit<AuditFilter, "limit" | "cursor">) {
  return useInfiniteQuery({
    queryKey: ["audit-events", filter],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET("/v1/audit-events", {
          params: { query: { ...filter, limit: PAGE, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useChainVerification() {
  return useQuery({
    queryKey: ["audit-events", "verify"],
    queryFn: async () => unwrap(await api.GET("/v1/audit-events/verify")),
    staleTime: 60_000,
  });
}

export function useSignedHead() {
  return useQuery({
    queryKey: ["audit-events", "head"],
    queryFn: async () => unwrap(await api.GET("/v1/audit-events/head")),
    staleTime: 60_000,
  });
}
