import {
  type Account,
  AttachPolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  type OrganizationalUnit,
  type OrganizationsClient,
  type Parent,
  type Policy,
  type PolicySummary,
  type PolicyTargetSummary,
  type PolicyType,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  paginateListParents,
  paginateListPolicies,
  paginateListPoliciesForTarget,
  paginateListRoots,
  paginateListTargetsForPolicy,
  type Root,
  UpdatePolicyCommand,
} from "@aws-sdk/client-organizations";
import { call, collect, TRY_AGAIN_LATER } from "./call.js";

export type { Account, OrganizationalUnit, Parent, Policy, PolicySummary, PolicyTargetSummary, PolicyType, Root };

export function organizationsApi(client: OrganizationsClient, region: string) {
  // Writes on a target another request is changing are retried later (not by the SDK).
  const BUSY = { on: TRY_AGAIN_LATER };
  const ctx = (operation: string) => ({ service: "organizations", operation, region });
  const pg = { client };
  return {
    describeOrganization: () =>
      call(
        ctx("DescribeOrganization"),
        async () => (await client.send(new DescribeOrganizationCommand({}))).Organization,
      ),
    listRoots: () => collect(ctx("ListRoots"), paginateListRoots(pg, {}), (p) => p.Roots),
    listOrganizationalUnitsForParent: (parentId: string) =>
      collect(
        ctx("ListOrganizationalUnitsForParent"),
        paginateListOrganizationalUnitsForParent(pg, { ParentId: parentId }),
        (p) => p.OrganizationalUnits,
      ),
    listAccountsForParent: (parentId: string) =>
      collect(
        ctx("ListAccountsForParent"),
        paginateListAccountsForParent(pg, { ParentId: parentId }),
        (p) => p.Accounts,
      ),
    listAccounts: () => collect(ctx("ListAccounts"), paginateListAccounts(pg, {}), (p) => p.Accounts),
    listParents: (childId: string) =>
      collect(ctx("ListParents"), paginateListParents(pg, { ChildId: childId }), (p) => p.Parents),
    listPolicies: (filter: PolicyType) =>
      collect(ctx("ListPolicies"), paginateListPolicies(pg, { Filter: filter }), (p) => p.Policies),
    describePolicy: (policyId: string) =>
      call(
        ctx("DescribePolicy"),
        async () => (await client.send(new DescribePolicyCommand({ PolicyId: policyId }))).Policy,
      ),
    listPoliciesForTarget: (targetId: string, filter: PolicyType) =>
      collect(
        ctx("ListPoliciesForTarget"),
        paginateListPoliciesForTarget(pg, { TargetId: targetId, Filter: filter }),
        (p) => p.Policies,
      ),
    listTargetsForPolicy: (policyId: string) =>
      collect(ctx("ListTargetsForPolicy"), paginateListTargetsForPolicy(pg, { PolicyId: policyId }), (p) => p.Targets),
    createPolicy: (input: { name: string; description: string; content: string; type: PolicyType }) =>
      call(
        ctx("CreatePolicy"),
        async () =>
          (
            await client.send(
              new CreatePolicyCommand({
                Name: input.name,
                Description: input.description,
                Content: input.content,
                Type: input.type,
              }),
            )
          ).Policy,
        BUSY,
      ),
    updatePolicy: (input: { policyId: string; name?: string; description?: string; content?: string }) =>
      call(
        ctx("UpdatePolicy"),
        async () =>
          (
            await client.send(
              new UpdatePolicyCommand({
                PolicyId: input.policyId,
                Name: input.name,
                Description: input.description,
                Content: input.content,
              }),
            )
          ).Policy,
        BUSY,
      ),
    attachPolicy: (policyId: string, targetId: string) =>
      call(
        ctx("AttachPolicy"),
        async () => void (await client.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: targetId }))),
        BUSY,
      ),
    deletePolicy: (policyId: string) =>
      call(
        ctx("DeletePolicy"),
        async () => void (await client.send(new DeletePolicyCommand({ PolicyId: policyId }))),
        BUSY,
      ),
    detachPolicy: (policyId: string, targetId: string) =>
      call(
        ctx("DetachPolicy"),
        async () => void (await client.send(new DetachPolicyCommand({ PolicyId: policyId, TargetId: targetId }))),
        BUSY,
      ),
  };
}

export type OrganizationsApi = ReturnType<typeof organizationsApi>;
