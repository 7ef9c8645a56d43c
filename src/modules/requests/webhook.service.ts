// Outgoing webhooks: admins register endpoints per event type; every workflow event is written to
// the delivery log in the transaction that causes it (an outbox), then delivered by a job signed
// with HMAC-SHA256 over `${timestamp}.${body}` and retried with exponential backoff.

import { createHmac, randomBytes, randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Database, Tx } from "../../db/prisma.js";
import type { JobDefinition, JobQueue } from "../../jobs/queue.js";
import { ForbiddenError, NotFoundError, UnprocessableError } from "../../kernel/errors.js";
import { type CallContext, hasRole } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import { decodeCursor, type Page, toPage } from "../../lib/pagination.js";
import type { SecretBox } from "../../lib/secret-box.js";
import type { AuditService } from "../audit/audit.service.js";
import {
  WEBHOOK_EVENT_TYPES,
  type WebhookDeliveryView,
  type WebhookEventType,
  type WebhookInput,
  type WebhookView,
} from "./access-request.types.js";
import { auditedEdits } from "./audited-edits.js";
import type { WebhookRepository } from "./webhook.repository.js";

export const WEBHOOK_JOBS = { deliver: "webhooks.deliver" } as const;

export const SIGNATURE_HEADER = "x-governor-signature";
export const TIMESTAMP_HEADER = "x-governor-timestamp";

/** `v1=<hex>`: HMAC-SHA256 with the webhook's secret over `${timestamp}.${body}`. */
export function signPayload(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export interface WorkflowEvent {
  type: WebhookEventType;
  /** One line for people (Slack text). */
  summary: string;
  data: Record<string, unknown>;
}

export interface WebhookSettings {
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

const isDeliveryCursor = (v: unknown): v is { createdAt: string; id: string } =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as { id?: unknown }).id === "string" &&
  typeof (v as { createdAt?: unknown }).createdAt === "string";

export function createWebhookService(deps: {
  db: Database;
  repo: WebhookRepository;
  audit: AuditService;
  queue: JobQueue;
  clock: Clock;
  log: Logger;
  settings: WebhookSettings;
  /** Seals signing secrets at rest (SECRET_ENCRYPTION_KEY); stores them as given without a key. */
  secrets: SecretBox;
}) {
  const { db, repo, audit, clock, settings, secrets } = deps;

  function requireAdmin(ctx: CallContext) {
    if (!hasRole(ctx.principal, "admin")) throw new ForbiddenError("managing webhooks needs the admin role");
  }

  function validate(w: WebhookInput) {
    let url: URL | undefined;
    try {
      url = new URL(w.url);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:"))
      throw new UnprocessableError(
        "url must be an http(s) URL",
        [{ field: "body.url", message: "not an http(s) URL" }],
        "INVALID_URL",
      );
    if (url.username || url.password)
      throw new UnprocessableError(
        "url must not carry credentials",
        [{ field: "body.url", message: "has credentials" }],
        "INVALID_URL",
      );
    const known = new Set<string>([...WEBHOOK_EVENT_TYPES, "*"]);
    const bad = w.eventTypes.findIndex((t) => !known.has(t));
    if (bad >= 0)
      throw new UnprocessableError(
        `unknown event type ${w.eventTypes[bad]}; known: ${WEBHOOK_EVENT_TYPES.join(", ")}`,
        [{ field: `body.eventTypes[${bad}]`, message: "unknown event type" }],
        "UNKNOWN_EVENT_TYPE",
      );
  }

  const summary = (w: WebhookView) => ({
    name: w.name,
    url: w.url,
    eventTypes: w.eventTypes,
    format: w.format,
    active: w.active,
  });
  const edits = auditedEdits<WebhookView>({
    db,
    audit,
    noun: "webhook",
    targetType: "webhook",
    find: (id, tx) => repo.find(id, tx),
    remove: (tx, id) => repo.remove(tx, id),
    summary,
  });

  async function dispatch(ids: string[]) {
    for (const id of ids) {
      try {
        await deps.queue.send(
          WEBHOOK_JOBS.deliver,
          { deliveryId: id },
          {
            singletonKey: `webhook:${id}`,
            retryLimit: settings.retryLimit,
            retryDelay: settings.retryDelaySeconds,
            retryBackoff: true,
          },
        );
      } catch (err) {
        // The delivery row is written; the sweep re-queues deliveries whose job was never sent.
        deps.log.warn({ err, deliveryId: id }, "could not queue a webhook delivery");
      }
    }
  }

  async function deliver(deliveryId: string, retryCount: number): Promise<void> {
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
      deps.log.error({ deliveryId, webhookId: work.webhook.id, err: message }, "webhook secret cannot be read");
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
    const last = retryCount >= settings.retryLimit;
    await repo.recordAttempt(deliveryId, { status: last ? "failed" : "pending", statusCode, error, at });
    deps.log.warn(
      { deliveryId, webhookId: work.webhook.id, statusCode, error, retryCount, last },
      "webhook delivery failed",
    );
    // Failing the job makes pg-boss retry it after the backoff.
    if (!last) throw new Error(`webhook delivery ${deliveryId} failed: ${error}`);
  }

  return {
    /** Writes a delivery for each subscribed webhook in the caller's transaction; returns their ids for `dispatch`. */
    async emit(tx: Tx, event: WorkflowEvent): Promise<string[]> {
      const hooks = await repo.subscribers(tx, event.type);
      if (hooks.length === 0) return [];
      const eventId = randomUUID();
      const at = clock.now();
      const payload = { type: event.type, occurredAt: at.toISOString(), summary: event.summary, data: event.data };
      const rows = hooks.map((webhookId) => ({
        id: randomUUID(),
        webhookId,
        eventId,
        eventType: event.type,
        payload,
        at,
      }));
      await repo.insertDeliveries(tx, rows);
      return rows.map((r) => r.id);
    },

    /** Queues delivery jobs (after the transaction that wrote the deliveries committed). */
    dispatch,

    /** Re-queues deliveries whose job was lost (queue unreachable when the event happened). */
    async requeueStale(olderThanMs: number): Promise<number> {
      const ids = await repo.stalePending(new Date(clock.now().getTime() - olderThanMs), 500);
      await dispatch(ids);
      return ids.length;
    },

    async list(ctx: CallContext): Promise<WebhookView[]> {
      requireAdmin(ctx);
      return repo.list();
    },

    async get(ctx: CallContext, id: string): Promise<WebhookView> {
      requireAdmin(ctx);
      const found = await repo.find(id);
      if (!found) throw new NotFoundError(`webhook ${id} not found`);
      return found;
    },

    /** Creates a webhook; the signing secret is returned here only. */
    async create(ctx: CallContext, w: WebhookInput): Promise<{ webhook: WebhookView; secret: string }> {
      requireAdmin(ctx);
      validate(w);
      const secret = `whsec_${randomBytes(32).toString("base64url")}`;
      const id = randomUUID();
      const webhook = await db.transaction(async (tx) => {
        const created = await repo.insert(tx, id, w, secrets.seal(secret, id), ctx.principal.id, clock.now());
        await audit.record(tx, ctx, {
          action: "webhook.create",
          targetType: "webhook",
          targetId: created.id,
          after: summary(created),
        });
        return created;
      });
      return { webhook, secret };
    },

    async update(ctx: CallContext, id: string, w: WebhookInput, ifMatch?: number): Promise<WebhookView> {
      requireAdmin(ctx);
      validate(w);
      return edits.update(ctx, id, ifMatch, (tx, version) => repo.update(tx, id, version, w, clock.now()));
    },

    async remove(ctx: CallContext, id: string): Promise<void> {
      requireAdmin(ctx);
      await edits.remove(ctx, id);
    },

    async deliveries(
      ctx: CallContext,
      id: string,
      page: { limit: number; cursor?: string },
    ): Promise<Page<WebhookDeliveryView>> {
      requireAdmin(ctx);
      if (!(await repo.find(id))) throw new NotFoundError(`webhook ${id} not found`);
      const cursor = decodeCursor(page.cursor, isDeliveryCursor);
      const rows = await repo.deliveries(id, page.limit, cursor);
      return toPage(rows, page.limit, (last) => ({ createdAt: last.createdAt, id: last.id }));
    },

    jobDefinitions(): JobDefinition[] {
      return [
        {
          name: WEBHOOK_JOBS.deliver,
          queue: { retryLimit: settings.retryLimit, retryDelay: settings.retryDelaySeconds, retryBackoff: true },
          pollingIntervalSeconds: 1,
          handler: async (data, meta) => deliver((data as { deliveryId: string }).deliveryId, meta.retryCount),
        },
      ];
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
