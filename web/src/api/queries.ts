// TanStack Query hooks over the generated client: one per read the pages share.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./client";

export const queryKeys = {
  me: (token: string | undefined) => ["me", token] as const,
  settings: ["console-settings"] as const,
};

/** How to sign in: read before anyone is signed in. */
export function useConsoleSettings() {
  return useQuery({
    queryKey: queryKeys.settings,
    queryFn: async () => unwrap(await api.GET("/v1/console/settings")),
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/** The signed-in principal and its roles (GET /v1/me). */
export function meQuery(token: string | undefined) {
  return queryOptions({
    queryKey: queryKeys.me(token),
    queryFn: async () => unwrap(await api.GET("/v1/me")),
    staleTime: 5 * 60_000,
    retry: false,
  });
}

export function useMe(token: string | undefined) {
  return useQuery({ ...meQuery(token), enabled: token !== undefined });
}
