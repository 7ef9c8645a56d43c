// The signed-in principal (GET /v1/me) for every page under the shell.
import { createContext, useContext } from "react";
import type { paths } from "../api/schema";

export type Principal = paths["/v1/me"]["get"]["responses"][200]["content"]["application/json"];

export const PrincipalContext = createContext<Principal | undefined>(undefined);

export function usePrincipal(): Principal {
  const principal = useContext(PrincipalContext);
  if (!principal) throw new Error("usePrincipal outside the signed-in shell");
  return principal;
}
