// The doctor's two calls: a live diagnosis, or the classification of a pasted error alone.
import { useMutation } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { paths } from "../../api/schema";

export type DoctorRequest = paths["/v1/doctor"]["post"]["requestBody"]["content"]["application/json"];
export type DoctorReport = paths["/v1/doctor"]["post"]["responses"][200]["content"]["application/json"];
export type Diagnosis = paths["/v1/doctor/classify"]["post"]["responses"][200]["content"]["application/json"];

export function useDiagnose() {
  return useMutation({
    mutationFn: async (body: DoctorRequest) => unwrap(await api.POST("/v1/doctor", { body })),
  });
}

export function useClassify() {
  return useMutation({
    mutationFn: async (errorText: string) => unwrap(await api.POST("/v1/doctor/classify", { body: { errorText } })),
  });
}
