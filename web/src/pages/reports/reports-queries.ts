// Reports and invocation ingestions: reads poll while something is rendering or running.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { paths } from "../../api/schema";
import { attachmentName, saveBlob } from "../../components/save-blob";

export type ReportRequest = paths["/v1/reports"]["post"]["requestBody"]["content"]["application/json"];
export type Report = paths["/v1/reports/{id}"]["get"]["responses"][200]["content"]["application/json"];
export type IngestionRequest = paths["/v1/invocation-ingestions"]["post"]["requestBody"]["content"]["application/json"];
export type Ingestion = paths["/v1/invocation-ingestions/{id}"]["get"]["responses"][200]["content"]["application/json"];

const POLL_MS = 1_500;
const busy = (status: string) => status === "queued" || status === "running";

export function useReports() {
  return useQuery({
    queryKey: ["reports"],
    queryFn: async () => unwrap(await api.GET("/v1/reports", { params: { query: { limit: 50 } } })),
    refetchInterval: (q) => (q.state.data?.items.some((r) => busy(r.status)) ? POLL_MS : false),
  });
}

export function useCreateReport() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: ReportRequest) => unwrap(await api.POST("/v1/reports", { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["reports"] }),
  });
}

/** Fetches the report with the session's token and saves it (no credential in any URL). */
export function useDownloadReport() {
  return useMutation({
    mutationFn: async (report: Report) => {
      const result = await api.GET("/v1/reports/{id}/download", {
        params: { path: { id: report.id } },
        parseAs: "blob",
      });
      const blob = unwrap(result) as unknown as Blob;
      const name = attachmentName(
        result.response.headers.get("content-disposition"),
        report.format === "csv" || report.format === "evidence"
          ? `report-${report.format}.zip`
          : `report.${report.format}`,
      );
      saveBlob(blob, name);
      return name;
    },
  });
}

export function useIngestions() {
  return useQuery({
    queryKey: ["invocation-ingestions", { limit: 10 }],
    queryFn: async () => unwrap(await api.GET("/v1/invocation-ingestions", { params: { query: { limit: 10 } } })),
    refetchInterval: (q) => (q.state.data?.items.some((i) => busy(i.status)) ? POLL_MS : false),
  });
}

export function useStartIngestion() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: IngestionRequest) => unwrap(await api.POST("/v1/invocation-ingestions", { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["invocation-ingestions"] }),
  });
}
