// Use cases of the inventory read API and of Region scopes: viewers read, admins change scopes.
// Every scope change is audited in the transaction that makes it.

import type { Database, Tx } from "../../db/prisma.js";
import { isRegion } from "../../kernel/aws-ids.js";
import { ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from "../../kernel/errors.js";
import { type CallContext, hasRole } from "../../kernel/principal.js";
import { decodeCursor, type Page, toPage } from "../../lib/pagination.js";
import type { AuditService } from "../audit/audit.service.js";
import type { InventoryQueryRepository } from "./inventory-query.repository.js";
import type {
  AccountDetail,
  AccountFilter,
  AccountRegionState,
  AccountSummary,
  ChangeFilter,
  InventoryChangeView,
  ModelAvailabilityRow,
  ModelMatrixFilter,
  ModelMatrixRow,
  OrgUnitView,
  RegionMatrixFilter,
  RegionMatrixPage,
  RegionScopeView,
} from "./inventory-query.types.js";
import type { ModelViewRepository } from "./model-view.repository.js";
import type { RegionScopeRepository } from "./region-scope.repository.js";

export interface PageInput {
  limit: number;
  cursor?: string;
}

export interface ModelMatrix extends Page<ModelMatrixRow> {
  accountRegion: AccountRegionState;
}

/** Most Regions an override may name (AWS has fewer commercial Regions than this). */
export const MAX_SCOPE_REGIONS = 30;

type Key = Record<string, unknown>;
const isObject = (v: unknown): v is Key => typeof v === "object" && v !== null;
const stringKeys =
  <K extends string>(...keys: K[]) =>
  (v: unknown): v is Record<K, string> =>
    isObject(v) && keys.every((k) => typeof v[k] === "string");
const isIdCursor = stringKeys("id");
const isPathCursor = stringKeys("path", "id");
const isModelCursor = stringKeys("modelId");
const isAccountRegionCursor = stringKeys("accountId", "region");
const isTargetCursor = stringKeys("targetId");
const isChangeCursor = (v: unknown): v is { id: string } => isIdCursor(v) && /^\d{1,19}$/.test(v.id);

export function createInventoryQueryService(deps: {
  db: Database;
  repo: InventoryQueryRepository;
  models: ModelViewRepository;
  scopes: RegionScopeRepository;
  audit: AuditService;
}) {
  const { db, repo, models, scopes, audit } = deps;

  function requireViewer(ctx: CallContext) {
    if (!hasRole(ctx.principal, "viewer")) throw new ForbiddenError("reading the inventory needs the viewer role");
  }
  function requireAdmin(ctx: CallContext) {
    if (!hasRole(ctx.principal, "admin")) throw new ForbiddenError("changing Region scopes needs the admin role");
  }

  async function requireTarget(targetId: string, tx: Tx) {
    const kind = await scopes.targetKind(targetId, tx);
    if (!kind) {
      throw new UnprocessableError(
        `${targetId} is not a root, OU or account of the organization; run an organization sync first if it is new`,
        [{ field: "params.targetId", message: "unknown root, OU or account" }],
        "UNKNOWN_TARGET",
      );
    }
    return kind;
  }

  function auditView(scope: RegionScopeView | undefined) {
    return scope ? { targetKind: scope.targetKind, regions: scope.regions } : undefined;
  }

  return {
    /** Brings the stored per-account model counts up to date (after a sync run); see the repository. */
    refreshModelCounts: () => repo.refreshModelCounts(),

    async listOrgUnits(ctx: CallContext, filter: { parentId?: string }, page: PageInput): Promise<Page<OrgUnitView>> {
      requireViewer(ctx);
      const cursor = decodeCursor(page.cursor, isPathCursor);
      const rows = await repo.listOrgUnits(filter, page.limit, cursor);
      return toPage(rows, page.limit, (last) => ({ path: last.path, id: last.id }));
    },

    async listAccounts(ctx: CallContext, filter: AccountFilter, page: PageInput): Promise<Page<AccountSummary>> {
      requireViewer(ctx);
      const cursor = decodeCursor(page.cursor, isIdCursor);
      const rows = await repo.listAccounts(filter, page.limit, cursor?.id);
      return toPage(rows, page.limit, (last) => ({ id: last.id }));
    },

    async getAccount(ctx: CallContext, accountId: string): Promise<AccountDetail> {
      requireViewer(ctx);
      const found = await repo.getAccount(accountId);
      if (!found) throw new NotFoundError(`account ${accountId} is not in the inventory`);
      return found;
    },

    async modelMatrix(
      ctx: CallContext,
      accountId: string,
      region: string,
      filter: ModelMatrixFilter,
      page: PageInput,
    ): Promise<ModelMatrix> {
      requireViewer(ctx);
      const cursor = decodeCursor(page.cursor, isModelCursor);
      const [accountRegion, rows] = await Promise.all([
        repo.getAccountRegion(accountId, region),
        models.listModelMatrix(accountId, region, filter, page.limit, cursor?.modelId),
      ]);
      if (!accountRegion) throw new NotFoundError(`account-Region ${accountId}/${region} is not in the inventory`);
      return { accountRegion, ...toPage(rows, page.limit, (last) => ({ modelId: last.modelId })) };
    },

    /**
     * A Region's accounts × models verdicts, compact: the page's models once (by id), and per
     * account a string with one code per model (`-`: not offered to that account).
     */
    async regionMatrix(
      ctx: CallContext,
      region: string,
      filter: RegionMatrixFilter,
      page: PageInput,
    ): Promise<RegionMatrixPage> {
      requireViewer(ctx);
      const cursor = decodeCursor(page.cursor, isIdCursor);
      const rows = await models.listRegionMatrix(region, filter, page.limit, cursor?.id);
      const { items, nextCursor } = toPage(rows, page.limit, (last) => ({ id: last.accountId }));
      const providers = new Map<string, string>();
      for (const row of items) for (const [id, provider] of Object.entries(row.providers)) providers.set(id, provider);
      const ids = [...providers.keys()].sort();
      return {
        region,
        regions: rows[0]?.regions ?? [],
        models: ids.map((id) => ({ id, provider: providers.get(id) as string })),
        accounts: items.map((row) => ({
          id: row.accountId,
          name: row.accountName,
          path: row.path,
          cells: ids.map((id) => row.cells[id] ?? "-").join(""),
        })),
        ...(nextCursor ? { nextCursor } : {}),
      };
    },

    async modelAvailability(ctx: CallContext, modelId: string, page: PageInput): Promise<Page<ModelAvailabilityRow>> {
      requireViewer(ctx);
      const cursor = decodeCursor(page.cursor, isAccountRegionCursor);
      const [known, rows] = await Promise.all([
        models.modelKnown(modelId),
        models.listModelAvailability(modelId, page.limit, cursor),
      ]);
      if (!known) throw new NotFoundError(`model ${modelId} is not offered in, or routed to from, any account-Region`);
      return toPage(rows, page.limit, (last) => ({ accountId: last.accountId, region: last.region }));
    },

    async listChanges(ctx: CallContext, filter: ChangeFilter, page: PageInput): Promise<Page<InventoryChangeView>> {
      requireViewer(ctx);
      if (filter.from && filter.to && filter.from >= filter.to) {
        throw new ValidationError("`from` must be before `to`", [
          { field: "query.from", message: "must be before `to`" },
        ]);
      }
      const cursor = decodeCursor(page.cursor, isChangeCursor);
      const rows = await repo.listChanges(filter, page.limit, cursor ? BigInt(cursor.id) : undefined);
      return toPage(rows, page.limit, (last) => ({ id: last.id }));
    },

    async listRegionScopes(ctx: CallContext, page: PageInput): Promise<Page<RegionScopeView>> {
      requireViewer(ctx);
      const cursor = decodeCursor(page.cursor, isTargetCursor);
      const rows = await scopes.listRegionScopes(page.limit, cursor?.targetId);
      return toPage(rows, page.limit, (last) => ({ targetId: last.targetId }));
    },

    /** Sets the Regions in scope for a root, OU or account (the next sync uses them). */
    async putRegionScope(ctx: CallContext, targetId: string, regions: string[]): Promise<RegionScopeView> {
      requireAdmin(ctx);
      const problems = regions.flatMap((r, i) =>
        isRegion(r) ? [] : [{ field: `body.regions.${i}`, message: "is not an AWS Region code" }],
      );
      if (new Set(regions).size !== regions.length) problems.push({ field: "body.regions", message: "has duplicates" });
      if (regions.length === 0 || regions.length > MAX_SCOPE_REGIONS) {
        problems.push({ field: "body.regions", message: `must name 1 to ${MAX_SCOPE_REGIONS} Regions` });
      }
      if (problems.length > 0) throw new ValidationError("invalid Region list", problems);
      return db.transaction(async (tx) => {
        await requireTarget(targetId, tx);
        const before = await scopes.findRegionScope(targetId, tx);
        await scopes.putRegionScope(targetId, regions, ctx.principal.id, tx);
        const after = (await scopes.findRegionScope(targetId, tx)) as RegionScopeView;
        await audit.record(
          ctx,
          {
            action: "region_scope.put",
            targetType: "region_scope",
            targetId,
            ...(before ? { before: auditView(before) } : {}),
            after: auditView(after),
          },
          tx,
        );
        return after;
      });
    },

    /** Removes an override: the target falls back to its parent's scope, or the default. */
    async deleteRegionScope(ctx: CallContext, targetId: string): Promise<void> {
      requireAdmin(ctx);
      await db.transaction(async (tx) => {
        const before = await scopes.findRegionScope(targetId, tx);
        if (!before || !(await scopes.deleteRegionScope(targetId, tx))) {
          throw new NotFoundError(`no Region scope is set for ${targetId}`);
        }
        await audit.record(
          ctx,
          {
            action: "region_scope.delete",
            targetType: "region_scope",
            targetId,
            before: auditView(before),
          },
          tx,
        );
      });
    },
  };
}

export type InventoryQueryService = ReturnType<typeof createInventoryQueryService>;
