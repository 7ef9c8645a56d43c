import { describe, expect, it } from "vitest";
import {
  evaluateCondition,
  evaluatePolicies,
  evaluateScps,
  type NamedPolicy,
  PolicyDocumentError,
  parsePolicyDocument,
  wildcardMatch,
} from "../../src/sandbox/policy-evaluator.js";

const policy = (id: string, statements: unknown[]): NamedPolicy => ({
  id,
  document: parsePolicyDocument({ Version: "2012-10-17", Statement: statements }),
});
const FM = "arn:aws:bedrock:us-east-1::foundation-model/deepseek.r1-v1:0";
const NOVA = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0";

describe("wildcardMatch", () => {
  it("handles * and ? and case rules", () => {
    expect(wildcardMatch("arn:aws:bedrock:*::foundation-model/deepseek.*", FM)).toBe(true);
    expect(wildcardMatch("arn:aws:bedrock:*::foundation-model/deepseek.*", NOVA)).toBe(false);
    expect(wildcardMatch("bedrock:Invoke?odel", "bedrock:InvokeModel")).toBe(true);
    expect(wildcardMatch("bedrock:invoke*", "bedrock:InvokeModel")).toBe(false);
    expect(wildcardMatch("bedrock:invoke*", "bedrock:InvokeModel", true)).toBe(true);
    expect(wildcardMatch("a*b*c", "aXXbYYc")).toBe(true);
    expect(wildcardMatch("a*b*c", "aXXbYY")).toBe(false);
  });
});

describe("evaluatePolicies", () => {
  it("allows on a matching Allow and denies implicitly otherwise", () => {
    const p = [policy("p1", [{ Effect: "Allow", Action: "bedrock:InvokeModel", Resource: NOVA }])];
    expect(evaluatePolicies(p, { action: "bedrock:InvokeModel", resource: NOVA }).decision).toBe("allowed");
    expect(evaluatePolicies(p, { action: "bedrock:InvokeModel", resource: FM }).decision).toBe("implicitDeny");
    expect(evaluatePolicies(p, { action: "bedrock:ListFoundationModels", resource: NOVA }).decision).toBe(
      "implicitDeny",
    );
  });

  it("lets an explicit Deny win over any Allow and reports the matched statement", () => {
    const p = [
      policy("admin", [{ Effect: "Allow", Action: "*", Resource: "*" }]),
      policy("deny", [
        {
          Sid: "NoDeepSeek",
          Effect: "Deny",
          Action: "bedrock:*",
          Resource: "arn:aws:bedrock:*::foundation-model/deepseek.*",
        },
      ]),
    ];
    const ev = evaluatePolicies(p, { action: "bedrock:InvokeModel", resource: FM });
    expect(ev.decision).toBe("explicitDeny");
    expect(ev.matched).toEqual([{ policyId: "deny", statementIndex: 0, sid: "NoDeepSeek", effect: "Deny" }]);
    expect(evaluatePolicies(p, { action: "bedrock:InvokeModel", resource: NOVA }).decision).toBe("allowed");
  });

  it("matches actions case-insensitively", () => {
    const p = [policy("p", [{ Effect: "Allow", Action: "BEDROCK:invokemodel", Resource: "*" }])];
    expect(evaluatePolicies(p, { action: "bedrock:InvokeModel", resource: NOVA }).decision).toBe("allowed");
  });

  it("supports NotAction and NotResource (allow-list by deny)", () => {
    const p = [
      policy("all", [{ Effect: "Allow", Action: "*", Resource: "*" }]),
      policy("allowlist", [
        {
          Effect: "Deny",
          Action: "bedrock:InvokeModel",
          NotResource: ["arn:aws:bedrock:*::foundation-model/amazon.*"],
        },
      ]),
      policy("readonly", [{ Effect: "Deny", NotAction: ["bedrock:*", "sts:*"], Resource: "*" }]),
    ];
    expect(evaluatePolicies(p, { action: "bedrock:InvokeModel", resource: NOVA }).decision).toBe("allowed");
    expect(evaluatePolicies(p, { action: "bedrock:InvokeModel", resource: FM }).decision).toBe("explicitDeny");
    expect(evaluatePolicies(p, { action: "s3:GetObject", resource: "arn:aws:s3:::b/k" }).decision).toBe("explicitDeny");
    expect(evaluatePolicies(p, { action: "sts:AssumeRole", resource: "*" }).decision).toBe("allowed");
  });

  it("evaluates Region conditions, including 'unspecified' for global inference", () => {
    const p = [
      policy("all", [{ Effect: "Allow", Action: "*", Resource: "*" }]),
      policy("regions", [
        {
          Effect: "Deny",
          Action: "bedrock:*",
          Resource: "*",
          Condition: { StringNotEquals: { "aws:RequestedRegion": ["us-east-1", "us-west-2"] } },
        },
      ]),
    ];
    const at = (region: string) =>
      evaluatePolicies(p, { action: "bedrock:InvokeModel", resource: NOVA, context: { "aws:RequestedRegion": region } })
        .decision;
    expect(at("us-east-1")).toBe("allowed");
    expect(at("eu-west-1")).toBe("explicitDeny");
    // The Region-name deny also catches global inference unless "unspecified" is listed.
    expect(at("unspecified")).toBe("explicitDeny");
    const withUnspecified = [
      policy("all", [{ Effect: "Allow", Action: "*", Resource: "*" }]),
      policy("regions", [
        {
          Effect: "Deny",
          Action: "bedrock:*",
          Resource: "*",
          Condition: { StringNotEquals: { "aws:requestedregion": ["us-east-1", "unspecified"] } },
        },
      ]),
    ];
    expect(
      evaluatePolicies(withUnspecified, {
        action: "bedrock:InvokeModel",
        resource: NOVA,
        context: { "aws:RequestedRegion": "unspecified" },
      }).decision,
    ).toBe("allowed");
  });

  it("forces inference profiles with Null and ArnLike on bedrock:InferenceProfileArn", () => {
    const p = [
      policy("all", [{ Effect: "Allow", Action: "*", Resource: "*" }]),
      policy("profiles", [
        {
          Effect: "Deny",
          Action: "bedrock:InvokeModel",
          Resource: "arn:aws:bedrock:*::foundation-model/*",
          Condition: { Null: { "bedrock:InferenceProfileArn": "true" } },
        },
        {
          Effect: "Deny",
          Action: "bedrock:InvokeModel",
          Resource: "*",
          Condition: { ArnNotLike: { "bedrock:InferenceProfileArn": "arn:aws:bedrock:*:*:inference-profile/us.*" } },
        },
      ]),
    ];
    const direct = evaluatePolicies(p, { action: "bedrock:InvokeModel", resource: NOVA });
    expect(direct.decision).toBe("explicitDeny");
    const viaUs = evaluatePolicies(p, {
      action: "bedrock:InvokeModel",
      resource: NOVA,
      context: {
        "bedrock:InferenceProfileArn": "arn:aws:bedrock:us-east-1:1:inference-profile/us.amazon.nova-pro-v1:0",
      },
    });
    expect(viaUs.decision).toBe("allowed");
    const viaEu = evaluatePolicies(p, {
      action: "bedrock:InvokeModel",
      resource: NOVA,
      context: {
        "bedrock:InferenceProfileArn": "arn:aws:bedrock:eu-west-1:1:inference-profile/eu.amazon.nova-pro-v1:0",
      },
    });
    expect(viaEu.decision).toBe("explicitDeny");
  });

  it("implements ForAnyValue / ForAllValues set operators and StringLike", () => {
    const ctx = { "aws:TagKeys": ["team", "env"] };
    expect(evaluateCondition("ForAllValues:StringEquals", "aws:TagKeys", ["team", "env", "owner"], ctx)).toBe(true);
    expect(evaluateCondition("ForAllValues:StringEquals", "aws:TagKeys", ["team"], ctx)).toBe(false);
    expect(evaluateCondition("ForAnyValue:StringEquals", "aws:TagKeys", ["env"], ctx)).toBe(true);
    expect(evaluateCondition("ForAnyValue:StringEquals", "aws:TagKeys", ["owner"], ctx)).toBe(false);
    expect(evaluateCondition("ForAllValues:StringEquals", "aws:Missing", ["x"], ctx)).toBe(true);
    expect(evaluateCondition("ForAnyValue:StringEquals", "aws:Missing", ["x"], ctx)).toBe(false);
    expect(
      evaluateCondition("StringLike", "aws:PrincipalArn", "arn:aws:iam::*:role/Admin*", {
        "aws:PrincipalArn": "arn:aws:iam::1:role/AdminOps",
      }),
    ).toBe(true);
    expect(
      evaluateCondition("StringNotLike", "aws:PrincipalArn", "arn:aws:iam::*:role/Admin*", {
        "aws:PrincipalArn": "arn:aws:iam::1:role/AdminOps",
      }),
    ).toBe(false);
    // Missing keys: positive operators fail, negated ones hold, IfExists holds.
    expect(evaluateCondition("StringEquals", "aws:PrincipalArn", "x", {})).toBe(false);
    expect(evaluateCondition("StringNotEquals", "aws:PrincipalArn", "x", {})).toBe(true);
    expect(evaluateCondition("StringEqualsIfExists", "aws:PrincipalArn", "x", {})).toBe(true);
    expect(
      evaluateCondition("ArnEquals", "aws:PrincipalArn", "arn:aws:iam::1:role/A", {
        "aws:PrincipalArn": "arn:aws:iam::1:role/A",
      }),
    ).toBe(true);
    expect(evaluateCondition("Null", "aws:PrincipalArn", "false", { "aws:PrincipalArn": "a" })).toBe(true);
  });

  it("substitutes policy variables", () => {
    const p = [
      policy("p", [
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a JS template
        { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::logs/${aws:PrincipalAccount}/*" },
      ]),
    ];
    const ctx = { "aws:PrincipalAccount": "123456789012" };
    expect(
      evaluatePolicies(p, { action: "s3:GetObject", resource: "arn:aws:s3:::logs/123456789012/x", context: ctx })
        .decision,
    ).toBe("allowed");
    expect(
      evaluatePolicies(p, { action: "s3:GetObject", resource: "arn:aws:s3:::logs/999999999999/x", context: ctx })
        .decision,
    ).toBe("implicitDeny");
  });
});

describe("evaluateScps", () => {
  const full = policy("p-FullAWSAccess", [{ Effect: "Allow", Action: "*", Resource: "*" }]);
  const bedrockOnly = policy("p-bedrock", [{ Effect: "Allow", Action: "bedrock:*", Resource: "*" }]);
  it("needs an Allow at every level", () => {
    const levels = [
      { targetId: "r-root", policies: [full] },
      { targetId: "ou-prod", policies: [bedrockOnly] },
      { targetId: "123456789012", policies: [full] },
    ];
    expect(evaluateScps(levels, { action: "bedrock:InvokeModel", resource: NOVA }).decision).toBe("allowed");
    const s3 = evaluateScps(levels, { action: "s3:GetObject", resource: "*" });
    expect(s3.decision).toBe("implicitDeny");
    expect(s3.missingAllowAt).toBe("ou-prod");
  });
  it("lets a Deny at any level win", () => {
    const deny = policy("p-deny", [
      { Effect: "Deny", Action: "bedrock:*", Resource: "arn:aws:bedrock:*::foundation-model/deepseek.*" },
    ]);
    const levels = [
      { targetId: "r-root", policies: [full, deny] },
      { targetId: "123456789012", policies: [full] },
    ];
    expect(evaluateScps(levels, { action: "bedrock:InvokeModel", resource: FM }).decision).toBe("explicitDeny");
    expect(evaluateScps(levels, { action: "bedrock:InvokeModel", resource: NOVA }).decision).toBe("allowed");
  });
});

describe("parsePolicyDocument", () => {
  it("rejects malformed documents with a reason", () => {
    expect(() => parsePolicyDocument("{not json")).toThrow(PolicyDocumentError);
    expect(() => parsePolicyDocument({ Statement: [{ Effect: "Maybe", Action: "*", Resource: "*" }] })).toThrow(
      /Effect/,
    );
    expect(() => parsePolicyDocument({ Statement: [{ Effect: "Allow", Resource: "*" }] })).toThrow(
      /Action or NotAction/,
    );
    expect(parsePolicyDocument({ Statement: { Effect: "Allow", Action: "*", Resource: "*" } }).Statement).toHaveLength(
      1,
    );
  });
});
