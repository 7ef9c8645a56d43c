// Delivering a webhook is a job: the body is signed with HMAC-SHA256 over `${timestamp}.${body}`
// and retried with exponential backoff until the receiver accepts it or the retries run out.
import { createHmac } from "node:crypto";
import type { Logger } from "pino";
import { type Attempt, defineJob, type JobSet, worker } from "../../jobs/job.js";
import type { Clock } from "../../lib/clock.js";
import type { SecretBox } from "../../lib/secret-box.js";
import type { WebhookRepository } from "./webhook.repository.js";

export const WEBHOOK_JOBS = {
  // Retries and delay come from configuration (WEBHOOK_RETRY_LIMIT, WEBHOOK_RETRY_DELAY_SECONDS).
  deliver: defineJob<{ deliveryId: string }>("webhooks.deliver", { retryLimit: 8, retryBackoff: true }),
};

export const SIGNATURE_HEADER = "x-governor-signature";
export const TIMESTAMP_HEADER = "x-governor-timestamp";

/** `v1=<hex>`: HMAC-SHA256 with the webhook's secret over `${timestamp}.${body}`. */
export function signPayload(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export interface WebhookDeliverySettings {
  /** Attempts after the first before a delivery is marked failed. */
  retryLimit: number;
  /** First retry delay; doubles each attempt (pg-boss backoff). */
  retryDelaySeconds: number;
  timeoutMs: number;
}

function renderBody(
  format: "json" | "slack",
  envelope: { id: string; type: string; occurredAt: string; summary: string; data: Record<string, unknown> },
) {
  if (format === "json") return JSON.stringify(envelope);
  const d = envelope.data;
  const fields = ["requestId", "status", "model", "accountIds", "regions", "requesterId", "actorId", "comment"]
    .filter((k) => d[k] !== undefined && d[k] !== null)
    .map((k) => ({
      type: "mrkdwn",
      text: `*${k}*\n${Array.isArray(d[k]) ? (d[k] as unknown[]).join(", ") : String(d[k])}`,
    }));
  return JSON.stringify({
    text: envelope.summary,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${envelope.type}*: ${envelope.summary}` } },
      ...(fields.length ? [{ type: "section", fields: fields.slice(0, 10) }] : []),
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: `bedrock-governor · event ${envelope.id} · ${envelope.occurredAt}` }],
      },
    ],
  });
}

export function createWebhookJobs(deps: {
  repo: WebhookRepository;
  clock: Clock;
  log: Logger;
  settings: WebhookDeliverySettings;
  /** Opens signing secrets sealed at rest. */
  secrets: SecretBox;
}): JobSet {
  const { repo, clock, log, settings, secrets } = deps;

  async function deliver(deliveryId: string, attempt: Attempt): Promise<void> {
    const work = await repo.work(deliveryId);
    if (work?.status !== "pending") return;
    const at = clock.now();
    if (!work.webhook.active) {
      await repo.recordAttempt(deliveryId, { status: "failed", statusCode: null, error: "webhook deactivated", at });
      return;
    }
    const envelope = {
      id: work.eventId,
      ...(work.payload as { type: string; occurredAt: string; summary: string; data: Record<string, unknown> }),
    };
    const body = renderBody(work.webhook.format, envelope);
    const timestamp = String(Math.floor(at.getTime() / 1000));
    let statusCode: number | null = null;
    let error: string | null = null;
    let secret: string;
    try {
      secret = secrets.open(work.webhook.secret, work.webhook.id);
    } catch (err) {
      // Not retried: a missing or different key does not come back by waiting.
      const message = err instanceof Error ? err.message : String(err);
      log.error({ deliveryId, webhookId: work.webhook.id, err: message }, "webhook secret cannot be read");
      await repo.recordAttempt(deliveryId, { status: "failed", statusCode: null, error: message, at });
      return;
    }
    try {
      const res = await fetch(work.webhook.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "bedrock-governor-webhooks",
          "x-governor-event": work.eventType,
          "x-governor-delivery": work.id,
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: signPayload(secret, timestamp, body),
        },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
      statusCode = res.status;
      await res.body?.cancel().catch(() => undefined);
      if (!res.ok) error = `receiver answered ${res.status}`;
    } catch (err) {
      error = (
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)
      ).slice(0, 1000);
    }
    if (error === null) {
      await repo.recordAttempt(deliveryId, { status: "succeeded", statusCode, error: null, at });
      return;
    }
    const last = attempt.lastAttempt;
    await repo.recordAttempt(deliveryId, { status: last ? "failed" : "pending", statusCode, error, at });
    log.warn(
      { deliveryId, webhookId: work.webhook.id, statusCode, error, retryCount: attempt.retryCount, last },
      "webhook delivery failed",
    );
    // Failing the job makes pg-boss retry it after the backoff.
    if (!last) throw new Error(`webhook delivery ${deliveryId} failed: ${error}`);
  }

  return {
    workers: [
      worker(WEBHOOK_JOBS.deliver, ({ deliveryId }, attempt) => deliver(deliveryId, attempt), {
        pollingIntervalSeconds: 1,
        policy: { retryLimit: settings.retryLimit, retryDelaySeconds: settings.retryDelaySeconds },
      }),
    ],
    schedules: [],
  };
}
