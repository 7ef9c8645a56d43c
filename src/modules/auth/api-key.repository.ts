import { type Database, type PrismaClient, type Tx, translatePrismaError } from "../../db/prisma.js";
import type { Prisma } from "../../generated/prisma/client.js";
import type { Role } from "../../kernel/principal.js";
import type { ApiKey, ApiKeyStatus } from "./api-key.types.js";
import type { HashScheme } from "./api-key-hash.js";

/** The PostgreSQL NOTIFY channel a revocation is announced on (payload: the key id). */
export const API_KEY_REVOKED_CHANNEL = "bedrock_governor_api_key_revoked";

type Row = Prisma.ApiKeyGetPayload<object>;

export interface ApiKeyRecord extends ApiKey {
  secretHash: string;
  hashScheme: HashScheme;
}

function statusOf(row: Row, now: Date): ApiKeyStatus {
  if (row.revokedAt) return "revoked";
  if (row.expiresAt && row.expiresAt <= now) return "expired";
  return "active";
}

function toDomain(row: Row, now = new Date()): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    keyId: row.keyId,
    secretHash: row.secretHash,
    hashScheme: row.hashScheme,
    createdBy: row.createdBy,
    owner: row.owner,
    service: row.service,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    revokedBy: row.revokedBy,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    status: statusOf(row, now),
  };
}

export function stripSecret(record: ApiKeyRecord): ApiKey {
  const { secretHash: _omit, hashScheme: _scheme, ...key } = record;
  return key;
}

export function createApiKeyRepository(db: Database) {
  const client = db.client;
  return {
    async insert(
      data: {
        id: string;
        name: string;
        role: Role;
        keyId: string;
        secretHash: string;
        hashScheme: HashScheme;
        createdBy: string;
        owner: string | null;
        service: boolean;
        expiresAt?: Date;
      },
      tx: Tx,
    ): Promise<ApiKeyRecord> {
      try {
        return toDomain(await tx.apiKey.create({ data }));
      } catch (err) {
        translatePrismaError(err, "API key");
      }
    },

    async findByKeyId(keyId: string): Promise<ApiKeyRecord | undefined> {
      const row = await client.apiKey.findUnique({ where: { keyId } });
      return row ? toDomain(row) : undefined;
    },

    async findById(id: string, tx: Tx | PrismaClient = client): Promise<ApiKeyRecord | undefined> {
      const row = await tx.apiKey.findUnique({ where: { id } });
      return row ? toDomain(row) : undefined;
    },

    /** Newest first; keyset on (createdAt, id). Reads `limit + 1` rows. */
    async list(limit: number, after?: { createdAt: Date; id: string }): Promise<ApiKeyRecord[]> {
      const rows = await client.apiKey.findMany({
        where: after
          ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }
          : undefined,
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: limit + 1,
      });
      const now = new Date();
      return rows.map((r) => toDomain(r, now));
    },

    /** Revokes when not yet revoked; returns undefined when someone else revoked it first. */
    async revoke(id: string, by: string, at: Date, tx: Tx): Promise<ApiKeyRecord | undefined> {
      const done = await tx.apiKey.updateMany({
        where: { id, revokedAt: null },
        data: { revokedAt: at, revokedBy: by },
      });
      if (done.count === 0) return undefined;
      const after = await this.findById(id, tx);
      // Delivered to every listening API process when the transaction commits.
      if (after) await tx.$executeRaw`SELECT pg_notify(${API_KEY_REVOKED_CHANNEL}, ${after.keyId})`;
      return after;
    },

    /** Swaps the stored hash if it is still `from`; false when another writer changed it first. */
    async replaceHash(id: string, from: string, to: string, scheme: HashScheme, tx: Tx): Promise<boolean> {
      const done = await tx.apiKey.updateMany({
        where: { id, secretHash: from },
        data: { secretHash: to, hashScheme: scheme },
      });
      return done.count > 0;
    },

    /** Records use at most once a minute per key, so authentication stays a read. */
    async touch(id: string, at: Date): Promise<void> {
      await client.apiKey.updateMany({
        where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(at.getTime() - 60_000) } }] },
        data: { lastUsedAt: at },
      });
    },

    /** Serializes bootstrap across processes starting at once, then says whether any key exists. */
    async lockAndCountForBootstrap(tx: Tx): Promise<number> {
      await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext('bedrock-governor:bootstrap-admin'))) AS l`;
      return tx.apiKey.count();
    },
  };
}

export type ApiKeyRepository = ReturnType<typeof createApiKeyRepository>;
