// Model-access requests: file, list, read, decide (with If-Match), cancel, revoke, re-verify.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { AccountIdSchema } from "../../kernel/aws-ids.js";
import type { CatalogEntry } from "../../modules/catalog/catalog.types.js";
import type { AccessRequestService } from "../../modules/requests/access-request.service.js";
import { ACCESS_REQUEST_STATUSES } from "../../modules/requests/access-request.types.js";
import type { ProvisioningService } from "../../modules/requests/provisioning.service.js";
import { callContext } from "../../plugins/auth.js";
import { errorResponses, PageOf, PageQuery, StrictObject } from "../schemas.js";
import {
  AccessRequest,
  AlreadyAllowed,
  DecisionBody,
  NewAccessRequestBody,
  parseIfMatch,
  RequiredCommentBody,
  requireIfMatch,
  UuidParams,
} from "./schemas.js";

const IfMatchHeaders = Type.Object({
  "if-match": Type.Optional(Type.String({ description: "The request version you read (ETag)" })),
});

const entryView = (e: CatalogEntry) => ({
  ...e,
  scope: e.scope.kind === "organization" ? { kind: e.scope.kind } : { kind: e.scope.kind, id: e.scope.id },
});

export const accessRequestRoutes: FastifyPluginAsyncTypebox<{
  requests: AccessRequestService;
  provisioning: ProvisioningService;
}> = async (app, { requests, provisioning }) => {
  app.post(
    "/access-requests",
    {
      config: { auth: ["requester"] },
      schema: {
        operationId: "createAccessRequest",
        tags: ["access-requests"],
        summary: "File a model-access request",
        description:
          "Validated against the inventory: an unknown account, Region or model is 422 naming the field; a model not offered in a Region is 422 `MODEL_NOT_OFFERED` with `offeredIn` and `profiles`; a bare model id only an inference profile reaches in a requested Region is 422 `INFERENCE_PROFILE_REQUIRED` naming `body.model`, with the `profiles` to ask for. When desired state (the catalog or an active grant) already allows every requested account-Region, the answer is 200 `alreadyAllowed` pointing at the entries and nothing is created. A duplicate of your pending request is 409 `DUPLICATE_REQUEST` with `existingRequestId`. With `Idempotency-Key`, a repeat returns the first result; the same key with another body is 422 `IDEMPOTENCY_KEY_REUSED`.",
        headers: Type.Object({
          "idempotency-key": Type.Optional(Type.String({ minLength: 1, maxLength: 256, pattern: "^[\\x21-\\x7e]+$" })),
        }),
        body: NewAccessRequestBody,
        response: { 200: AlreadyAllowed, 201: AccessRequest, ...errorResponses(409, 422) },
      },
    },
    async (request, reply) => {
      const result = await requests.create(callContext(request), request.body, request.headers["idempotency-key"]);
      if (result.kind === "already_allowed")
        return reply.code(200).send({
          alreadyAllowed: true as const,
          message: `already allowed by ${result.entries.map((e) => e.id).join(", ")}; no request was created`,
          entries: result.entries.map(entryView),
        });
      if (result.replayed) reply.header("idempotent-replayed", "true");
      return reply
        .code(201)
        .header("location", `/v1/access-requests/${result.request.id}`)
        .header("etag", `"${result.request.version}"`)
        .send(result.request);
    },
  );

  app.get(
    "/access-requests",
    {
      config: { auth: ["requester", "auditor"] },
      schema: {
        operationId: "listAccessRequests",
        tags: ["access-requests"],
        summary: "Requests you may see: your own; those you may decide (approvers); all (admins, auditors)",
        querystring: StrictObject({
          status: Type.Optional(Type.Enum([...ACCESS_REQUEST_STATUSES])),
          mine: Type.Optional(Type.Boolean({ description: "Only your own requests" })),
          accountId: Type.Optional(AccountIdSchema()),
          ...PageQuery,
        }),
        response: { 200: PageOf(AccessRequest, "AccessRequestPage"), ...errorResponses() },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return requests.list(callContext(request), filter, { limit, ...(cursor ? { cursor } : {}) });
    },
  );

  app.get(
    "/access-requests/:id",
    {
      config: { auth: ["requester", "auditor"] },
      schema: {
        operationId: "getAccessRequest",
        tags: ["access-requests"],
        params: UuidParams,
        response: { 200: AccessRequest, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const found = await requests.get(callContext(request), request.params.id);
      return reply.header("etag", `"${found.version}"`).send(found);
    },
  );

  for (const [verb, decide] of [
    ["approve", requests.approve],
    ["reject", requests.reject],
  ] as const) {
    app.post(
      `/access-requests/:id/${verb}`,
      {
        config: { auth: ["approver"] },
        schema: {
          operationId: `${verb}AccessRequest`,
          tags: ["access-requests"],
          summary: `${verb === "approve" ? "Approve" : "Reject"} a pending request (If-Match: the version you read)`,
          description:
            "Nobody decides their own request (403, admins included). If-Match is required: another version is 412; a request no longer pending is 409 `ILLEGAL_TRANSITION`; a second decision by the same approver is 409 `ALREADY_DECIDED`.",
          params: UuidParams,
          headers: Type.Object({ "if-match": Type.String({ description: "The request version you read (ETag)" }) }),
          body: verb === "approve" ? DecisionBody : RequiredCommentBody,
          response: { 200: AccessRequest, ...errorResponses(404, 409, 412) },
        },
      },
      async (request, reply) => {
        const body = request.body as { comment?: string };
        const out = await decide(callContext(request), request.params.id, {
          ifMatch: requireIfMatch(request.headers["if-match"]),
          ...(body.comment !== undefined ? { comment: body.comment } : {}),
        });
        return reply.header("etag", `"${out.version}"`).send(out);
      },
    );
  }

  app.post(
    "/access-requests/:id/cancel",
    {
      config: { auth: ["requester"] },
      schema: {
        operationId: "cancelAccessRequest",
        tags: ["access-requests"],
        summary: "Withdraw your own pending request",
        params: UuidParams,
        headers: IfMatchHeaders,
        body: DecisionBody,
        response: { 200: AccessRequest, ...errorResponses(404, 409, 412) },
      },
    },
    async (request, reply) => {
      const ifMatch = parseIfMatch(request.headers["if-match"]);
      const out = await requests.cancel(callContext(request), request.params.id, {
        ...(request.body.comment !== undefined ? { comment: request.body.comment } : {}),
        ...(ifMatch !== undefined ? { ifMatch } : {}),
      });
      return reply.header("etag", `"${out.version}"`).send(out);
    },
  );

  app.post(
    "/access-requests/:id/revoke",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "revokeAccessRequest",
        tags: ["access-requests"],
        summary: "Take an active request's access away now (its grants end, the reversal is applied)",
        params: UuidParams,
        headers: IfMatchHeaders,
        body: RequiredCommentBody,
        response: { 200: AccessRequest, ...errorResponses(404, 409, 412) },
      },
    },
    async (request, reply) => {
      const ifMatch = parseIfMatch(request.headers["if-match"]);
      const out = await provisioning.revoke(callContext(request), request.params.id, {
        comment: request.body.comment,
        ...(ifMatch !== undefined ? { ifMatch } : {}),
      });
      return reply.header("etag", `"${out.version}"`).send(out);
    },
  );

  app.post(
    "/access-requests/:id/verify",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "verifyAccessRequest",
        tags: ["access-requests"],
        summary: "Re-sync and verify a provisioning request (after applying its remediation plans)",
        params: UuidParams,
        response: { 202: AccessRequest, ...errorResponses(404, 409) },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await provisioning.verifyNow(callContext(request), request.params.id)),
  );
};
