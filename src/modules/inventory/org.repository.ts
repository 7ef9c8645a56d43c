// The organization tree, accounts and organization policies as the inventory holds them. Accounts
// and OUs that disappear are marked (left_at / removed_at), never deleted.
import { type Database, lockKey, type Tx } from "../../db/prisma.js";
import type {
  AccountSnapshot,
  OrgCurrent,
  OrgNodeSnapshot,
  PolicyAttachment,
  PolicyRecord,
} from "./inventory.types.js";

export function createOrgRepository(db: Database) {
  const { client } = db;
  return {
    /** One discovery writes the organization at a time. */
    lock: (tx: Tx) => lockKey("inventory:organization", tx),

    /** The organization as the inventory holds it now (present nodes, accounts and policies). */
    async current(tx?: Tx): Promise<OrgCurrent> {
      const q = tx ?? client;
      const [nodes, accounts, policies, attachments] = await Promise.all([
        q.orgNode.findMany({ where: { removedAt: null } }),
        q.account.findMany({ where: { leftAt: null } }),
        q.orgPolicy.findMany({ where: { removedAt: null } }),
        q.orgPolicyAttachment.findMany(),
      ]);
      return {
        nodes: nodes.map((n) => ({
          id: n.id,
          kind: n.kind as "root" | "ou",
          name: n.name,
          parentId: n.parentId,
          path: n.path,
        })),
        accounts: accounts.map((a) => ({
          id: a.id,
          name: a.name,
          email: a.email,
          state: a.state,
          parentId: a.parentId,
          path: a.path,
          joinedAt: a.joinedAt?.toISOString() ?? null,
          management: a.management,
        })),
        policies: policies.map((p) => ({
          id: p.id,
          name: p.name,
          type: p.type,
          description: p.description,
          content: p.content,
          awsManaged: p.awsManaged,
        })),
        attachments: attachments.map((a) => ({
          key: `${a.policyId}|${a.targetId}`,
          policyId: a.policyId,
          targetId: a.targetId,
        })),
      };
    },

    /** Every node seen now (first/last seen kept); `removed`: nodes no longer in the organization. */
    async writeNodes(seen: readonly OrgNodeSnapshot[], removed: readonly string[], at: Date, tx?: Tx): Promise<void> {
      const q = tx ?? client;
      await q.$executeRaw`
        INSERT INTO org_nodes (id, kind, name, parent_id, path, first_seen_at, last_seen_at, removed_at)
        SELECT n.id, n.kind, n.name, n."parentId", n.path, ${at}, ${at}, NULL
        FROM jsonb_to_recordset(${JSON.stringify(seen)}::jsonb) AS n(id text, kind text, name text, "parentId" text, path text)
        ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, parent_id = EXCLUDED.parent_id,
          path = EXCLUDED.path, last_seen_at = EXCLUDED.last_seen_at, removed_at = NULL`;
      if (removed.length > 0)
        await q.$executeRaw`UPDATE org_nodes SET removed_at = ${at} WHERE id = ANY(${removed}::text[])`;
    },

    /** Every account seen now; `left`: accounts no longer in the organization. */
    async writeAccounts(seen: readonly AccountSnapshot[], left: readonly string[], at: Date, tx?: Tx): Promise<void> {
      const q = tx ?? client;
      await q.$executeRaw`
        INSERT INTO accounts (id, name, email, state, parent_id, path, joined_at, management, first_seen_at, last_seen_at, left_at)
        SELECT a.id, a.name, a.email, a.state, a."parentId", a.path, a."joinedAt", a.management, ${at}, ${at}, NULL
        FROM jsonb_to_recordset(${JSON.stringify(seen)}::jsonb)
          AS a(id text, name text, email text, state text, "parentId" text, path text, "joinedAt" timestamptz, management boolean)
        ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, state = EXCLUDED.state,
          parent_id = EXCLUDED.parent_id, path = EXCLUDED.path, joined_at = EXCLUDED.joined_at, management = EXCLUDED.management,
          last_seen_at = EXCLUDED.last_seen_at, left_at = NULL`;
      if (left.length > 0) await q.$executeRaw`UPDATE accounts SET left_at = ${at} WHERE id = ANY(${left}::text[])`;
    },

    /** Policies that are new or changed; `removed`: policies no longer in the organization. */
    async writePolicies(
      changed: readonly PolicyRecord[],
      removed: readonly string[],
      at: Date,
      tx?: Tx,
    ): Promise<void> {
      const q = tx ?? client;
      if (changed.length > 0) {
        await q.$executeRaw`
          INSERT INTO org_policies (id, name, type, description, content, aws_managed, last_seen_at, removed_at)
          SELECT p.id, p.name, p.type, p.description, p.content, p."awsManaged", ${at}, NULL
          FROM jsonb_to_recordset(${JSON.stringify(changed)}::jsonb)
            AS p(id text, name text, type text, description text, content text, "awsManaged" boolean)
          ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, type = EXCLUDED.type, description = EXCLUDED.description,
            content = EXCLUDED.content, aws_managed = EXCLUDED.aws_managed, last_seen_at = EXCLUDED.last_seen_at, removed_at = NULL`;
      }
      if (removed.length > 0)
        await q.$executeRaw`UPDATE org_policies SET removed_at = ${at} WHERE id = ANY(${removed}::text[])`;
    },

    /** Attachments added and removed (keys `<policyId>|<targetId>`). */
    async writeAttachments(added: readonly PolicyAttachment[], removed: readonly string[], tx?: Tx): Promise<void> {
      const q = tx ?? client;
      if (removed.length > 0) {
        await q.$executeRaw`
          DELETE FROM org_policy_attachments WHERE (policy_id || '|' || target_id) = ANY(${removed}::text[])`;
      }
      if (added.length > 0) {
        await q.$executeRaw`
          INSERT INTO org_policy_attachments (policy_id, target_id)
          SELECT a."policyId", a."targetId" FROM jsonb_to_recordset(${JSON.stringify(added)}::jsonb)
            AS a("policyId" text, "targetId" text)
          ON CONFLICT DO NOTHING`;
      }
    },

    /** Whether a root or OU is known (present or removed). */
    async nodeExists(id: string, tx?: Tx): Promise<boolean> {
      return (await (tx ?? client).orgNode.findUnique({ where: { id }, select: { id: true } })) !== null;
    },

    /** Accounts in the organization (not left), optionally under an OU (any depth) or one account. */
    async accountsInScope(
      scope: { ouId?: string; accountId?: string },
      tx?: Tx,
    ): Promise<Array<{ id: string; state: string; parentId: string | null; path: string }>> {
      const q = tx ?? client;
      if (scope.accountId) {
        return q.account.findMany({
          where: { id: scope.accountId, leftAt: null },
          select: { id: true, state: true, parentId: true, path: true },
        });
      }
      if (scope.ouId) {
        const ou = await q.orgNode.findUnique({ where: { id: scope.ouId } });
        if (!ou) return [];
        return q.account.findMany({
          where: { leftAt: null, OR: [{ parentId: ou.id }, { path: { startsWith: `${ou.path}/` } }] },
          select: { id: true, state: true, parentId: true, path: true },
        });
      }
      return q.account.findMany({
        where: { leftAt: null },
        select: { id: true, state: true, parentId: true, path: true },
      });
    },

    /** Region overrides by target id (root, OU, account). */
    async regionScopes(tx?: Tx): Promise<Map<string, string[]>> {
      const rows = await (tx ?? client).regionScope.findMany();
      return new Map(rows.map((r) => [r.targetId, r.regions]));
    },

    /** Ancestors of each node (for effective settings): node id → parent id. */
    async parentsOf(tx?: Tx): Promise<Map<string, string | null>> {
      const rows = await (tx ?? client).orgNode.findMany({
        where: { removedAt: null },
        select: { id: true, parentId: true },
      });
      return new Map(rows.map((r) => [r.id, r.parentId]));
    },
  };
}

export type OrgRepository = ReturnType<typeof createOrgRepository>;
