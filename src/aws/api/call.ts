import { setTimeout as sleep } from "node:timers/promises";
import { type AwsCallContext, toAwsGateError } from "../errors.js";

/**
 * Errors AWS asks to retry "later" that the SDK's retry strategy does not treat as retryable
 * (aws-facts: "ConcurrentModificationException is not retried"): Organizations answers them while
 * another request changes the same target or the effective policy is being recomputed.
 */
export const TRY_AGAIN_LATER = ["ConcurrentModificationException", "PolicyChangesInProgressException"] as const;

export interface LaterRetry {
  /** Error names to retry. */
  on: readonly string[];
  /** Attempts in all (default 6). */
  attempts?: number;
  /** First backoff; doubles per attempt with full jitter, at most 8 s (default 250 ms). */
  baseDelayMs?: number;
}

/**
 * Runs one SDK call (throttling and 5xx are retried inside the client; `later` adds bounded,
 * jittered retries of errors AWS asks to retry later); failures become AwsGateErrors.
 */
export async function call<T>(ctx: AwsCallContext, fn: () => Promise<T>, later?: LaterRetry): Promise<T> {
  const attempts = later?.attempts ?? 6;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const name = (err as { name?: unknown }).name;
      if (later === undefined || attempt >= attempts || typeof name !== "string" || !later.on.includes(name))
        throw toAwsGateError(err, ctx);
      const cap = Math.min(8_000, (later.baseDelayMs ?? 250) * 2 ** (attempt - 1));
      await sleep(Math.random() * cap);
    }
  }
}

/** Drains an SDK paginator (which follows tokens through empty pages) into one array. */
export async function collect<P, T>(
  ctx: AwsCallContext,
  pages: AsyncIterable<P>,
  items: (page: P) => T[] | undefined,
): Promise<T[]> {
  const out: T[] = [];
  try {
    for await (const page of pages) out.push(...(items(page) ?? []));
  } catch (err) {
    throw toAwsGateError(err, ctx);
  }
  return out;
}
