// The reads behind the organization page: a Region's matrix (every page, fetched one after the
// other so the first accounts show while the rest load), the OUs for the filter, and the engine's
// explanation of one cell.
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { api, unwrap } from "../../api/client";
import { type MatrixFilter, regionMatrixQuery } from "../../api/region-matrix";
import type { paths } from "../../api/schema";

type Ok<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { "application/json": infer T } } } };
}
  ? T
  : never;
export type MatrixPage = Ok<"/v1/regions/{region}/model-matrix">;
export type Explanation = Ok<"/v1/reachability">;

export type { MatrixFilter } from "../../api/region-matrix";

export function useRegionMatrix(filter: MatrixFilter) {
  const query = useInfiniteQuery(regionMatrixQuery(filter));
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  return query;
}

export function useOrgUnits() {
  return useQuery({
    queryKey: ["org-units", { limit: 200 }],
    queryFn: async () => unwrap(await api.GET("/v1/org/units", { params: { query: { limit: 200 } } })).items,
    staleTime: 5 * 60_000,
  });
}

export interface Cell {
  accountId: string;
  accountName: string;
  modelId: string;
}

export function useExplanation(cell: Cell | undefined, region: string) {
  return useQuery({
    queryKey: ["reachability", cell?.accountId, region, cell?.modelId],
    queryFn: async () =>
      unwrap(
        await api.GET("/v1/reachability", {
          params: { query: { accountId: cell?.accountId ?? "", region, model: cell?.modelId ?? "" } },
        }),
      ),
    enabled: cell !== undefined,
  });
}
