// Outgoing webhooks and their delivery log (admin).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { WebhookService } from "../../modules/requests/webhook.service.js";
import { callContext } from "../../plugins/auth.js";
import { parseIfMatch, UuidParams, Webhook, WebhookBody, WebhookDelivery } from "../access-requests/schemas.js";
import { errorResponses, PageOf, PageQuery, StrictObject } from "../schemas.js";

export const webhookRoutes: FastifyPluginAsyncTypebox<{ webhooks: WebhookService }> = async (app, { webhooks }) => {
  app.get(
    "/webhooks",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "listWebhooks",
        tags: ["webhooks"],
        response: { 200: Type.Object({ items: Type.Array(Webhook) }, { title: "WebhookList" }), ...errorResponses() },
      },
    },
    async (request) => ({ items: await webhooks.list(callContext(request)) }),
  );

  app.post(
    "/webhooks",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "createWebhook",
        tags: ["webhooks"],
        summary: "Register a webhook; the signing secret is in this answer only",
        description:
          "Deliveries are POSTed with `X-Governor-Timestamp` (Unix seconds) and `X-Governor-Signature: v1=<hex>`, the HMAC-SHA256 with the secret over `<timestamp>.<body>`; failed deliveries are retried with exponential backoff. `format: slack` sends `{ text, blocks }`.",
        body: WebhookBody,
        response: {
          201: Type.Object(
            { webhook: Webhook, secret: Type.String({ description: "Signing secret, shown once" }) },
            { title: "WebhookCreated" },
          ),
          ...errorResponses(422),
        },
      },
    },
    async (request, reply) => reply.code(201).send(await webhooks.create(callContext(request), request.body)),
  );

  app.get(
    "/webhooks/:id",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "getWebhook",
        tags: ["webhooks"],
        params: UuidParams,
        response: { 200: Webhook, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const w = await webhooks.get(callContext(request), request.params.id);
      return reply.header("etag", `"${w.version}"`).send(w);
    },
  );

  app.put(
    "/webhooks/:id",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "putWebhook",
        tags: ["webhooks"],
        params: UuidParams,
        headers: Type.Object({ "if-match": Type.Optional(Type.String()) }),
        body: WebhookBody,
        response: { 200: Webhook, ...errorResponses(404, 409, 412, 422) },
      },
    },
    async (request, reply) => {
      const ifMatch = parseIfMatch(request.headers["if-match"]);
      const w = await webhooks.update(callContext(request), request.params.id, request.body, ifMatch);
      return reply.header("etag", `"${w.version}"`).send(w);
    },
  );

  app.delete(
    "/webhooks/:id",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "deleteWebhook",
        tags: ["webhooks"],
        params: UuidParams,
        response: { 204: Type.Null({ description: "Deleted" }), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await webhooks.remove(callContext(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/webhooks/:id/deliveries",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "listWebhookDeliveries",
        tags: ["webhooks"],
        summary: "The delivery log, newest first: attempts, last status, errors",
        params: UuidParams,
        querystring: StrictObject({ ...PageQuery }),
        response: { 200: PageOf(WebhookDelivery, "WebhookDeliveryPage"), ...errorResponses(404) },
      },
    },
    async (request) =>
      webhooks.deliveries(callContext(request), request.params.id, {
        limit: request.query.limit,
        ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
      }),
  );
};
