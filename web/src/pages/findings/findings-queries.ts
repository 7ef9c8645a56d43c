// The reads and the one write behind the findings page.
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { paths } from "../../api/schema";

type ListQuery = NonNullable<paths["/v1/findings"]["get"]["parameters"]["query"]>;
export type FindingFilter = Omit<ListQuery, "limit" | "cursor">;
export type Finding = paths["/v1/findings"]["get"]["responses"][200]["content"]["application/json"]["items"][number];

export const FINDING_TYPES: readonly NonNullable<ListQuery["type"]>[] = [
  "UNAPPROVED_MODEL_ACCESSIBLE",
  "APPROVED_MODEL_BLOCKED",
  "RESIDENCY_VIOLATION",
  "RETENTION_VIOLATION",
  "MARKETPLACE_SUBSCRIPTION_BLOCKED",
  "ENTITLEMENT_INACTIVE",
  "UNGUARDED_SURFACE",
  "BEDROCK_POLICY_INVALID",
  "LEGACY_MODEL",
  "LOGGING_REQUIRED_BUT_DISABLED",
  "GUARDRAIL_REQUIRED_BUT_MISSING",
  "ACCOUNT_UNREACHABLE",
  "UNAPPROVED_INVOCATION",
];
export const STATUSES: readonly NonNullable<ListQuery["status"]>[] = ["open", "suppressed", "resolved"];

const PAGE = 100;

export function useFindings(filter: FindingFilter) {
  return useInfiniteQuery({
    queryKey: ["findings", "list", filter],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET("/v1/findings", {
          params: { query: { ...filter, limit: PAGE, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useSuppress() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (input: { id: string; reason: string; until: string }) =>
      unwrap(
        await api.POST("/v1/findings/{id}/suppress", {
          params: { path: { id: input.id } },
          body: { reason: input.reason, until: input.until },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: ["findings"] }),
  });
}
