// Outgoing webhooks: admins register endpoints per event type; every workflow event is written to
// the delivery log in the transaction that causes it (an outbox), then delivered by a job signed
// by a job (webhook.jobs.ts).

import { randomBytes, randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Database, Tx } from "../../db/prisma.js";
import type { JobQueue } from "../../jobs/queue.js";
import { ForbiddenError, NotFoundError, UnprocessableError } from "../../kernel/errors.js";
import { type CallContext, hasRole } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import { type DestinationAllowList, refusedUrl } from "../../lib/network-destination.js";
import { decodeCursor, isTimeIdCursor, type Page, toPage } from "../../lib/pagination.js";
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
import { WEBHOOK_JOBS } from "./webhook.jobs.js";
import type { WebhookRepository } from "./webhook.repository.js";

export interface WorkflowEvent {
  type: WebhookEventType;
  /** One line for people (Slack text). */
  summary: string;
  data: Record<string, unknown>;
}

/**
 * A webhook URL as shown after its creation: scheme, host and port only. The path and query of a
 * webhook URL are often its credential (Slack's /services/T…/B…/<token>, ?token=…), and audit
 * events are read by auditors.
 */
export function redactWebhookUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return "…";
  }
}

const redacted = (w: WebhookView): WebhookView => ({ ...w, url: redactWebhookUrl(w.url) });

export function createWebhookService(deps: {
  db: Database;
  repo: WebhookRepository;
  audit: AuditService;
  queue: JobQueue;
  clock: Clock;
  log: Logger;
  /** Seals signing secrets at rest (SECRET_ENCRYPTION_KEY); stores them as given without a key. */
  secrets: SecretBox;
  /** Destinations allowed although not public (WEBHOOK_ALLOWED_DESTINATIONS). */
  allowedDestinations: DestinationAllowList;
}) {
  const { db, repo, audit, clock, secrets } = deps;

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
    // Judged again after DNS resolution at each delivery (webhook.jobs.ts).
    const refused = refusedUrl(url, deps.allowedDestinations);
    if (refused)
      throw new UnprocessableError(
        "url must point at a public address (or one allowed by WEBHOOK_ALLOWED_DESTINATIONS)",
        [{ field: "body.url", message: `${refused} not allowed` }],
        "DESTINATION_NOT_ALLOWED",
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
    url: redactWebhookUrl(w.url),
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
    remove: (id, tx) => repo.remove(id, tx),
    summary,
  });

  async function dispatch(ids: string[]) {
    for (const id of ids) {
      try {
        await deps.queue.send(WEBHOOK_JOBS.deliver, { deliveryId: id }, { singletonKey: `webhook:${id}` });
      } catch (err) {
        // The delivery row is written; the sweep re-queues deliveries whose job was never sent.
        deps.log.warn({ err, deliveryId: id }, "could not queue a webhook delivery");
      }
    }
  }

  return {
    /** Writes a delivery for each subscribed webhook in the caller's transaction; returns their ids for `dispatch`. */
    async emit(event: WorkflowEvent, tx: Tx): Promise<string[]> {
      const hooks = await repo.subscribers(event.type, tx);
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
      await repo.insertDeliveries(rows, tx);
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
      return (await repo.list()).map(redacted);
    },

    async get(ctx: CallContext, id: string): Promise<WebhookView> {
      requireAdmin(ctx);
      const found = await repo.find(id);
      if (!found) throw new NotFoundError(`webhook ${id} not found`);
      return redacted(found);
    },

    /** Creates a webhook; the signing secret and the full URL are returned here only. */
    async create(ctx: CallContext, w: WebhookInput): Promise<{ webhook: WebhookView; secret: string }> {
      requireAdmin(ctx);
      validate(w);
      const secret = `whsec_${randomBytes(32).toString("base64url")}`;
      const id = randomUUID();
      const webhook = await db.transaction(async (tx) => {
        const created = await repo.insert(id, w, secrets.seal(secret, id), ctx.principal.id, clock.now(), tx);
        await audit.record(
          ctx,
          {
            action: "webhook.create",
            targetType: "webhook",
            targetId: created.id,
            after: summary(created),
          },
          tx,
        );
        return created;
      });
      return { webhook, secret };
    },

    async update(ctx: CallContext, id: string, w: WebhookInput, ifMatch?: number): Promise<WebhookView> {
      requireAdmin(ctx);
      validate(w);
      // The URL as shown (redacted) keeps the stored one, so a read-modify-write keeps working.
      const updated = await edits.update(ctx, id, ifMatch, async (version, tx) => {
        const current = await repo.find(id, tx);
        const url = current && w.url === redactWebhookUrl(current.url) ? current.url : w.url;
        return repo.update(id, version, { ...w, url }, clock.now(), tx);
      });
      return redacted(updated);
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
      const cursor = decodeCursor(page.cursor, isTimeIdCursor);
      const rows = await repo.deliveries(id, page.limit, cursor);
      return toPage(rows, page.limit, (last) => ({ createdAt: last.createdAt, id: last.id }));
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
