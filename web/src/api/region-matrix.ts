// A Region's accounts × models matrix, page by page (GET /v1/regions/{region}/model-matrix): the
// query the Organization page runs, shared with the start-up prefetch so both hit one cache entry.
import { infiniteQueryOptions } from "@tanstack/react-query";
import { api, unwrap } from "./client";

/** Accounts in the first page (a screenful and more: it paints quickly), then per page after it. */
const FIRST_PAGE = 60;
const PAGE = 250;

export interface MatrixFilter {
  region: string;
  ouId?: string;
  provider?: string;
}

/** The filter the Organization page opens with. */
export const DEFAULT_MATRIX_FILTER: MatrixFilter = { region: "us-east-1" };

export function regionMatrixQuery(filter: MatrixFilter) {
  return infiniteQueryOptions({
    queryKey: ["region-matrix", filter],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET("/v1/regions/{region}/model-matrix", {
          params: {
            path: { region: filter.region },
            query: {
              limit: pageParam ? PAGE : FIRST_PAGE,
              ...(pageParam ? { cursor: pageParam } : {}),
              ...(filter.ouId ? { ouId: filter.ouId } : {}),
              ...(filter.provider ? { provider: filter.provider } : {}),
            },
          },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor,
  });
}
