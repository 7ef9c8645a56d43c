// The API client: openapi-fetch over the types generated from openapi.yaml (schema.d.ts, made by
// `npm run build:api-client`). Every call goes through `api`; the bearer token comes from the
// session, and a problem+json answer becomes a ProblemError carrying the API's own message.
import createClient, { type Middleware } from "openapi-fetch";
import { session } from "../auth/session";
import type { components, paths } from "./schema";

export type Problem = components["schemas"]["Problem"];

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem> | undefined,
  ) {
    super(problem?.detail ?? problem?.title ?? `the API answered ${status}`);
    this.name = "ProblemError";
  }
}

const bearer: Middleware = {
  onRequest({ request }) {
    const token = session.token();
    if (token) request.headers.set("authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    // A credential that stopped working (revoked, expired) ends the session: sign in again.
    if (response.status === 401 && session.token())
      session.clear("Those credentials were not accepted (wrong, expired or revoked); sign in again.");
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(bearer);

/** The data of an openapi-fetch result, or a ProblemError with the API's problem+json. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data !== undefined && result.response.ok) return result.data;
  throw new ProblemError(result.response.status, (result.error ?? undefined) as Partial<Problem> | undefined);
}
