// Report schedules: list, create, delete (auditor or admin; the API decides).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { paths } from "../../api/schema";

export type ReportScheduleInput = paths["/v1/report-schedules"]["post"]["requestBody"]["content"]["application/json"];
export type ReportSchedule = paths["/v1/report-schedules/{id}"]["get"]["responses"][200]["content"]["application/json"];

const KEY = ["report-schedules"];

export function useReportSchedules() {
  return useQuery({
    queryKey: KEY,
    queryFn: async () => unwrap(await api.GET("/v1/report-schedules")),
  });
}

export function useCreateReportSchedule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: ReportScheduleInput) => unwrap(await api.POST("/v1/report-schedules", { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: KEY }),
  });
}

export function useDeleteReportSchedule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      const result = await api.DELETE("/v1/report-schedules/{id}", { params: { path: { id } } });
      if (!result.response.ok) unwrap(result);
      return id;
    },
    onSuccess: () => client.invalidateQueries({ queryKey: KEY }),
  });
}
