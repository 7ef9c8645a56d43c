// Reads the organization from AWS: root, nested OUs with their paths, accounts with state, and
// organization policies with their content and targets.
import type { AwsAccess } from "../../aws/aws-access.js";
import type { AccountSnapshot, OrgNodeSnapshot, OrgSnapshot, PolicySnapshot } from "./inventory.types.js";

const POLICY_TYPES = ["SERVICE_CONTROL_POLICY", "BEDROCK_POLICY"] as const;

export function createDiscoveryService(deps: { aws: AwsAccess }) {
  return {
    async readOrganization(): Promise<OrgSnapshot> {
      const org = deps.aws.organizations();
      const [roots, organization] = await Promise.all([org.listRoots(), org.describeOrganization()]);
      const managementAccountId = organization?.MasterAccountId;
      const nodes: OrgNodeSnapshot[] = [];
      const accounts: AccountSnapshot[] = [];

      // Breadth-first, one level at a time; siblings are read concurrently (the quota paces them).
      let level: OrgNodeSnapshot[] = roots.map((r) => ({
        id: r.Id as string,
        kind: "root",
        name: r.Name ?? "Root",
        parentId: null,
        path: `/${r.Name ?? "Root"}`,
      }));
      while (level.length > 0) {
        nodes.push(...level);
        const next = await Promise.all(
          level.map(async (parent) => {
            const [ous, accts] = await Promise.all([
              org.listOrganizationalUnitsForParent(parent.id),
              org.listAccountsForParent(parent.id),
            ]);
            for (const a of accts) {
              accounts.push({
                id: a.Id as string,
                name: a.Name ?? (a.Id as string),
                email: a.Email ?? null,
                state: (a.State as string | undefined) ?? (a.Status as string | undefined) ?? "ACTIVE",
                parentId: parent.id,
                path: parent.path,
                joinedAt: a.JoinedTimestamp?.toISOString() ?? null,
                management: a.Id === managementAccountId,
              });
            }
            return ous.map(
              (ou): OrgNodeSnapshot => ({
                id: ou.Id as string,
                kind: "ou",
                name: ou.Name ?? (ou.Id as string),
                parentId: parent.id,
                path: `${parent.path}/${ou.Name ?? ou.Id}`,
              }),
            );
          }),
        );
        level = next.flat();
      }

      const policies: PolicySnapshot[] = [];
      const unreadablePolicyTypes: { type: string; reason: string }[] = [];
      for (const type of POLICY_TYPES) {
        let summaries: Awaited<ReturnType<typeof org.listPolicies>>;
        try {
          summaries = await org.listPolicies(type);
        } catch (err) {
          // A policy type that is not enabled in the organization has nothing to read.
          if (type !== "SERVICE_CONTROL_POLICY" && (err as { gate?: string }).gate === "validation") continue;
          // A delegated administrator may be delegated SCPs but not BEDROCK_POLICY: the rest of the
          // organization is still read, and that type is recorded as unknown, not as absent.
          if (
            type !== "SERVICE_CONTROL_POLICY" &&
            /^AccessDenied/.test(String((err as { awsCode?: string }).awsCode))
          ) {
            unreadablePolicyTypes.push({ type, reason: `${type} could not be read: ${(err as Error).message}` });
            continue;
          }
          throw err;
        }
        const described = await Promise.all(
          summaries.map(async (s) => {
            const [policy, targets] = await Promise.all([
              org.describePolicy(s.Id as string),
              org.listTargetsForPolicy(s.Id as string),
            ]);
            return {
              id: s.Id as string,
              name: s.Name ?? (s.Id as string),
              type,
              description: s.Description ?? null,
              content: policy?.Content ?? "",
              awsManaged: s.AwsManaged ?? false,
              targets: targets.map((t) => t.TargetId as string).sort(),
            };
          }),
        );
        policies.push(...described);
      }
      nodes.sort((a, b) => a.path.localeCompare(b.path));
      accounts.sort((a, b) => a.id.localeCompare(b.id));
      return { nodes, accounts, policies, ...(unreadablePolicyTypes.length > 0 ? { unreadablePolicyTypes } : {}) };
    },
  };
}

export type DiscoveryService = ReturnType<typeof createDiscoveryService>;
