// Storage of webhooks and their delivery log. The signing secret is read only for signing.
import type { Database, Tx } from "../../db/prisma.js";
import type { Prisma } from "../../generated/prisma/client.js";
import type { WebhookDeliveryView, WebhookInput, WebhookView } from "./access-request.types.js";

type Row = Prisma.WebhookGetPayload<object>;
type DeliveryRow = Prisma.WebhookDeliveryGetPayload<object>;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function fromDb(r: Row): WebhookView {
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    eventTypes: r.eventTypes,
    format: r.format,
    active: r.active,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    createdBy: r.createdBy,
    updatedAt: r.updatedAt.toISOString(),
  };
}

function deliveryFromDb(d: DeliveryRow): WebhookDeliveryView {
  return {
    id: d.id,
    webhookId: d.webhookId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    lastAttemptAt: iso(d.lastAttemptAt),
    deliveredAt: iso(d.deliveredAt),
  };
}

export interface DeliveryWork {
  id: string;
  status: "pending" | "succeeded" | "failed";
  eventId: string;
  eventType: string;
  payload: unknown;
  createdAt: Date;
  webhook: { id: string; url: string; format: "json" | "slack"; secret: string; active: boolean };
}

export function createWebhookRepository(db: Database) {
  const client = db.client;
  return {
    async list(): Promise<WebhookView[]> {
      return (await client.webhook.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] })).map(fromDb);
    },
    async find(id: string, tx?: Tx): Promise<WebhookView | undefined> {
      const row = await (tx ?? client).webhook.findUnique({ where: { id } });
      return row ? fromDb(row) : undefined;
    },
    async insert(id: string, w: WebhookInput, secret: string, by: string, at: Date, tx: Tx): Promise<WebhookView> {
      return fromDb(
        await tx.webhook.create({ data: { id, ...w, secret, createdAt: at, createdBy: by, updatedAt: at } }),
      );
    },
    async update(id: string, version: number, w: WebhookInput, at: Date, tx: Tx): Promise<boolean> {
      const res = await tx.webhook.updateMany({
        where: { id, version },
        data: { ...w, updatedAt: at, version: { increment: 1 } },
      });
      return res.count === 1;
    },
    async remove(id: string, tx: Tx): Promise<boolean> {
      return (await tx.webhook.deleteMany({ where: { id } })).count === 1;
    },

    /** Active webhooks subscribed to the event type (or `*`). */
    async subscribers(eventType: string, tx: Tx): Promise<string[]> {
      const rows = await tx.webhook.findMany({
        where: { active: true, OR: [{ eventTypes: { has: eventType } }, { eventTypes: { has: "*" } }] },
        select: { id: true },
      });
      return rows.map((r) => r.id);
    },

    async insertDeliveries(
      rows: Array<{ id: string; webhookId: string; eventId: string; eventType: string; payload: unknown; at: Date }>,
      tx: Tx,
    ): Promise<void> {
      if (rows.length === 0) return;
      await tx.webhookDelivery.createMany({
        data: rows.map((r) => ({
          id: r.id,
          webhookId: r.webhookId,
          eventId: r.eventId,
          eventType: r.eventType,
          payload: r.payload as Prisma.InputJsonValue,
          createdAt: r.at,
        })),
        skipDuplicates: true,
      });
    },

    async work(id: string): Promise<DeliveryWork | undefined> {
      const row = await client.webhookDelivery.findUnique({ where: { id }, include: { webhook: true } });
      if (!row) return undefined;
      return {
        id: row.id,
        status: row.status,
        eventId: row.eventId,
        eventType: row.eventType,
        payload: row.payload,
        createdAt: row.createdAt,
        webhook: {
          id: row.webhook.id,
          url: row.webhook.url,
          format: row.webhook.format,
          secret: row.webhook.secret,
          active: row.webhook.active,
        },
      };
    },

    async recordAttempt(
      id: string,
      outcome: {
        status: "pending" | "succeeded" | "failed";
        statusCode: number | null;
        error: string | null;
        at: Date;
      },
    ): Promise<void> {
      await client.webhookDelivery.update({
        where: { id },
        data: {
          status: outcome.status,
          attempts: { increment: 1 },
          lastStatusCode: outcome.statusCode,
          lastError: outcome.error,
          lastAttemptAt: outcome.at,
          ...(outcome.status === "succeeded" ? { deliveredAt: outcome.at } : {}),
        },
      });
    },

    /** Pending deliveries created before `before` (their job may have been lost), oldest first. */
    async stalePending(before: Date, limit: number): Promise<string[]> {
      const rows = await client.webhookDelivery.findMany({
        where: { status: "pending", createdAt: { lte: before } },
        select: { id: true },
        orderBy: { createdAt: "asc" },
        take: limit,
      });
      return rows.map((r) => r.id);
    },

    /** Newest first; keyset on (createdAt, id). Reads `limit + 1` rows. */
    async deliveries(
      webhookId: string,
      limit: number,
      after?: { createdAt: string; id: string },
    ): Promise<WebhookDeliveryView[]> {
      const rows = await client.webhookDelivery.findMany({
        where: {
          webhookId,
          ...(after
            ? {
                OR: [
                  { createdAt: { lt: new Date(after.createdAt) } },
                  { createdAt: new Date(after.createdAt), id: { lt: after.id } },
                ],
              }
            : {}),
        },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: limit + 1,
      });
      return rows.map(deliveryFromDb);
    },
  };
}

export type WebhookRepository = ReturnType<typeof createWebhookRepository>;
