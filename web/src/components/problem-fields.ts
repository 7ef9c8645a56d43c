// problem+json field errors (`errors: [{ field: "body.accountIds[1]", message }]`) keyed by the
// form field they belong to (`accountIds`), so a form shows each message on its field.
import { ProblemError } from "../api/client";

export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ProblemError)) return out;
  for (const e of error.problem?.errors ?? []) {
    const name = /^body\.([A-Za-z]+)/.exec(e.field)?.[1];
    if (name && out[name] === undefined) out[name] = e.message;
  }
  return out;
}

/** The problem's stable code, if the error is a problem+json answer. */
export function problemCode(error: unknown): string | undefined {
  return error instanceof ProblemError ? error.problem?.code : undefined;
}

/** A stale decision: someone else changed the request since it was read (412), or decided it (409). */
export function isStale(error: unknown): boolean {
  return error instanceof ProblemError && (error.status === 412 || error.status === 409);
}
