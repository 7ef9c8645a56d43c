// The catalog page's reads and writes, each an existing endpoint (src/routes/catalog).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { paths } from "../../api/schema";

export type CatalogEntry =
  paths["/v1/catalog/entries"]["get"]["responses"][200]["content"]["application/json"]["items"][number]["entry"];
export type CatalogDiff = paths["/v1/catalog/diff"]["post"]["responses"][200]["content"]["application/json"];

export function useCatalogEntries() {
  return useQuery({
    queryKey: ["catalog", "entries"],
    queryFn: async () => unwrap(await api.GET("/v1/catalog/entries")).items,
  });
}

export function useEntryHistory(id: string | null) {
  return useQuery({
    queryKey: ["catalog", "history", id],
    queryFn: async () =>
      unwrap(await api.GET("/v1/catalog/entries/{id}/history", { params: { path: { id: id ?? "" } } })).items,
    enabled: id !== null,
  });
}

export function useCatalogDocument(enabled: boolean) {
  return useQuery({
    queryKey: ["catalog", "document"],
    queryFn: async () => unwrap(await api.GET("/v1/catalog/document", { parseAs: "text" })),
    enabled,
    staleTime: 0,
  });
}

export function useCatalogSchema(enabled: boolean) {
  return useQuery({
    queryKey: ["catalog", "schema"],
    queryFn: async () => unwrap(await api.GET("/v1/catalog/schema")),
    enabled,
    staleTime: Number.POSITIVE_INFINITY,
  });
}

export function useCatalogDiff() {
  return useMutation({
    mutationFn: async (document: string) => unwrap(await api.POST("/v1/catalog/diff", { body: { document } })),
  });
}

function useInvalidateCatalog() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: ["catalog"] });
}

export function useApplyCatalog() {
  const invalidate = useInvalidateCatalog();
  return useMutation({
    mutationFn: async (body: { document: string; reason: string }) =>
      unwrap(await api.POST("/v1/catalog/apply", { body })),
    onSuccess: invalidate,
  });
}

export function usePutEntry() {
  const invalidate = useInvalidateCatalog();
  return useMutation({
    mutationFn: async ({
      entry: { id, ...entry },
      reason,
      version,
    }: {
      entry: CatalogEntry;
      reason: string;
      version: number | undefined;
    }) =>
      unwrap(
        await api.PUT("/v1/catalog/entries/{id}", {
          params: {
            path: { id },
            header: version === undefined ? {} : { "if-match": `"${version}"` },
          },
          body: { entry, reason },
        }),
      ),
    onSuccess: invalidate,
  });
}

export function useDeleteEntry() {
  const invalidate = useInvalidateCatalog();
  return useMutation({
    mutationFn: async ({ id, reason, version }: { id: string; reason: string; version: number }) => {
      const result = await api.DELETE("/v1/catalog/entries/{id}", {
        params: { path: { id }, query: { reason }, header: { "if-match": `"${version}"` } },
      });
      if (!result.response.ok) unwrap(result);
    },
    onSuccess: invalidate,
  });
}
