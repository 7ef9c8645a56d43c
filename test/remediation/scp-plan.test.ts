// Where catalog SCPs go and which Organizations calls get them there (pure planning).
import { describe, expect, it } from "vitest";
import type { CatalogEntry } from "../../src/modules/catalog/catalog.types.js";
import type { ModelFact } from "../../src/modules/catalog/grants.js";
import { includedNodes, type OrgTreeNode, planScps, type ScpOnTarget } from "../../src/modules/remediation/scp-plan.js";

const NOW = new Date("2026-06-01T00:00:00Z");
const nodes: OrgTreeNode[] = [
  { id: "r-ab12", kind: "root", parentId: null },
  { id: "111111111111", kind: "account", parentId: "r-ab12", management: true },
  { id: "ou-ab12-aaaaaaaa", kind: "ou", parentId: "r-ab12" },
  { id: "222222222222", kind: "account", parentId: "ou-ab12-aaaaaaaa" },
  { id: "333333333333", kind: "account", parentId: "ou-ab12-aaaaaaaa" },
  { id: "ou-ab12-bbbbbbbb", kind: "ou", parentId: "r-ab12" },
  { id: "444444444444", kind: "account", parentId: "ou-ab12-bbbbbbbb" },
];
const models: ModelFact[] = ["amazon.nova-pro-v1:0", "anthropic.claude-3-haiku-20240307-v1:0", "deepseek.r1-v1:0"].map(
  (modelId) => ({ modelId, provider: modelId.split(".")[0] as string, regions: ["us-east-1", "eu-west-1"] }),
);
const entry = (id: string, model: string, scope: CatalogEntry["scope"]): CatalogEntry => ({
  id,
  model,
  scope,
  owner: "platform",
  justification: "test",
});
const orgNova = entry("nova", "amazon.nova-pro-v1:0", { kind: "organization" });
const grant = entry("grant:1", "deepseek.r1-v1:0", { kind: "account", id: "222222222222" });
const FULL: ScpOnTarget = {
  id: "p-FullAWSAccess",
  name: "FullAWSAccess",
  content: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
  awsManaged: true,
  targets: nodes.map((n) => n.id),
};
const brief = (plan: ReturnType<typeof planScps>) =>
  plan.changes.map((c) => `${c.kind} ${"target" in c ? c.target.id : ""} ${"name" in c ? c.name : ""}`.trim());

describe("planScps", () => {
  it("an organization-wide catalog needs one policy, at the root; never one for the management account", () => {
    const plan = planScps({ nodes, entries: [orgNova], models, profiles: [], policies: [FULL], now: NOW });
    expect(brief(plan)).toEqual([
      "scp_create r-ab12 bedrock-governor-catalog-r-ab12",
      "scp_attach r-ab12 bedrock-governor-catalog-r-ab12",
    ]);
  });

  it("an account-scoped grant widens the root and narrows the grantee's siblings, deepest first", () => {
    const plan = planScps({ nodes, entries: [orgNova, grant], models, profiles: [], policies: [FULL], now: NOW });
    expect(brief(plan)).toEqual([
      "scp_create 333333333333 bedrock-governor-catalog-333333333333",
      "scp_attach 333333333333 bedrock-governor-catalog-333333333333",
      "scp_create ou-ab12-bbbbbbbb bedrock-governor-catalog-ou-ab12-bbbbbbbb",
      "scp_attach ou-ab12-bbbbbbbb bedrock-governor-catalog-ou-ab12-bbbbbbbb",
      "scp_create r-ab12 bedrock-governor-catalog-r-ab12",
      "scp_attach r-ab12 bedrock-governor-catalog-r-ab12",
    ]);
    const root = plan.changes.find((c) => c.kind === "scp_create" && c.target.id === "r-ab12");
    const sibling = plan.changes.find((c) => c.kind === "scp_create" && c.target.id === "333333333333");
    expect(root?.kind === "scp_create" && root.content).toContain("deepseek.r1-v1:0");
    expect(sibling?.kind === "scp_create" && sibling.content).not.toContain("deepseek");
  });

  it("updates managed policies in place with a JSON diff, and removes those no longer needed", () => {
    const first = planScps({ nodes, entries: [orgNova, grant], models, profiles: [], policies: [FULL], now: NOW });
    let n = 0;
    const created: ScpOnTarget[] = first.changes.flatMap((c) =>
      c.kind === "scp_create"
        ? [{ id: `p-managed${++n}`, name: c.name, content: c.content, awsManaged: false, targets: [c.target.id] }]
        : [],
    );
    // The grant ends: the root narrows again and the siblings' own policies go.
    const plan = planScps({ nodes, entries: [orgNova], models, profiles: [], policies: [FULL, ...created], now: NOW });
    expect(brief(plan)).toEqual([
      "scp_update r-ab12 bedrock-governor-catalog-r-ab12",
      "scp_detach 333333333333 bedrock-governor-catalog-333333333333",
      "scp_delete  bedrock-governor-catalog-333333333333",
      "scp_detach ou-ab12-bbbbbbbb bedrock-governor-catalog-ou-ab12-bbbbbbbb",
      "scp_delete  bedrock-governor-catalog-ou-ab12-bbbbbbbb",
    ]);
    const update = plan.changes[0];
    expect(update?.kind === "scp_update" && update.diff).toMatch(/^-.*deepseek\.r1-v1:0/m);
    // Applied: nothing more to do.
    const after = planScps({
      nodes,
      entries: [orgNova],
      models,
      profiles: [],
      policies: [
        FULL,
        {
          ...(created.find((p) => p.targets[0] === "r-ab12") as ScpOnTarget),
          content: update?.kind === "scp_update" ? update.after : "",
        },
      ],
      now: NOW,
    });
    expect(after.changes).toEqual([]);
  });

  it("counts policies it does not manage against AWS's five per target, and says when there is no room", () => {
    const foreign = [1, 2, 3, 4].map(
      (i): ScpOnTarget => ({
        id: `p-other${i}`,
        name: `Other${i}`,
        content: FULL.content,
        awsManaged: false,
        targets: ["r-ab12"],
      }),
    );
    const plan = planScps({ nodes, entries: [orgNova], models, profiles: [], policies: [FULL, ...foreign], now: NOW });
    expect(plan.changes).toEqual([]);
    expect(plan.unresolved).toEqual([expect.objectContaining({ kind: "scp_limit", targetId: "r-ab12" })]);
  });

  it("a scope only touches its lineage, and everything below a node whose policy changes", () => {
    expect([...includedNodes(nodes, ["444444444444"])].sort()).toEqual(["444444444444", "ou-ab12-bbbbbbbb", "r-ab12"]);
    expect([...includedNodes(nodes, ["222222222222", "333333333333"], ["ou-ab12-aaaaaaaa"])].sort()).toEqual([
      "222222222222",
      "333333333333",
      "ou-ab12-aaaaaaaa",
      "r-ab12",
    ]);
    const plan = planScps({
      nodes,
      entries: [orgNova, grant],
      models,
      profiles: [],
      policies: [FULL],
      now: NOW,
      include: includedNodes(nodes, ["444444444444"]),
    });
    // The root widens for the grant, so the narrowing of the grantee's sibling comes along even
    // though that account is outside the scope.
    expect(brief(plan).map((c) => c.split(" ")[1])).toEqual([
      "333333333333",
      "333333333333",
      "ou-ab12-bbbbbbbb",
      "ou-ab12-bbbbbbbb",
      "r-ab12",
      "r-ab12",
    ]);
    // Without the root's change (it already allows the grant), a scope stays in its lineage.
    const rootPolicy = planScps({
      nodes,
      entries: [orgNova, grant],
      models,
      profiles: [],
      policies: [FULL],
      now: NOW,
    }).changes.find((c) => c.kind === "scp_create" && c.target.id === "r-ab12");
    const existing: ScpOnTarget = {
      id: "p-root",
      name: "bedrock-governor-catalog-r-ab12",
      content: rootPolicy?.kind === "scp_create" ? rootPolicy.content : "",
      awsManaged: false,
      targets: ["r-ab12"],
    };
    const narrow = planScps({
      nodes,
      entries: [orgNova, grant],
      models,
      profiles: [],
      policies: [FULL, existing],
      now: NOW,
      include: includedNodes(nodes, ["444444444444"]),
    });
    expect(brief(narrow).map((c) => c.split(" ")[1])).toEqual(["ou-ab12-bbbbbbbb", "ou-ab12-bbbbbbbb"]);
  });
});
