// Delivering a webhook is a job: the body is signed with HMAC-SHA256 over `${timestamp}.${body}`
// and retried with exponential backoff until the receiver accepts it or the retries run out.
import { createHmac } from "node:crypto";
import type { Logger } from "pino";
import { type Attempt, defineJob, type JobSet, worker } from "../../jobs/job.js";
import type { Clock } from "../../lib/clock.js";
import type { WebhookMetrics } from "../../lib/metrics.js";
import { DestinationRefusedError } from "../../lib/network-destination.js";
import type { GuardedPostFn } from "../../lib/outbound-http.js";
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

/**
 * Text for Slack's mrkdwn with its control characters escaped (Slack, "Formatting text for app
 * surfaces", Escaping text: `&`, `<`, `>`), so user-supplied text (purpose, comments, names) cannot
 * write `<!channel>`, `<!here>`, `<@U…>` mentions or `<url|text>` links that hide their target.
 */
export const slackEscape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A mrkdwn text object; `verbatim` stops Slack from turning bare names and URLs into mentions and links. */
const mrkdwn = (text: string) => ({ type: "mrkdwn", text, verbatim: true });

const SLACK_FIELDS = ["requestId", "status", "model", "accountIds", "regions", "requesterId", "actorId", "comment"];

export function renderBody(
  format: "json" | "slack",
  envelope: { id: string; type: string; occurredAt: string; summary: string; data: Record<string, unknown> },
) {
  if (format === "json") return JSON.stringify(envelope);
  const d = envelope.data;
  const value = (v: unknown) => slackEscape(Array.isArray(v) ? v.map(String).join(", ") : String(v));
  const fields = SLACK_FIELDS.filter((k) => d[k] !== undefined && d[k] !== null).map((k) =>
    mrkdwn(`*${k}*\n${value(d[k])}`),
  );
  const summary = slackEscape(envelope.summary);
  return JSON.stringify({
    text: summary,
    blocks: [
      { type: "section", text: mrkdwn(`*${slackEscape(envelope.type)}*: ${summary}`) },
      ...(fields.length ? [{ type: "section", fields: fields.slice(0, 10) }] : []),
      {
        type: "context",
        elements: [
          mrkdwn(`bedrock-governor · event ${slackEscape(envelope.id)} · ${slackEscape(envelope.occurredAt)}`),
        ],
      },
    ],
  });
}

/**
 * What the delivery log (read through the API) says about a failed attempt: the status class or
 * that the connection failed. The transport's own words (refused, reset, timed out, TLS) would tell
 * the caller which ports are open behind the receiver's address; they go to the server log only.
 */
function publicError(err: unknown): string {
  if (err instanceof DestinationRefusedError) return err.message;
  if (err instanceof Error && err.cause instanceof DestinationRefusedError) return err.cause.message;
  return "connection failed";
}

export function createWebhookJobs(deps: {
  repo: WebhookRepository;
  clock: Clock;
  log: Logger;
  settings: WebhookDeliverySettings;
  /** Opens signing secrets sealed at rest. */
  secrets: SecretBox;
  /** POSTs to the receiver through the destination policy (WEBHOOK_ALLOWED_DESTINATIONS). */
  post: GuardedPostFn;
  metrics: WebhookMetrics;
}): JobSet {
  const { repo, clock, log, settings, secrets, post, metrics } = deps;

  async function deliver(deliveryId: string, attempt: Attempt): Promise<void> {
    const work = await repo.work(deliveryId);
    if (work?.status !== "pending") return;
    const at = clock.now();
    if (!work.webhook.active) {
      await repo.recordAttempt(deliveryId, { status: "failed", statusCode: null, error: "webhook deactivated", at });
      metrics.webhookDelivery("failed");
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
      metrics.webhookDelivery("failed");
      return;
    }
    let detail: string | null = null;
    try {
      const res = await post({
        url: work.webhook.url,
        headers: {
          "content-type": "application/json",
          "user-agent": "bedrock-governor-webhooks",
          "x-governor-event": work.eventType,
          "x-governor-delivery": work.id,
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: signPayload(secret, timestamp, body),
        },
        body,
        timeoutMs: settings.timeoutMs,
      });
      statusCode = res.status;
      // Redirects are not followed: a 3xx is a failed delivery like any other non-2xx.
      if (res.status < 200 || res.status > 299) error = `receiver answered ${Math.floor(res.status / 100)}xx`;
    } catch (err) {
      error = publicError(err);
      detail = (
        err instanceof Error
          ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ""}`
          : String(err)
      ).slice(0, 1000);
    }
    if (error === null) {
      await repo.recordAttempt(deliveryId, { status: "succeeded", statusCode, error: null, at });
      metrics.webhookDelivery("succeeded");
      return;
    }
    const last = attempt.lastAttempt;
    await repo.recordAttempt(deliveryId, { status: last ? "failed" : "pending", statusCode, error, at });
    metrics.webhookDelivery(last ? "failed" : "retrying");
    log.warn(
      { deliveryId, webhookId: work.webhook.id, statusCode, error, detail, retryCount: attempt.retryCount, last },
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
