// The per-endpoint baseline of bench:api: each read endpoint's exact SQL (built by the same
// functions the service's repositories call, with the same parameters) on a bare Fastify route and
// a node-postgres pool of the size the service reads with, run as the service runs it (named
// prepared statements, default node-postgres types). No auth, plugins, hooks, schemas or row
// mapping: the rows go out through JSON.stringify. In its own process; prints its address on
// stdout. Env: DATABASE_URL, DATABASE_POOL_SIZE, INVENTORY_REGIONS (the service's Region scope).
import Fastify from "fastify";
import pg from "pg";
import { readPoolSize, statementName } from "../src/db/prisma.js";
import type { Prisma } from "../src/generated/prisma/client.js";
import { auditListSql } from "../src/modules/audit/audit.repository.js";
import { accountListSql, accountRegionSql } from "../src/modules/inventory/inventory-sql.repository.js";
import { modelAvailabilitySql, modelKnownSql, modelMatrixSql } from "../src/modules/inventory/model-view.repository.js";
import { findingsListSql } from "../src/modules/reconcile/findings.repository.js";

const defaults = [...new Set((process.env.INVENTORY_REGIONS ?? "").split(",").filter(Boolean))];
if (defaults.length === 0) throw new Error("INVENTORY_REGIONS is required (the service's Region scope)");
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: readPoolSize(Number(process.env.DATABASE_POOL_SIZE ?? "10")),
});
// Statement names remembered per text, as the service's Database.read does.
const names = new Map<string, string>();
const read = async (sql: Prisma.Sql) => {
  const name = names.get(sql.text) ?? names.set(sql.text, statementName(sql.text)).get(sql.text);
  return (await pool.query({ name, text: sql.text, values: sql.values as unknown[] })).rows;
};
const cursorOf = (q: { cursor?: string }) =>
  q.cursor ? (JSON.parse(Buffer.from(q.cursor, "base64url").toString("utf8")) as Record<string, string>) : undefined;

type Query = Record<string, string | undefined>;
const app = Fastify({ logger: false });
const json = (body: unknown) => JSON.stringify(body);

app.get<{ Querystring: Query }>("/v1/accounts", async (req, reply) => {
  const q = req.query;
  const rows = await read(
    accountListSql(defaults, q.ouId ? { ouId: q.ouId } : {}, Number(q.limit ?? 50), cursorOf(q)?.id),
  );
  return reply.type("application/json").send(json(rows));
});

app.get<{ Querystring: Query; Params: { accountId: string; region: string } }>(
  "/v1/accounts/:accountId/regions/:region/models",
  async (req, reply) => {
    const { accountId, region } = req.params;
    const [accountRegion, rows] = await Promise.all([
      read(accountRegionSql(accountId, region)),
      read(modelMatrixSql(accountId, region, {}, Number(req.query.limit ?? 100), cursorOf(req.query)?.modelId)),
    ]);
    return reply.type("application/json").send(json({ accountRegion, rows }));
  },
);

app.get<{ Querystring: Query; Params: { modelId: string } }>("/v1/models/:modelId/availability", async (req, reply) => {
  const { modelId } = req.params;
  const after = cursorOf(req.query) as { accountId: string; region: string } | undefined;
  const [known, rows] = await Promise.all([
    read(modelKnownSql(modelId)),
    read(modelAvailabilitySql(modelId, Number(req.query.limit ?? 50), after)),
  ]);
  return reply.type("application/json").send(json({ known, rows }));
});

app.get<{ Querystring: Query }>("/v1/findings", async (req, reply) => {
  const q = req.query;
  const after = cursorOf(q)?.id;
  const filter = q.status ? { status: q.status as "open" } : {};
  const rows = await read(
    findingsListSql(filter, { limit: Number(q.limit ?? 50) + 1, ...(after ? { afterId: after } : {}) }),
  );
  return reply.type("application/json").send(json(rows));
});

app.get<{ Querystring: Query }>("/v1/audit-events", async (req, reply) => {
  const q = req.query;
  const before = cursorOf(q)?.id;
  const rows = await read(
    auditListSql(q.action ? { action: q.action } : {}, Number(q.limit ?? 50), before ? BigInt(before) : undefined),
  );
  return reply.type("application/json").send(json(rows));
});

const address = await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(`${JSON.stringify({ address })}\n`);
