// Storage of access requests, their decisions and grants, and Idempotency-Keys. The only file of
// the requests workflow that touches these tables.
import type { Database, Tx } from "../../db/prisma.js";
import { Prisma } from "../../generated/prisma/client.js";
import type { Role } from "../../kernel/principal.js";
import type {
  AccessGrantView,
  AccessRequestFilter,
  AccessRequestStatus,
  AccessRequestView,
  BlockingGateView,
  RequestPlan,
  RequestWaiting,
} from "./access-request.types.js";

const include = {
  decisions: { orderBy: { createdAt: "asc" as const } },
  grants: { orderBy: [{ accountId: "asc" as const }, { region: "asc" as const }] },
} satisfies Prisma.AccessRequestInclude;
type Row = Prisma.AccessRequestGetPayload<{ include: typeof include }>;
type GrantRow = Prisma.AccessGrantGetPayload<object>;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function grantFromDb(g: GrantRow): AccessGrantView {
  return {
    id: g.id,
    requestId: g.requestId,
    accountId: g.accountId,
    region: g.region,
    modelId: g.modelId,
    profileId: g.profileId,
    owner: g.owner,
    purpose: g.purpose,
    status: g.status,
    validFrom: g.validFrom.toISOString(),
    expiresAt: g.expiresAt.toISOString(),
    endedAt: iso(g.endedAt),
    endReason: g.endReason,
    provisionVia: g.provisionVia,
  };
}

function fromDb(r: Row): AccessRequestView {
  return {
    id: r.id,
    requesterId: r.requesterId,
    requesterName: r.requesterName,
    requesterPerson: r.requesterPerson,
    accountIds: r.accountIds,
    regions: r.regions,
    target: r.target,
    modelId: r.modelId,
    profileId: r.profileId,
    provider: r.provider,
    purpose: r.purpose,
    dataClassification: r.dataClassification,
    durationHours: r.durationHours,
    status: r.status,
    version: r.version,
    ruleId: r.ruleId,
    requiredApprovals: r.requiredApprovals,
    approvals: r.approvals,
    approverRole: r.approverRole,
    approverGroup: r.approverGroup,
    autoApply: r.autoApply,
    provisionVia: r.provisionVia,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    pendingUntil: r.pendingUntil.toISOString(),
    decidedAt: iso(r.decidedAt),
    activatedAt: iso(r.activatedAt),
    activeUntil: iso(r.activeUntil),
    endedAt: iso(r.endedAt),
    failure: (r.failure as { gates: BlockingGateView[]; fix: string } | null) ?? null,
    waiting: (r.waiting as unknown as RequestWaiting | null) ?? null,
    plans: (r.plans as unknown as RequestPlan[]) ?? [],
    decisions: r.decisions.map((d) => ({
      approverId: d.approverId,
      approverName: d.approverName,
      approverPerson: d.approverPerson,
      decision: d.decision as "approve" | "reject",
      comment: d.comment,
      createdAt: d.createdAt.toISOString(),
    })),
    grants: r.grants.map(grantFromDb),
  };
}

/** A new request row: the view's filing and rule fields, plus what only storage needs. */
export type InsertRequest = Pick<
  AccessRequestView,
  | "id"
  | "requesterId"
  | "requesterName"
  | "requesterPerson"
  | "accountIds"
  | "regions"
  | "target"
  | "modelId"
  | "profileId"
  | "provider"
  | "purpose"
  | "dataClassification"
  | "durationHours"
  | "ruleId"
  | "requiredApprovals"
  | "approverRole"
  | "approverGroup"
  | "autoApply"
  | "provisionVia"
> & { dedupeKey: string; createdAt: Date; pendingUntil: Date };

export interface RequestUpdate {
  status?: AccessRequestStatus;
  approvals?: number;
  decidedAt?: Date;
  activatedAt?: Date;
  activeUntil?: Date;
  endedAt?: Date;
  failure?: { gates: BlockingGateView[]; fix: string } | null;
  plans?: RequestPlan[];
  waiting?: RequestWaiting | null;
}

/** Who is reading: decides which requests a list shows. */
export interface Reader {
  /** The reader's principal id in every form it may be stored under (see PrincipalIds.storedForms). */
  principalIds: string[];
  /** Reads every request (admin, auditor). */
  all: boolean;
  /** Effective roles and IdP groups: requests these may decide are visible too. */
  roles: Role[];
  groups: string[];
}

/** A unique constraint refused the write (a pending duplicate, a reused key, a second decision). */
export const isUniqueViolation = (err: unknown): boolean =>
  (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") ||
  // Raw statements and the hand-written partial index surface as the driver's error code.
  (typeof err === "object" && err !== null && /23505|unique constraint/i.test(String((err as Error).message)));

export function createAccessRequestRepository(db: Database) {
  const client = db.client;
  return {
    /** Throws a unique violation (see `isUniqueViolation`) when a pending duplicate exists. */
    async insert(r: InsertRequest, tx: Tx): Promise<void> {
      await tx.accessRequest.create({ data: { ...r, updatedAt: r.createdAt } });
    },

    async pendingByDedupeKey(key: string, tx?: Tx): Promise<string | undefined> {
      const row = await (tx ?? client).accessRequest.findFirst({
        where: { dedupeKey: key, status: "pending" },
        select: { id: true },
      });
      return row?.id;
    },

    async find(id: string, tx?: Tx): Promise<AccessRequestView | undefined> {
      const row = await (tx ?? client).accessRequest.findUnique({ where: { id }, include });
      return row ? fromDb(row) : undefined;
    },

    /** Reads the request under a row lock: concurrent decisions on it run one after the other. */
    async lock(id: string, tx: Tx): Promise<AccessRequestView | undefined> {
      const locked = await tx.$queryRaw<Array<{ id: string }>>`
        SELECT id::text FROM access_requests WHERE id = ${id}::uuid FOR UPDATE`;
      if (locked.length === 0) return undefined;
      const row = await tx.accessRequest.findUnique({ where: { id }, include });
      return row ? fromDb(row) : undefined;
    },

    /** Applies a change and bumps the version; `expectVersion` guards against a concurrent writer. */
    async update(id: string, expectVersion: number, change: RequestUpdate, at: Date, tx: Tx): Promise<boolean> {
      const { failure, plans, waiting, ...rest } = change;
      const res = await tx.accessRequest.updateMany({
        where: { id, version: expectVersion },
        data: {
          ...rest,
          ...(failure !== undefined
            ? { failure: failure === null ? Prisma.DbNull : (failure as unknown as Prisma.InputJsonValue) }
            : {}),
          ...(plans !== undefined ? { plans: plans as unknown as Prisma.InputJsonValue } : {}),
          ...(waiting !== undefined
            ? { waiting: waiting === null ? Prisma.DbNull : (waiting as unknown as Prisma.InputJsonValue) }
            : {}),
          version: { increment: 1 },
          updatedAt: at,
        },
      });
      return res.count === 1;
    },

    async addDecision(
      d: {
        id: string;
        requestId: string;
        approverId: string;
        approverName: string;
        approverPerson: string;
        decision: string;
        comment: string | null;
        at: Date;
      },
      tx: Tx,
    ): Promise<void> {
      await tx.accessDecision.create({
        data: {
          id: d.id,
          requestId: d.requestId,
          approverId: d.approverId,
          approverName: d.approverName,
          approverPerson: d.approverPerson,
          decision: d.decision,
          comment: d.comment,
          createdAt: d.at,
        },
      });
    },

    /** Visible requests, newest first; keyset on (createdAt, id). Reads `limit + 1` rows. */
    async list(
      reader: Reader,
      filter: AccessRequestFilter,
      limit: number,
      after?: { createdAt: string; id: string },
    ): Promise<AccessRequestView[]> {
      const visible: Prisma.AccessRequestWhereInput = reader.all
        ? {}
        : {
            OR: [
              { requesterId: { in: reader.principalIds } },
              ...(reader.roles.length ? [{ approverRole: { in: reader.roles } }] : []),
              ...(reader.groups.length ? [{ approverGroup: { in: reader.groups } }] : []),
            ],
          };
      const rows = await client.accessRequest.findMany({
        where: {
          AND: [
            visible,
            filter.mine ? { requesterId: { in: reader.principalIds } } : {},
            filter.status ? { status: filter.status } : {},
            filter.accountId ? { accountIds: { has: filter.accountId } } : {},
            after
              ? {
                  OR: [
                    { createdAt: { lt: new Date(after.createdAt) } },
                    { createdAt: new Date(after.createdAt), id: { lt: after.id } },
                  ],
                }
              : {},
          ],
        },
        include,
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: limit + 1,
      });
      return rows.map(fromDb);
    },

    /** Ids of requests in `status` whose deadline column is at or before `at`. */
    async due(status: "pending" | "active", at: Date, limit: number): Promise<string[]> {
      const rows = await client.accessRequest.findMany({
        where: status === "pending" ? { status, pendingUntil: { lte: at } } : { status, activeUntil: { lte: at } },
        select: { id: true },
        orderBy: { createdAt: "asc" },
        take: limit,
      });
      return rows.map((r) => r.id);
    },

    /** Open (pending to active) requests covering an account-Region and model, newest first. */
    async openFor(accountId: string, region: string, modelId: string): Promise<Array<{ id: string; status: string }>> {
      return client.accessRequest.findMany({
        where: {
          accountIds: { has: accountId },
          regions: { has: region },
          OR: [{ modelId }, { target: modelId }],
          status: { in: ["pending", "approved", "provisioning", "active"] },
        },
        select: { id: true, status: true },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: 20,
      });
    },

    /** Requests stuck in a state (e.g. approved but never provisioned), for the sweep to re-queue. */
    /** Provisioning requests waiting for someone (an admin to apply plans), oldest wait first. */
    async waitingIds(limit: number): Promise<string[]> {
      const rows = await client.accessRequest.findMany({
        where: { status: "provisioning", waiting: { not: Prisma.DbNull } },
        select: { id: true },
        orderBy: { updatedAt: "asc" },
        take: limit,
      });
      return rows.map((r) => r.id);
    },

    async inStatus(status: AccessRequestStatus, updatedBefore: Date, limit: number): Promise<string[]> {
      const rows = await client.accessRequest.findMany({
        where: { status, updatedAt: { lte: updatedBefore } },
        select: { id: true },
        take: limit,
      });
      return rows.map((r) => r.id);
    },

    async insertGrants(
      grants: Array<
        Omit<AccessGrantView, "status" | "endedAt" | "endReason" | "validFrom" | "expiresAt"> & {
          validFrom: Date;
          expiresAt: Date;
        }
      >,
      tx: Tx,
    ): Promise<void> {
      await tx.accessGrant.createMany({ data: grants.map((g) => ({ ...g, status: "active" as const })) });
    },

    /** Starts the time of a request's active grants at activation: they expire `until`. */
    async setGrantsExpiry(requestId: string, until: Date, tx: Tx): Promise<void> {
      await tx.accessGrant.updateMany({ where: { requestId, status: "active" }, data: { expiresAt: until } });
    },

    async endGrants(requestId: string, at: Date, reason: string, tx: Tx): Promise<AccessGrantView[]> {
      const rows = await tx.accessGrant.findMany({ where: { requestId, status: "active" } });
      if (rows.length === 0) return [];
      await tx.accessGrant.updateMany({
        where: { requestId, status: "active" },
        data: { status: "ended", endedAt: at, endReason: reason },
      });
      return rows.map((g) => grantFromDb({ ...g, status: "ended", endedAt: at, endReason: reason }));
    },

    /** Grants in force at `at`: started, not ended by then, not expired. Past times read history. */
    async grantsAt(at: Date): Promise<AccessGrantView[]> {
      const rows = await client.accessGrant.findMany({
        where: {
          validFrom: { lte: at },
          expiresAt: { gt: at },
          OR: [{ endedAt: null }, { endedAt: { gt: at } }],
        },
        orderBy: [{ accountId: "asc" }, { region: "asc" }, { id: "asc" }],
      });
      return rows.map(grantFromDb);
    },

    /**
     * Serializes creates that carry the same Idempotency-Key (until the transaction ends), so the
     * second one sees the first one's result instead of racing it.
     */
    async lockIdempotencyKey(principalId: string, key: string, tx: Tx): Promise<void> {
      await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtextextended(${`bedrock-governor:idempotency:${principalId}:${key}`}, 0))) AS l`;
    },

    async findIdempotencyKey(
      principalId: string,
      key: string,
      tx?: Tx,
    ): Promise<{ requestHash: string; resourceId: string } | undefined> {
      const row = await (tx ?? client).idempotencyKey.findUnique({
        where: { principalId_key: { principalId, key } },
      });
      return row ? { requestHash: row.requestHash, resourceId: row.resourceId } : undefined;
    },

    async insertIdempotencyKey(
      k: { principalId: string; key: string; requestHash: string; resourceId: string; at: Date },
      tx: Tx,
    ): Promise<void> {
      await tx.idempotencyKey.create({
        data: {
          principalId: k.principalId,
          key: k.key,
          requestHash: k.requestHash,
          resourceId: k.resourceId,
          createdAt: k.at,
        },
      });
    },
  };
}

export type AccessRequestRepository = ReturnType<typeof createAccessRequestRepository>;
