import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { ValidationError } from "../../kernel/errors.js";
import type { CatalogDiff, CatalogService, VersionedEntry } from "../../modules/catalog/catalog.service.js";
import {
  CatalogEntryDoc,
  CatalogEntryId,
  parseCatalogRequest,
  renderCatalogDocument,
  toDoc,
  validateEntries,
} from "../../modules/catalog/catalog-document.js";
import { callContext } from "../../plugins/auth.js";
import { errorResponses, IsoDateTime, StrictObject } from "../schemas.js";

const Versioned = Type.Object(
  {
    entry: CatalogEntryDoc,
    version: Type.Integer(),
    validFrom: IsoDateTime(),
    changedBy: Type.String(),
    reason: Type.String(),
  },
  { title: "CatalogEntryVersioned" },
);
const Version = Type.Object(
  {
    entryId: Type.String(),
    version: Type.Integer(),
    op: Type.Enum(["created", "updated", "deleted"]),
    entry: Type.Union([CatalogEntryDoc, Type.Null()]),
    validFrom: IsoDateTime(),
    validTo: Type.Union([IsoDateTime(), Type.Null()]),
    changedBy: Type.String(),
    reason: Type.String(),
    changeSetId: Type.String({ format: "uuid" }),
  },
  { title: "CatalogVersion" },
);
const Diff = Type.Object(
  {
    create: Type.Array(CatalogEntryDoc),
    update: Type.Array(
      Type.Object({
        id: Type.String(),
        fields: Type.Array(Type.String()),
        before: CatalogEntryDoc,
        after: CatalogEntryDoc,
      }),
    ),
    delete: Type.Array(CatalogEntryDoc),
    unchanged: Type.Integer(),
    changeSetId: Type.Optional(Type.Union([Type.String({ format: "uuid" }), Type.Null()])),
  },
  { title: "CatalogDiff" },
);
const IdParams = StrictObject({ id: CatalogEntryId() });
const Reason = Type.String({ minLength: 1, maxLength: 2048, description: "Why (kept with the version)" });

const viewVersioned = (v: VersionedEntry) => ({ ...v, entry: toDoc(v.entry) });
const viewDiff = (d: CatalogDiff & { changeSetId?: string | null }) => ({
  create: d.create.map(toDoc),
  update: d.update.map((u) => ({ id: u.id, fields: u.fields, before: toDoc(u.before), after: toDoc(u.after) })),
  delete: d.delete.map(toDoc),
  unchanged: d.unchanged,
  ...(d.changeSetId !== undefined ? { changeSetId: d.changeSetId } : {}),
});

function ifMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(header.trim());
  if (!m)
    throw new ValidationError("If-Match must be the entry version (ETag)", [
      { field: "headers.if-match", message: "expected a version number" },
    ]);
  return Number(m[1]);
}

export const catalogRoutes: FastifyPluginAsyncTypebox<{ catalog: CatalogService }> = async (app, { catalog }) => {
  app.get(
    "/catalog/entries",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "listCatalogEntries",
        tags: ["catalog"],
        summary: "The catalog now, or as it was in force at `at`",
        querystring: StrictObject({ at: Type.Optional(IsoDateTime("Read the catalog in force at this time")) }),
        response: {
          200: Type.Object({ items: Type.Array(Versioned) }, { title: "CatalogEntryList" }),
          ...errorResponses(),
        },
      },
    },
    async (request) => {
      const at = request.query.at ? new Date(request.query.at) : undefined;
      return { items: (await catalog.list(callContext(request), at)).map(viewVersioned) };
    },
  );

  app.get(
    "/catalog/entries/:id",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "getCatalogEntry",
        tags: ["catalog"],
        params: IdParams,
        response: { 200: Versioned, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const v = await catalog.get(callContext(request), request.params.id);
      return reply.header("etag", `"${v.version}"`).send(viewVersioned(v));
    },
  );

  app.get(
    "/catalog/entries/:id/history",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "getCatalogEntryHistory",
        tags: ["catalog"],
        summary: "Every version of an entry: who changed it, when and why",
        params: IdParams,
        response: {
          200: Type.Object({ items: Type.Array(Version) }, { title: "CatalogVersionList" }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => ({
      items: (await catalog.history(callContext(request), request.params.id)).map((r) => ({
        ...r,
        entry: r.entry ? toDoc(r.entry) : null,
      })),
    }),
  );

  app.put(
    "/catalog/entries/:id",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "putCatalogEntry",
        tags: ["catalog"],
        summary: "Create or replace an entry (send If-Match with the version you saw to avoid lost updates)",
        params: IdParams,
        headers: Type.Object({ "if-match": Type.Optional(Type.String()) }),
        body: StrictObject({
          entry: Type.Omit(CatalogEntryDoc, ["id"], { title: "CatalogEntryWithoutId" }),
          reason: Reason,
        }),
        response: { 200: Versioned, ...errorResponses(409, 412, 422) },
      },
    },
    async (request, reply) => {
      const [entry] = validateEntries([{ ...request.body.entry, id: request.params.id }], "body.entry");
      const v = await catalog.put(
        callContext(request),
        entry as NonNullable<typeof entry>,
        request.body.reason,
        ifMatch(request.headers["if-match"]),
      );
      return reply.header("etag", `"${v.version}"`).send(viewVersioned(v));
    },
  );

  app.delete(
    "/catalog/entries/:id",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "deleteCatalogEntry",
        tags: ["catalog"],
        params: IdParams,
        headers: Type.Object({ "if-match": Type.Optional(Type.String()) }),
        querystring: StrictObject({ reason: Reason }),
        response: {
          204: Type.Null({ description: "Deleted (a version marks the deletion)" }),
          ...errorResponses(404, 412),
        },
      },
    },
    async (request, reply) => {
      await catalog.remove(
        callContext(request),
        request.params.id,
        request.query.reason,
        ifMatch(request.headers["if-match"]),
      );
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/catalog/document",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "exportCatalog",
        tags: ["catalog"],
        summary: "The catalog as a YAML document (for git), now or at `at`",
        querystring: StrictObject({ at: Type.Optional(IsoDateTime()) }),
        response: { 200: Type.String({ description: "YAML" }), ...errorResponses() },
      },
    },
    async (request, reply) => {
      const at = request.query.at ? new Date(request.query.at) : undefined;
      const entries = (await catalog.list(callContext(request), at)).map((v) => v.entry);
      return reply.type("text/yaml; charset=utf-8").send(renderCatalogDocument(entries));
    },
  );

  app.post(
    "/catalog/diff",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "diffCatalog",
        tags: ["catalog"],
        summary: "What applying a YAML catalog document would change",
        body: StrictObject({ document: Type.String({ minLength: 1, maxLength: 2_000_000 }) }),
        response: { 200: Diff, ...errorResponses(422) },
      },
    },
    async (request) =>
      viewDiff(
        await catalog.diff(callContext(request), await parseCatalogRequest(request.body.document, "body.document")),
      ),
  );

  app.post(
    "/catalog/apply",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "applyCatalog",
        tags: ["catalog"],
        summary: "Make the catalog equal to a YAML document, as one audited change set",
        body: StrictObject({ document: Type.String({ minLength: 1, maxLength: 2_000_000 }), reason: Reason }),
        response: { 200: Diff, ...errorResponses(409, 422) },
      },
    },
    async (request) =>
      viewDiff(
        await catalog.apply(
          callContext(request),
          await parseCatalogRequest(request.body.document, "body.document"),
          request.body.reason,
        ),
      ),
  );
};
