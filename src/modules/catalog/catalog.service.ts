// The approved-models catalog: versioned entries (who, when, why), readable as of any past time,
// changed one entry at a time (with the version seen) or as a whole document (diff, then apply).
import { randomUUID } from "node:crypto";
import type { Database } from "../../db/prisma.js";
import { canonicalJson } from "../../kernel/canonical-json.js";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from "../../kernel/errors.js";
import { type CallContext, hasRole } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import type { AuditService } from "../audit/audit.service.js";
import type { CatalogChange, CatalogRepository, CatalogVersionRow } from "./catalog.repository.js";
import type { CatalogEntry } from "./catalog.types.js";

export interface CatalogDiff {
  create: CatalogEntry[];
  update: Array<{ id: string; fields: string[]; before: CatalogEntry; after: CatalogEntry }>;
  delete: CatalogEntry[];
  unchanged: number;
}

export interface VersionedEntry {
  entry: CatalogEntry;
  version: number;
  validFrom: string;
  changedBy: string;
  reason: string;
}

const versioned = (r: CatalogVersionRow): VersionedEntry => ({
  entry: r.entry as CatalogEntry,
  version: r.version,
  validFrom: r.validFrom,
  changedBy: r.changedBy,
  reason: r.reason,
});

export function diffCatalog(current: CatalogEntry[], desired: CatalogEntry[]): CatalogDiff {
  const now = new Map(current.map((e) => [e.id, e]));
  const want = new Map(desired.map((e) => [e.id, e]));
  const out: CatalogDiff = { create: [], update: [], delete: [], unchanged: 0 };
  for (const e of desired) {
    const before = now.get(e.id);
    if (!before) {
      out.create.push(e);
      continue;
    }
    const keys = [...new Set([...Object.keys(before), ...Object.keys(e)])] as Array<keyof CatalogEntry>;
    const fields = keys.filter((k) => canonicalJson(before[k]) !== canonicalJson(e[k])).sort();
    if (fields.length) out.update.push({ id: e.id, fields, before, after: e });
    else out.unchanged++;
  }
  for (const e of current) if (!want.has(e.id)) out.delete.push(e);
  return out;
}

export function createCatalogService(deps: {
  db: Database;
  repo: CatalogRepository;
  audit: AuditService;
  clock: Clock;
  /**
   * Told after every committed change set (apply, put, remove): reconciliation is queued from here,
   * so findings and the matrix follow the catalog without anyone running it.
   */
  changed(changeSetId: string): Promise<void>;
}) {
  const { db, repo, audit, clock } = deps;

  function requireAdmin(ctx: CallContext) {
    if (!hasRole(ctx.principal, "admin")) throw new ForbiddenError("changing the catalog needs the admin role");
  }
  function requireReason(reason: string | undefined): string {
    if (!reason?.trim())
      throw new ValidationError("a reason is required for catalog changes", [
        { field: "reason", message: "is required" },
      ]);
    return reason.trim();
  }

  async function write(
    ctx: CallContext,
    changes: CatalogChange[],
    reason: string,
    summary: Record<string, unknown>,
    check?: (versions: Map<string, number>) => void,
  ) {
    const changeSetId = randomUUID();
    await db.transaction(async (tx) => {
      const versions = await repo.lockAndReadVersions(tx);
      check?.(versions);
      await repo.append(changes, { at: clock.now(), by: ctx.principal.id, reason, changeSetId }, tx);
      await audit.record(
        ctx,
        {
          action: "catalog.change",
          targetType: "catalog",
          targetId: changeSetId,
          after: { reason, ...summary },
        },
        tx,
      );
    });
    await deps.changed(changeSetId);
    return changeSetId;
  }

  return {
    async list(ctx: CallContext, at?: Date): Promise<VersionedEntry[]> {
      if (!hasRole(ctx.principal, "viewer")) throw new ForbiddenError("needs the viewer role");
      return (at ? await repo.at(at) : await repo.current()).map(versioned);
    },

    /** Current entries (domain form), for reconciliation and the compiler. */
    async entries(at?: Date): Promise<CatalogEntry[]> {
      return (at ? await repo.at(at) : await repo.current()).map((r) => r.entry as CatalogEntry);
    },

    async get(ctx: CallContext, id: string): Promise<VersionedEntry> {
      if (!hasRole(ctx.principal, "viewer")) throw new ForbiddenError("needs the viewer role");
      const found = (await repo.current()).find((r) => r.entryId === id);
      if (!found) throw new NotFoundError(`catalog entry ${id} not found`);
      return versioned(found);
    },

    async history(ctx: CallContext, id: string): Promise<CatalogVersionRow[]> {
      if (!hasRole(ctx.principal, "viewer")) throw new ForbiddenError("needs the viewer role");
      const rows = await repo.history(id);
      if (rows.length === 0) throw new NotFoundError(`catalog entry ${id} not found`);
      return rows;
    },

    async diff(ctx: CallContext, desired: CatalogEntry[]): Promise<CatalogDiff> {
      if (!hasRole(ctx.principal, "viewer")) throw new ForbiddenError("needs the viewer role");
      return diffCatalog(
        (await repo.current()).map((r) => r.entry as CatalogEntry),
        desired,
      );
    },

    /** Makes the catalog equal to `desired` (a whole document): creates, updates, deletes in one change set. */
    async apply(
      ctx: CallContext,
      desired: CatalogEntry[],
      reason: string | undefined,
    ): Promise<CatalogDiff & { changeSetId: string | null }> {
      requireAdmin(ctx);
      const why = requireReason(reason);
      const d = diffCatalog(
        (await repo.current()).map((r) => r.entry as CatalogEntry),
        desired,
      );
      const changes: CatalogChange[] = [
        ...d.create.map((e) => ({ entryId: e.id, op: "created" as const, entry: e })),
        ...d.update.map((u) => ({ entryId: u.id, op: "updated" as const, entry: u.after })),
        ...d.delete.map((e) => ({ entryId: e.id, op: "deleted" as const, entry: null })),
      ];
      if (changes.length === 0) return { ...d, changeSetId: null };
      const expected = new Map(changes.map((c) => [c.entryId, c.op]));
      const changeSetId = await write(
        ctx,
        changes,
        why,
        { created: d.create.length, updated: d.update.length, deleted: d.delete.length },
        (versions) => {
          // Someone changed the catalog between our diff and this write: diff again rather than overwrite.
          for (const [id, op] of expected) {
            const live = (versions.get(id) ?? 0) > 0;
            if ((op === "created") === live)
              throw new ConflictError("the catalog changed meanwhile; diff again", { entryId: id }, "CATALOG_CHANGED");
          }
        },
      );
      return { ...d, changeSetId };
    },

    /** Creates or replaces one entry; `ifMatch` (the version seen) guards against lost updates. */
    async put(
      ctx: CallContext,
      entry: CatalogEntry,
      reason: string | undefined,
      ifMatch?: number,
    ): Promise<VersionedEntry> {
      requireAdmin(ctx);
      const why = requireReason(reason);
      const current = (await repo.current()).find((r) => r.entryId === entry.id);
      const op = current ? "updated" : "created";
      if (current && canonicalJson(current.entry) === canonicalJson(entry)) return versioned(current);
      await write(ctx, [{ entryId: entry.id, op, entry }], why, { entryId: entry.id, op }, (versions) => {
        const live = versions.get(entry.id) ?? 0;
        if (ifMatch !== undefined && live !== ifMatch) {
          throw new PreconditionFailedError(`entry ${entry.id} is at version ${Math.max(live, 0)}, not ${ifMatch}`);
        }
        if (ifMatch === undefined && live > 0 !== (op === "updated"))
          throw new ConflictError("the catalog changed meanwhile", { entryId: entry.id }, "CATALOG_CHANGED");
      });
      const saved = (await repo.current()).find((r) => r.entryId === entry.id);
      return versioned(saved as CatalogVersionRow);
    },

    async remove(ctx: CallContext, id: string, reason: string | undefined, ifMatch?: number): Promise<void> {
      requireAdmin(ctx);
      const why = requireReason(reason);
      await write(
        ctx,
        [{ entryId: id, op: "deleted", entry: null }],
        why,
        { entryId: id, op: "deleted" },
        (versions) => {
          const live = versions.get(id) ?? 0;
          if (live <= 0) throw new NotFoundError(`catalog entry ${id} not found`);
          if (ifMatch !== undefined && live !== ifMatch)
            throw new PreconditionFailedError(`entry ${id} is at version ${live}, not ${ifMatch}`);
        },
      );
    },
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
