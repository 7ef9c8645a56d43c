// The CloudFormation templates under deploy/, loaded with the intrinsic-function tags: their
// structure, the member role's trust (ExternalId), and policy actions equal to the call table's.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, type Tags } from "yaml";
import { ROOT } from "../../scripts/deploy-generate.js";
import { allActionsFor, type PermissionLevel, type TemplateScope } from "../../src/aws/call-table.js";

const INTRINSICS = ["Ref", "Sub", "GetAtt", "If", "Equals", "Join", "Not", "And", "Or", "Select", "Split"];
const fnName = (n: string) => (n === "Ref" ? "Ref" : `Fn::${n}`);

/** One tag per intrinsic and node kind: `!Ref X` → `{ Ref: "X" }`, `!If [...]` → `{ "Fn::If": [...] }`. */
const CFN_TAGS: Tags = INTRINSICS.flatMap((n) => [
  { tag: `!${n}`, resolve: (s: string) => ({ [fnName(n)]: n === "GetAtt" ? s.split(".") : s }) },
  {
    tag: `!${n}`,
    collection: "seq" as const,
    resolve: (seq: { toJSON(): unknown }) => ({ [fnName(n)]: seq.toJSON() }),
  },
  {
    tag: `!${n}`,
    collection: "map" as const,
    resolve: (map: { toJSON(): unknown }) => ({ [fnName(n)]: map.toJSON() }),
  },
]) as unknown as Tags;

// biome-ignore lint/suspicious/noExplicitAny: parsed templates are walked freely, checked by the assertions
type Json = Record<string, any>;
const load = (name: string): Json =>
  parse(readFileSync(join(ROOT, "deploy", "cloudformation", name), "utf8"), { customTags: CFN_TAGS }) as Json;

/** Every `{ Ref: X }` and `{ "Fn::If": [cond, …] }` / `Condition: cond` name in a subtree. */
function refsIn(node: unknown, refs = new Set<string>(), conds = new Set<string>()) {
  if (Array.isArray(node)) for (const x of node) refsIn(x, refs, conds);
  else if (node !== null && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "Ref" && typeof v === "string") refs.add(v);
      if (k === "Fn::If" && Array.isArray(v)) conds.add(String(v[0]));
      if (k === "Condition" && typeof v === "string") conds.add(v);
      refsIn(v, refs, conds);
    }
  }
  return { refs, conds };
}

/** The actions of a policy's statements; a conditional statement (`Fn::If`) counts by its true branch. */
function policyActions(policy: Json): string[] {
  const statements = (policy.Properties.PolicyDocument.Statement as unknown[]).map((s) =>
    (s as Json)["Fn::If"] ? ((s as Json)["Fn::If"] as unknown[])[1] : s,
  ) as Json[];
  return [...new Set(statements.flatMap((s) => s.Action as string[]))].sort();
}

const TEMPLATES = [
  "member-role.yaml",
  "management-account.yaml",
  "hub-role.yaml",
  "org-trail-mantle-selector.yaml",
] as const;

describe("CloudFormation templates", () => {
  it.each(TEMPLATES)(
    "%s: every Ref names a parameter, resource or pseudo parameter; every condition exists",
    (name) => {
      const t = load(name);
      expect(t.AWSTemplateFormatVersion).toBe("2010-09-09");
      expect(Object.keys(t.Resources ?? {}).length).toBeGreaterThan(0);
      const { refs, conds } = refsIn(t.Resources);
      refsIn(t.Outputs, refs, conds);
      const known = new Set([...Object.keys(t.Parameters ?? {}), ...Object.keys(t.Resources)]);
      for (const r of refs) if (!r.startsWith("AWS::")) expect(known, `!Ref ${r}`).toContain(r);
      for (const c of conds) expect(Object.keys(t.Conditions ?? {}), `condition ${c}`).toContain(c);
    },
  );

  describe.each([
    ["member-role.yaml", "member"],
    ["management-account.yaml", "management"],
  ] as const)("%s", (name, scope) => {
    const t = load(name);

    it("takes the hub account or principal, the external id and the permission level", () => {
      expect(Object.keys(t.Parameters)).toEqual(
        expect.arrayContaining(["HubAccountId", "HubPrincipalArn", "MemberRoleName", "ExternalId", "PermissionLevel"]),
      );
      expect(t.Parameters.ExternalId.NoEcho).toBe(true);
      expect(t.Parameters.PermissionLevel.AllowedValues).toEqual(["read", "remediation"]);
      expect(t.Conditions.IsRemediation).toEqual({ "Fn::Equals": [{ Ref: "PermissionLevel" }, "remediation"] });
    });

    it("trusts only the hub, and only with the external id", () => {
      const role = t.Resources.MemberRole;
      expect(role.Type).toBe("AWS::IAM::Role");
      expect(role.Properties.RoleName).toEqual({ Ref: "MemberRoleName" });
      const [trust, ...rest] = role.Properties.AssumeRolePolicyDocument.Statement as Json[];
      expect(rest).toEqual([]);
      expect(trust).toMatchObject({ Effect: "Allow", Action: "sts:AssumeRole" });
      expect(trust?.Condition).toEqual({ StringEquals: { "sts:ExternalId": { Ref: "ExternalId" } } });
      expect(trust?.Principal.AWS["Fn::If"]).toEqual([
        "HasHubPrincipal",
        { Ref: "HubPrincipalArn" },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation !Sub string
        { "Fn::Sub": "arn:${AWS::Partition}:iam::${HubAccountId}:root" },
      ]);
    });

    it.each(["read", "remediation"] as PermissionLevel[])("grants exactly the table's %s actions", (level) => {
      const policy = t.Resources[level === "read" ? "ReadPolicy" : "RemediationPolicy"];
      expect(policy.Type).toBe("AWS::IAM::RolePolicy");
      expect(policy.Properties.RoleName).toEqual({ Ref: "MemberRole" });
      if (level === "remediation") expect(policy.Condition).toBe("IsRemediation");
      expect(policyActions(policy)).toEqual(allActionsFor(scope as TemplateScope, level));
    });
  });

  it("the management account's role adds License Manager grants and the organization trail's reads to the member role's", () => {
    const extra = (l: PermissionLevel) =>
      allActionsFor("management", l).filter((a) => !allActionsFor("member", l).includes(a));
    expect(extra("read").sort()).toEqual(
      ["cloudtrail:DescribeTrails", "cloudtrail:GetEventSelectors", "license-manager:ListDistributedGrants"].sort(),
    );
    expect(extra("remediation")).toContain("license-manager:CreateGrant");
  });

  it("hub-role.yaml grants the hub's actions, AssumeRole only on the member role", () => {
    const t = load("hub-role.yaml");
    expect(t.Resources.HubRole.Type).toBe("AWS::IAM::Role");
    expect(policyActions(t.Resources.ReadPolicy)).toEqual(allActionsFor("hub", "read"));
    expect(policyActions(t.Resources.RemediationPolicy)).toEqual(allActionsFor("hub", "remediation"));
    expect(t.Resources.RemediationPolicy.Condition).toBe("IsRemediation");
    const assume = (t.Resources.ReadPolicy.Properties.PolicyDocument.Statement as Json[]).find((s) =>
      (s.Action as string[]).includes("sts:AssumeRole"),
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation !Sub string
    expect(assume?.Resource).toEqual({ "Fn::Sub": "arn:${AWS::Partition}:iam::*:role/${MemberRoleName}" });
  });

  it("org-trail-mantle-selector.yaml logs management events and the bedrock-mantle data events", () => {
    const trail = load("org-trail-mantle-selector.yaml").Resources.OrgTrail;
    expect(trail.Type).toBe("AWS::CloudTrail::Trail");
    expect(trail.Properties).toMatchObject({ IsOrganizationTrail: true, IsMultiRegionTrail: true });
    const selectors = trail.Properties.AdvancedEventSelectors as Json[];
    expect(selectors.flatMap((s) => s.FieldSelectors)).toEqual(
      expect.arrayContaining([
        { Field: "eventCategory", Equals: ["Management"] },
        { Field: "resources.type", Equals: [{ Ref: "MantleDataResourceType" }] },
      ]),
    );
  });
});
