// The organization tree, accounts and organization policies: current state plus history.
// Accounts and OUs that disappear are marked (left_at / removed_at), never deleted.
import type { PrismaClient } from "../../db/prisma.js";
import { insertChanges } from "./account-region.repository.js";
import { diffSet } from "./diff.js";
import type { AccountSnapshot, OrgNodeSnapshot, OrgSnapshot, PolicySnapshot } from "./inventory.types.js";

type PolicyRecord = Omit<PolicySnapshot, "targets">;

export function createOrgRepository(client: PrismaClient) {
  return {
    /** Applies a discovery result; returns the accounts seen for the first time (or back after leaving). */
    async applySnapshot(input: {
      runId: string;
      snapshot: OrgSnapshot;
      at: Date;
    }): Promise<{ newAccounts: string[]; changes: number }> {
      const { runId, snapshot, at } = input;
      return client.$transaction(
        async (tx) => {
          await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext('inventory:organization'))) AS l`;
          const [nodes, accounts, policies, attachments] = await Promise.all([
            tx.orgNode.findMany({ where: { removedAt: null } }),
            tx.account.findMany({ where: { leftAt: null } }),
            tx.orgPolicy.findMany({ where: { removedAt: null } }),
            tx.orgPolicyAttachment.findMany(),
          ]);
          const ctx = { accountId: null, region: null };
          const nodeDiff = diffSet<OrgNodeSnapshot>(
            nodes.map((n) => ({
              id: n.id,
              kind: n.kind as "root" | "ou",
              name: n.name,
              parentId: n.parentId,
              path: n.path,
            })),
            snapshot.nodes,
            "id",
            { entity: "ou", ...ctx },
          );
          const accountDiff = diffSet<AccountSnapshot>(
            accounts.map((a) => ({
              id: a.id,
              name: a.name,
              email: a.email,
              state: a.state,
              parentId: a.parentId,
              path: a.path,
              joinedAt: a.joinedAt?.toISOString() ?? null,
              management: a.management,
            })),
            snapshot.accounts,
            "id",
            { entity: "account", ...ctx },
          );
          const policyDiff = diffSet<PolicyRecord>(
            policies.map((p) => ({
              id: p.id,
              name: p.name,
              type: p.type,
              description: p.description,
              content: p.content,
              awsManaged: p.awsManaged,
            })),
            snapshot.policies.map(({ targets: _t, ...p }) => p),
            "id",
            { entity: "policy", ...ctx },
          );
          const attachmentDiff = diffSet(
            attachments.map((a) => ({
              key: `${a.policyId}|${a.targetId}`,
              policyId: a.policyId,
              targetId: a.targetId,
            })),
            snapshot.policies.flatMap((p) =>
              p.targets.map((t) => ({ key: `${p.id}|${t}`, policyId: p.id, targetId: t })),
            ),
            "key",
            { entity: "attachment", ...ctx },
          );
          // Account history rows carry the account id, so per-account history finds moves.
          for (const c of accountDiff.changes) c.accountId = c.subject;

          const nodeRows = JSON.stringify(snapshot.nodes);
          await tx.$executeRaw`
            INSERT INTO org_nodes (id, kind, name, parent_id, path, first_seen_at, last_seen_at, removed_at)
            SELECT n.id, n.kind, n.name, n."parentId", n.path, ${at}, ${at}, NULL
            FROM jsonb_to_recordset(${nodeRows}::jsonb) AS n(id text, kind text, name text, "parentId" text, path text)
            ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, parent_id = EXCLUDED.parent_id,
              path = EXCLUDED.path, last_seen_at = EXCLUDED.last_seen_at, removed_at = NULL`;
          if (nodeDiff.deletes.length > 0) {
            await tx.$executeRaw`UPDATE org_nodes SET removed_at = ${at} WHERE id = ANY(${nodeDiff.deletes}::text[])`;
          }
          await tx.$executeRaw`
            INSERT INTO accounts (id, name, email, state, parent_id, path, joined_at, management, first_seen_at, last_seen_at, left_at)
            SELECT a.id, a.name, a.email, a.state, a."parentId", a.path, a."joinedAt", a.management, ${at}, ${at}, NULL
            FROM jsonb_to_recordset(${JSON.stringify(snapshot.accounts)}::jsonb)
              AS a(id text, name text, email text, state text, "parentId" text, path text, "joinedAt" timestamptz, management boolean)
            ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, state = EXCLUDED.state,
              parent_id = EXCLUDED.parent_id, path = EXCLUDED.path, joined_at = EXCLUDED.joined_at, management = EXCLUDED.management,
              last_seen_at = EXCLUDED.last_seen_at, left_at = NULL`;
          if (accountDiff.deletes.length > 0) {
            await tx.$executeRaw`UPDATE accounts SET left_at = ${at} WHERE id = ANY(${accountDiff.deletes}::text[])`;
          }
          if (policyDiff.upserts.length > 0) {
            await tx.$executeRaw`
              INSERT INTO org_policies (id, name, type, description, content, aws_managed, last_seen_at, removed_at)
              SELECT p.id, p.name, p.type, p.description, p.content, p."awsManaged", ${at}, NULL
              FROM jsonb_to_recordset(${JSON.stringify(policyDiff.upserts)}::jsonb)
                AS p(id text, name text, type text, description text, content text, "awsManaged" boolean)
              ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, type = EXCLUDED.type, description = EXCLUDED.description,
                content = EXCLUDED.content, aws_managed = EXCLUDED.aws_managed, last_seen_at = EXCLUDED.last_seen_at, removed_at = NULL`;
          }
          if (policyDiff.deletes.length > 0) {
            await tx.$executeRaw`UPDATE org_policies SET removed_at = ${at} WHERE id = ANY(${policyDiff.deletes}::text[])`;
          }
          if (attachmentDiff.deletes.length > 0) {
            await tx.$executeRaw`
              DELETE FROM org_policy_attachments WHERE (policy_id || '|' || target_id) = ANY(${attachmentDiff.deletes}::text[])`;
          }
          if (attachmentDiff.upserts.length > 0) {
            await tx.$executeRaw`
              INSERT INTO org_policy_attachments (policy_id, target_id)
              SELECT a."policyId", a."targetId" FROM jsonb_to_recordset(${JSON.stringify(attachmentDiff.upserts)}::jsonb)
                AS a("policyId" text, "targetId" text)
              ON CONFLICT DO NOTHING`;
          }
          const changes = [
            ...nodeDiff.changes,
            ...accountDiff.changes,
            ...policyDiff.changes,
            ...attachmentDiff.changes,
          ];
          for (const c of changes) if (c.change === "removed" && c.entity === "account") c.change = "left";
          await insertChanges(tx, runId, at, changes);
          const newAccounts = accountDiff.changes.filter((c) => c.change === "added").map((c) => c.subject as string);
          return { newAccounts, changes: changes.length };
        },
        { timeout: 120_000, maxWait: 60_000 },
      );
    },

    /** Accounts in the organization (not left), optionally under an OU (any depth) or one account. */
    async accountsInScope(scope: {
      ouId?: string;
      accountId?: string;
    }): Promise<Array<{ id: string; state: string; parentId: string | null; path: string }>> {
      if (scope.accountId) {
        return client.account.findMany({
          where: { id: scope.accountId, leftAt: null },
          select: { id: true, state: true, parentId: true, path: true },
        });
      }
      if (scope.ouId) {
        const ou = await client.orgNode.findUnique({ where: { id: scope.ouId } });
        if (!ou) return [];
        return client.account.findMany({
          where: { leftAt: null, OR: [{ parentId: ou.id }, { path: { startsWith: `${ou.path}/` } }] },
          select: { id: true, state: true, parentId: true, path: true },
        });
      }
      return client.account.findMany({
        where: { leftAt: null },
        select: { id: true, state: true, parentId: true, path: true },
      });
    },

    /** Region overrides by target id (root, OU, account). */
    async regionScopes(): Promise<Map<string, string[]>> {
      const rows = await client.regionScope.findMany();
      return new Map(rows.map((r) => [r.targetId, r.regions]));
    },

    /** Ancestors of each node (for effective settings): node id → parent id. */
    async parentsOf(): Promise<Map<string, string | null>> {
      const rows = await client.orgNode.findMany({ where: { removedAt: null }, select: { id: true, parentId: true } });
      return new Map(rows.map((r) => [r.id, r.parentId]));
    },
  };
}

export type OrgRepository = ReturnType<typeof createOrgRepository>;
