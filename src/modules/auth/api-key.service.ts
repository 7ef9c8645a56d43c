import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Database, Tx } from "../../db/prisma.js";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from "../../kernel/errors.js";
import { type CallContext, hasRole, type Principal, personOf, SYSTEM_PRINCIPAL } from "../../kernel/principal.js";
import { apiKeyPrincipalId, type PrincipalIds } from "../../kernel/principal-ids.js";
import type { Clock } from "../../lib/clock.js";
import { decodeCursor, isTimeIdCursor, type Page, toPage } from "../../lib/pagination.js";
import type { AuditService } from "../audit/audit.service.js";
import { type ApiKeyRecord, type ApiKeyRepository, stripSecret } from "./api-key.repository.js";
import type { ApiKey, CreatedApiKey, NewApiKey } from "./api-key.types.js";
import type { ApiKeyHasher } from "./api-key-hash.js";

/** `bgk_<16 hex key id>_<43 base64url secret>`: the key id finds the row, the secret proves it. */
const KEY_PATTERN = /^bgk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
export const API_KEY_PREFIX = "bgk_";

interface CachedKey {
  principal: Principal;
  keyId: string;
  recordId: string;
  /** The key's own expiry (ms), if any. */
  expiresAt: number | undefined;
  /** End of this entry's life in the cache (ms). */
  until: number;
}

/** Most keys an API process keeps verified in memory; the cache starts over when it is full. */
const CACHE_MAX_KEYS = 10_000;
/** lastUsedAt is written at most this often per key and process. */
const TOUCH_EVERY_MS = 60_000;

function auditView(key: ApiKey) {
  return {
    name: key.name,
    role: key.role,
    keyId: key.keyId,
    owner: key.owner,
    service: key.service,
    expiresAt: key.expiresAt,
    revokedAt: key.revokedAt,
  };
}

/** A new key before it is stored: its public id, its secret (shown once) and the stored hash of it. */
interface Minted {
  keyId: string;
  secret: string;
  secretHash: string;
}

export function createApiKeyService(deps: {
  db: Database;
  repo: ApiKeyRepository;
  audit: AuditService;
  clock: Clock;
  hasher: ApiKeyHasher;
  /** Reads owners stored before principal ids were namespaced. */
  principalIds: PrincipalIds;
  /** How long a verified key is kept in memory while revocations are being received (0: never). */
  cacheSeconds?: number;
}) {
  const { db, repo, audit, clock, hasher, principalIds } = deps;
  const cacheMs = (deps.cacheSeconds ?? 0) * 1000;
  // Verified keys by a digest of the whole presented token; used only while `cacheOn` (set by
  // whoever receives revocation notifications), so a revoked key is never served from memory.
  const cache = new Map<string, CachedKey>();
  let cacheOn = false;
  const touched = new Map<string, number>();
  const digest = (token: string) => createHash("sha256").update(token).digest("base64url");

  function forget(keyId: string) {
    for (const [k, v] of cache) if (v.keyId === keyId) cache.delete(k);
  }

  async function touch(recordId: string, now: Date) {
    const last = touched.get(recordId);
    if (last !== undefined && now.getTime() - last < TOUCH_EVERY_MS) return;
    touched.set(recordId, now.getTime());
    if (touched.size > CACHE_MAX_KEYS) touched.clear();
    await repo.touch(recordId, now);
  }

  function requireAdmin(ctx: CallContext) {
    if (!hasRole(ctx.principal, "admin")) throw new ForbiddenError("managing API keys needs the admin role");
  }

  /**
   * Whom a new key belongs to: nobody for a service key, else the named owner, else the person
   * creating it. Keys minted by the system (bootstrap, CLI) without an owner are their own person.
   */
  function ownerOf(ctx: CallContext, input: NewApiKey): string | null {
    if (input.service) {
      if (input.owner !== undefined)
        throw new ValidationError("a service key belongs to nobody: give owner or service, not both", [
          { field: "body.owner", message: "not allowed with service: true" },
        ]);
      return null;
    }
    if (input.owner === undefined) {
      const creator = personOf(ctx.principal);
      // A service key must not mint a key that may decide with nobody behind it.
      if (creator === null && ctx.principal.kind !== "system")
        throw new ValidationError("a key created by a service key needs an owner, or service: true", [
          { field: "body.owner", message: "required when the caller acts for nobody" },
        ]);
      return creator;
    }
    const owner = principalIds.canonical(input.owner.trim());
    if (owner === "system" || owner.startsWith("apikey:") || owner === "")
      throw new ValidationError("owner must be a person (a user's principal id or OIDC subject), not a key", [
        { field: "body.owner", message: "not a person" },
      ]);
    return owner;
  }

  /**
   * A new key's id, secret and stored hash. Hashing (scrypt without a server secret) is slow CPU
   * work: it runs before any transaction opens, so it never holds a database connection.
   */
  async function mint(): Promise<Minted> {
    const keyId = randomBytes(8).toString("hex");
    const secret = randomBytes(32).toString("base64url");
    return { keyId, secret, secretHash: await hasher.hash(secret) };
  }

  /** Stores a minted key, with its audit event, inside the caller's transaction. */
  async function insertKey(
    ctx: CallContext,
    input: NewApiKey,
    action: string,
    { keyId, secret, secretHash }: Minted,
    tx: Tx,
  ): Promise<CreatedApiKey> {
    const owner = ownerOf(ctx, input);
    const record = await repo.insert(
      {
        id: randomUUID(),
        name: input.name,
        role: input.role,
        keyId,
        secretHash,
        hashScheme: hasher.scheme,
        createdBy: ctx.principal.id,
        owner,
        service: input.service === true,
        ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}),
      },
      tx,
    );
    const apiKey = stripSecret(record);
    await audit.record(ctx, { action, targetType: "api_key", targetId: apiKey.id, after: auditView(apiKey) }, tx);
    return { apiKey, secret: `${API_KEY_PREFIX}${keyId}_${secret}` };
  }

  /**
   * Moves a key stored under an older scheme (legacy SHA-256, or scrypt before a server secret was
   * configured) to the current one, now that the presented secret proved itself. Audited.
   */
  async function rehash(record: ApiKeyRecord, secret: string): Promise<void> {
    const secretHash = await hasher.hash(secret);
    await db.transaction(async (tx) => {
      const done = await repo.replaceHash(record.id, record.secretHash, secretHash, hasher.scheme, tx);
      if (!done) return; // another request re-hashed it first
      await audit.record(
        { principal: SYSTEM_PRINCIPAL },
        {
          action: "api_key.rehash",
          targetType: "api_key",
          targetId: record.id,
          before: { keyId: record.keyId, hashScheme: record.hashScheme },
          after: { keyId: record.keyId, hashScheme: hasher.scheme },
        },
        tx,
      );
    });
  }

  return {
    async create(ctx: CallContext, input: NewApiKey): Promise<CreatedApiKey> {
      requireAdmin(ctx);
      if (input.expiresAt && input.expiresAt <= clock.now()) {
        throw new ValidationError("expiresAt must be in the future", [
          { field: "body.expiresAt", message: "must be in the future" },
        ]);
      }
      ownerOf(ctx, input); // refused before any hashing
      const minted = await mint();
      return db.transaction((tx) => insertKey(ctx, input, "api_key.create", minted, tx));
    },

    async list(ctx: CallContext, page: { limit: number; cursor?: string }): Promise<Page<ApiKey>> {
      requireAdmin(ctx);
      const cursor = decodeCursor(page.cursor, isTimeIdCursor);
      const rows = await repo.list(
        page.limit,
        cursor ? { createdAt: new Date(cursor.createdAt), id: cursor.id } : undefined,
      );
      const result = toPage(rows, page.limit, (last) => ({ createdAt: last.createdAt, id: last.id }));
      return { ...result, items: result.items.map(stripSecret) };
    },

    async get(ctx: CallContext, id: string): Promise<ApiKey> {
      requireAdmin(ctx);
      const found = await repo.findById(id);
      if (!found) throw new NotFoundError(`API key ${id} not found`);
      return stripSecret(found);
    },

    async revoke(ctx: CallContext, id: string): Promise<ApiKey> {
      requireAdmin(ctx);
      const revoked = await db.transaction(async (tx) => {
        const before = await repo.findById(id, tx);
        if (!before) throw new NotFoundError(`API key ${id} not found`);
        const after = await repo.revoke(id, ctx.principal.id, clock.now(), tx);
        if (!after)
          throw new ConflictError(
            `API key ${id} is already revoked`,
            { revokedAt: before.revokedAt },
            "ALREADY_REVOKED",
          );
        await audit.record(
          ctx,
          {
            action: "api_key.revoke",
            targetType: "api_key",
            targetId: id,
            before: auditView(stripSecret(before)),
            after: auditView(stripSecret(after)),
          },
          tx,
        );
        return stripSecret(after);
      });
      forget(revoked.keyId);
      return revoked;
    },

    /** Resolves a presented key to its principal, or fails with 401. */
    async authenticate(token: string): Promise<Principal> {
      const m = KEY_PATTERN.exec(token);
      if (!m) throw new UnauthorizedError("malformed API key");
      const now = clock.now();
      const cacheKey = cacheOn ? digest(token) : undefined;
      const hit = cacheKey === undefined ? undefined : cache.get(cacheKey);
      if (hit && hit.until > now.getTime() && (hit.expiresAt === undefined || hit.expiresAt > now.getTime())) {
        await touch(hit.recordId, now);
        return hit.principal;
      }
      const [, keyId, secret] = m as unknown as [string, string, string];
      const record: ApiKeyRecord | undefined = await repo.findByKeyId(keyId);
      if (!record) {
        hasher.decoy(secret);
        throw new UnauthorizedError("unknown API key");
      }
      if (!(await hasher.verify(secret, record.secretHash, record.hashScheme, record.keyId)))
        throw new UnauthorizedError("unknown API key");
      if (record.revokedAt) throw new UnauthorizedError("API key revoked");
      if (record.expiresAt && new Date(record.expiresAt) <= now) throw new UnauthorizedError("API key expired");
      if (record.hashScheme !== hasher.scheme) await rehash(record, secret);
      await touch(record.id, now);
      const id = apiKeyPrincipalId(record.keyId);
      const principal: Principal = {
        kind: "api_key",
        id,
        // The person the key acts for; a key without owner (minted by the system) is its own.
        person: record.service ? null : record.owner === null ? id : principalIds.canonical(record.owner),
        name: record.name,
        roles: [record.role],
        groups: [],
      };
      if (cacheKey !== undefined && cacheMs > 0) {
        if (cache.size >= CACHE_MAX_KEYS) cache.clear();
        cache.set(cacheKey, {
          principal,
          keyId: record.keyId,
          recordId: record.id,
          expiresAt: record.expiresAt ? Date.parse(record.expiresAt) : undefined,
          until: now.getTime() + cacheMs,
        });
      }
      return principal;
    },

    /**
     * Turns the in-memory cache of verified keys on while revocations are being received (see
     * API_KEY_REVOKED_CHANNEL) and off, emptied, when they are not.
     */
    setRevocationFeed(connected: boolean): void {
      cacheOn = connected && cacheMs > 0;
      if (!cacheOn) cache.clear();
    },

    /** A key revoked anywhere: dropped from this process's cache. */
    forgetKey: forget,

    /**
     * On a fresh installation (no API key has ever existed) creates one admin key and returns it,
     * so a new user can call the API at once. Safe when several processes start together.
     */
    async bootstrapAdmin(): Promise<CreatedApiKey | undefined> {
      const minted = await mint();
      return db.transaction(async (tx) => {
        if ((await repo.lockAndCountForBootstrap(tx)) > 0) return undefined;
        return insertKey(
          { principal: SYSTEM_PRINCIPAL },
          { name: "bootstrap-admin", role: "admin" },
          "api_key.bootstrap",
          minted,
          tx,
        );
      });
    },

    /** For the CLI, run by an operator with database access (audited as the system). */
    async createAsSystem(input: NewApiKey): Promise<CreatedApiKey> {
      const minted = await mint();
      return db.transaction((tx) => insertKey({ principal: SYSTEM_PRINCIPAL }, input, "api_key.create", minted, tx));
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
