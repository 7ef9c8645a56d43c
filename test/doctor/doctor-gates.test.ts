// The access doctor against sandbox scenarios built from one healthy organization: the healthy one
// passes every gate, and each variant breaks exactly one gate — the doctor must name that gate and
// no other. Real SDK over HTTP, real PostgreSQL (catalog, audit), nothing mocked.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwsAccess } from "../../src/aws/aws-access.js";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { systemClock } from "../../src/lib/clock.js";
import { parseCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import { createDoctorRepository } from "../../src/modules/doctor/doctor.repository.js";
import { createDoctorService, type DoctorService } from "../../src/modules/doctor/doctor.service.js";
import type { DoctorGate, DoctorReport, DoctorRequest } from "../../src/modules/doctor/doctor.types.js";
import { createFactsRepository } from "../../src/modules/reachability/facts.repository.js";
import { GATES } from "../../src/modules/reachability/reachability.types.js";
import { parseScenario, type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import {
  APP,
  healthyOrg,
  type Json,
  MGMT,
  NOVA,
  OU,
  onlyClaudeForTheApp,
  ROLE,
  SONNET,
} from "../helpers/healthy-org.js";
import { sandboxAwsAccess } from "../helpers/sandbox-access.js";

const ctx = { principal: SYSTEM_PRINCIPAL };

/** The healthy organization; `change` edits a copy to break one gate. */
const scenario = (change?: Parameters<typeof healthyOrg>[0]) => parseScenario(healthyOrg(change));

let t: TestApp;
const opened: { sandbox: Sandbox; aws: AwsAccess }[] = [];

beforeAll(async () => {
  t = await startTestApp();
  // The catalog approves Nova for the whole organization (governance status is reported, not a gate).
  await t.services.catalog.apply(
    ctx,
    parseCatalogDocument(
      "entries:\n  - id: nova\n    model: amazon.nova-*\n    scope: organization\n    owner: platform\n    justification: default model\n",
    ),
    "doctor test",
  );
});
afterAll(async () => {
  for (const o of opened) {
    o.aws.close();
    await o.sandbox.close();
  }
  await t?.close();
});

async function doctorFor(s: ReturnType<typeof scenario>): Promise<DoctorService> {
  const sandbox = await startSandbox({ scenario: s, port: 0 });
  const aws = sandboxAwsAccess(sandbox, { sessionName: "bedrock-governor-doctor" });
  opened.push({ sandbox, aws });
  const reconcileFree = async () => undefined;
  return createDoctorService({
    aws,
    db: t.db,
    desired: t.services.catalog,
    inventory: createDoctorRepository(t.db),
    facts: createFactsRepository(t.db),
    inventoryScps: reconcileFree,
    audit: t.services.audit,
    clock: systemClock,
    regions: ["us-east-1", "us-west-2", "eu-west-1"],
  });
}

const base: DoctorRequest = { accountId: APP, region: "us-east-1", model: NOVA, principalArn: ROLE };

const statuses = (r: DoctorReport) => Object.fromEntries(r.gates.map((g) => [g.gate, g.status]));
const gate = (r: DoctorReport, g: DoctorGate) => {
  const found = r.gates.find((x) => x.gate === g);
  if (!found) throw new Error(`no ${g} gate in the report`);
  return found;
};

/** Only `failing` fails; every other gate passes or (when it cannot be judged) is unknown, never fail. */
function expectOnly(r: DoctorReport, failing: DoctorGate) {
  expect(r.gates.map((g) => g.gate)).toEqual([...GATES]);
  expect(r.verdict).toBe("blocked");
  expect(r.blockingGate).toBe(failing);
  const failed = r.gates.filter((g) => g.status === "fail").map((g) => g.gate);
  expect(failed, JSON.stringify(r.gates, null, 2)).toEqual([failing]);
  const f = gate(r, failing);
  expect(f.fix).toBeTruthy();
  expect(f.summary.length).toBeGreaterThan(10);
}

describe("access doctor: one gate at a time", () => {
  it("everything right: every gate passes, the model is approved, the verdict is ok", async () => {
    const doctor = await doctorFor(scenario());
    const r = await doctor.diagnose(ctx, base);
    expect(statuses(r), JSON.stringify(r.gates, null, 2)).toEqual(Object.fromEntries(GATES.map((g) => [g, "pass"])));
    expect(r.verdict).toBe("ok");
    expect(r.blockingGate).toBeNull();
    expect(gate(r, "credentials").evidence).toMatchObject({
      roleArn: `arn:aws:iam::${APP}:role/GovernorRole`,
      identity: { account: APP, arn: `arn:aws:sts::${APP}:assumed-role/GovernorRole/bedrock-governor-doctor` },
    });
    expect(gate(r, "org_policy").evidence).toMatchObject({
      source: "organizations",
      lineage: [APP, OU, expect.stringMatching(/^r-/)],
    });
    expect(r.governance).toMatchObject({ approved: true, entryIds: ["nova"], requests: null });
    expect(r.governance.summary).toMatch(/unknown \(requests not available\)/);
  });

  it("credentials: the member role is missing → only the credentials gate fails", async () => {
    const doctor = await doctorFor(
      scenario((s) => {
        (s.accounts[1] as Json).memberRole = "missing";
      }),
    );
    const r = await doctor.diagnose(ctx, { ...base, probe: true });
    expectOnly(r, "credentials");
    expect(r.probe).toMatchObject({ status: "skipped", target: NOVA });
    expect(gate(r, "credentials").evidence).toMatchObject({ awsCode: "AccessDenied", operation: "AssumeRole" });
    expect(gate(r, "credentials").fix).toMatch(/trust policy/);
    // Organizations is read with the hub's credentials: the Bedrock policy still answers; SCPs
    // need the account-Region's models and profiles, which cannot be read.
    expect(gate(r, "bedrock_policy").status).toBe("pass");
    expect(gate(r, "org_policy").status).toBe("unknown");
    expect(gate(r, "region").status).toBe("unknown");
  });

  it("Region: the model is not offered in the calling Region → only the Region gate fails, with where it is", async () => {
    const doctor = await doctorFor(
      scenario((s) => {
        (s.models[0] as Json).regions = ["us-west-2"];
        (s as Json).inferenceProfiles = [];
      }),
    );
    const r = await doctor.diagnose(ctx, base);
    expectOnly(r, "region");
    expect(gate(r, "region").evidence).toMatchObject({ offeredIn: ["us-west-2"], profilesServingRegion: [] });
    expect(gate(r, "region").fix).toMatch(/us-west-2/);
    expect(gate(r, "entitlement").status).toBe("unknown");
  });

  it("Region: not offered here but a profile serves this Region → the fix names the profile", async () => {
    const doctor = await doctorFor(
      scenario((s) => {
        (s.models[0] as Json).regions = ["us-west-2"];
        (s as Json).inferenceProfiles = [
          {
            id: `us.${NOVA}`,
            model: NOVA,
            sourceRegions: ["us-east-1", "us-west-2"],
            destinationRegions: ["us-west-2"],
          },
        ];
      }),
    );
    const r = await doctor.diagnose(ctx, base);
    expectOnly(r, "region");
    expect(gate(r, "region").fix).toContain(`us.${NOVA}`);
    // The later gates evaluate the profile that would serve the call, on its destination.
    expect(r.paths).toEqual([
      expect.objectContaining({ path: "direct", status: "blocked", gate: "region" }),
      expect.objectContaining({ path: `us.${NOVA}`, status: "usable", destinations: ["us-west-2"] }),
    ]);
    // Asked about the profile, the doctor judges its path: the profile ARN and the model in its destination.
    const viaProfile = await doctor.diagnose(ctx, { ...base, model: `us.${NOVA}` });
    expect(viaProfile.verdict).toBe("ok");
    expect(gate(viaProfile, "org_policy").evidence).toMatchObject({
      resourcesChecked: [
        `arn:aws:bedrock:us-east-1:${APP}:inference-profile/us.${NOVA}`,
        `arn:aws:bedrock:us-west-2::foundation-model/${NOVA}`,
      ],
    });
  });

  it("entitlement: the account is not entitled to the model → only the entitlement gate fails", async () => {
    const doctor = await doctorFor(
      scenario((s) => {
        (s.accounts[1] as Json).modelAccess = [{ model: NOVA, region: "us-east-1", entitlement: "NOT_AVAILABLE" }];
      }),
    );
    const r = await doctor.diagnose(ctx, base);
    expectOnly(r, "entitlement");
    expect(gate(r, "entitlement").evidence).toMatchObject({
      entitlement: "NOT_AVAILABLE",
      agreement: "AVAILABLE",
      marketplace: false,
    });
  });

  it("use case: no Anthropic use case anywhere → the use-case form is the fix", async () => {
    const doctor = await doctorFor(
      scenario((s) => {
        (s.accounts[0] as Json).anthropicUseCase = false;
      }),
    );
    const r = await doctor.diagnose(ctx, { ...base, model: `us.${SONNET}` });
    expectOnly(r, "use_case");
    expect(gate(r, "use_case").evidence).toMatchObject({
      anthropicUseCase: "missing",
      authorization: "NOT_AUTHORIZED",
      marketplace: true,
      principalMarketplaceActions: { allowed: false, denied: ["aws-marketplace:Unsubscribe"] },
    });
    expect(gate(r, "use_case").fix).toMatch(/use-case form/);
  });

  it("organization policy: an SCP denies the model → only that gate fails, the statement is quoted", async () => {
    const deny = {
      Sid: "DenyNovaPro",
      Effect: "Deny",
      Action: "bedrock:*",
      Resource: "arn:aws:bedrock:*::foundation-model/amazon.nova-pro-*",
    };
    const doctor = await doctorFor(
      scenario((s) => {
        s.policies.push({
          id: "p-denynovapro01",
          name: "DenyNovaPro",
          content: { Version: "2012-10-17", Statement: [deny] },
          targets: [OU],
        });
      }),
    );
    const r = await doctor.diagnose(ctx, {
      ...base,
      errorText: `AccessDeniedException: User: ${ROLE} is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/${NOVA} with an explicit deny in a service control policy`,
    });
    expectOnly(r, "org_policy");
    const org = gate(r, "org_policy");
    expect(org.summary).toContain("DenyNovaPro");
    expect(org.evidence.denials).toEqual([
      expect.objectContaining({
        decision: "explicitDeny",
        resource: `arn:aws:bedrock:us-east-1::foundation-model/${NOVA}`,
        statements: [
          {
            policyId: "p-denynovapro01",
            policyName: "DenyNovaPro",
            attachedTo: [OU],
            sid: "DenyNovaPro",
            statementIndex: 0,
            statement: deny,
          },
        ],
      }),
    ]);
    // The simulation folds SCPs in; the doctor does not blame IAM for them.
    expect(gate(r, "iam").status).toBe("unknown");
    expect(r.error).toMatchObject({ gate: "org_policy", rule: "scp-explicit-deny", live: "confirmed" });
  });

  it("organization policy: a Region condition catches a profile's destination Region", async () => {
    const doctor = await doctorFor(
      scenario((s) => {
        s.policies.push({
          id: "p-useastonly001",
          name: "UsEast1Only",
          content: {
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "OnlyUsEast1",
                Effect: "Deny",
                Action: "bedrock:*",
                Resource: "*",
                Condition: { StringNotEquals: { "aws:RequestedRegion": ["us-east-1"] } },
              },
            ],
          },
          targets: [APP],
        });
      }),
    );
    const direct = await doctor.diagnose(ctx, base);
    expect(gate(direct, "org_policy").status).toBe("pass");
    const viaProfile = await doctor.diagnose(ctx, { ...base, model: `us.${NOVA}` });
    expectOnly(viaProfile, "org_policy");
    expect(gate(viaProfile, "org_policy").evidence.denials).toEqual([
      expect.objectContaining({
        resource: `arn:aws:bedrock:us-west-2::foundation-model/${NOVA}`,
        context: expect.objectContaining({
          "aws:RequestedRegion": "us-west-2",
          "bedrock:InferenceProfileArn": `arn:aws:bedrock:us-east-1:${APP}:inference-profile/us.${NOVA}`,
        }),
      }),
    ]);
  });

  it("organization policy: a principal-ARN condition denies every role but the approved ones", async () => {
    const doctor = await doctorFor(
      scenario((s) => {
        s.policies.push({
          id: "p-approvedroles1",
          name: "OnlyApprovedRolesInvoke",
          content: {
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "ApprovedRolesOnly",
                Effect: "Deny",
                Action: ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                Resource: "*",
                Condition: { ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::*:role/Approved*"] } },
              },
            ],
          },
          targets: [OU],
        });
      }),
    );
    const r = await doctor.diagnose(ctx, base);
    expectOnly(r, "org_policy");
    expect(gate(r, "org_policy").evidence.denials).toEqual([
      expect.objectContaining({
        context: expect.objectContaining({ "aws:PrincipalArn": ROLE }),
        statements: [expect.objectContaining({ sid: "ApprovedRolesOnly", attachedTo: [OU] })],
      }),
    ]);
  });

  it("IAM: the principal's policies do not allow invoking → only the IAM gate fails", async () => {
    const doctor = await doctorFor(scenario(onlyClaudeForTheApp));
    const r = await doctor.diagnose(ctx, {
      ...base,
      principalArn: `arn:aws:sts::${APP}:assumed-role/ChatApp/session-42`,
      errorText: "An error occurred (ValidationException) when calling the Converse operation: Operation not allowed",
    });
    expectOnly(r, "iam");
    expect(r.principalArn).toBe(ROLE);
    expect(gate(r, "iam").evidence).toMatchObject({
      deniedResources: [`arn:aws:bedrock:us-east-1::foundation-model/${NOVA}`],
    });
    expect(gate(r, "iam").fix).toContain("bedrock:InvokeModel");
    // The pasted error points at model access; the live checks disagree and say so.
    expect(r.error).toMatchObject({ gate: "model_access", live: "contradicted" });
    expect(r.error?.liveNote).toMatch(/IAM/);
  });

  it("an IAM Identity Center session is judged as its role, found under its path (iam:GetRole)", async () => {
    const sso = `arn:aws:iam::${APP}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Developers_0123456789abcdef`;
    const doctor = await doctorFor(
      scenario((s) => {
        const app = s.accounts.find((a) => a.id === APP) as Json & { principals: Json[] };
        const chatApp = app.principals.find((p) => p.arn === ROLE) as Json;
        app.principals.push({ ...chatApp, arn: sso });
      }),
    );
    const r = await doctor.diagnose(ctx, {
      ...base,
      principalArn: `arn:aws:sts::${APP}:assumed-role/AWSReservedSSO_Developers_0123456789abcdef/jane@example.com`,
    });
    // Rebuilt without the path the role would not exist, and the IAM gate would fail.
    expect(r.principalArn).toBe(sso);
    expect(statuses(r).iam).toBe("pass");
    expect(r.verdict).toBe("ok");
  });

  it("without a principal IAM is unknown and the verdict inconclusive; the management account is exempt from SCPs", async () => {
    const doctor = await doctorFor(
      scenario((s) => {
        s.policies.push({
          id: "p-denyall00001",
          name: "DenyAllBedrock",
          content: { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "bedrock:*", Resource: "*" }] },
          targets: ["root"],
        });
      }),
    );
    const r = await doctor.diagnose(ctx, { accountId: MGMT, region: "us-east-1", model: NOVA });
    expect(statuses(r)).toMatchObject({ credentials: "pass", org_policy: "pass", iam: "unknown" });
    expect(gate(r, "org_policy").summary).toMatch(/management account/);
    expect(r.verdict).toBe("inconclusive");
  });

  it("the probe makes one Converse call as the service and reports the result (audited)", async () => {
    const doctor = await doctorFor(
      scenario((s) => {
        (s.accounts[1] as Json).modelAccess = [{ model: NOVA, region: "us-east-1", entitlement: "NOT_AVAILABLE" }];
      }),
    );
    const r = await doctor.diagnose(ctx, { ...base, probe: true });
    expect(r.probe).toMatchObject({
      status: "fail",
      target: NOVA,
      error: { awsCode: "AccessDeniedException", gate: "model_access" },
    });
    const healthy = await doctorFor(scenario());
    const ok = await healthy.diagnose(ctx, { ...base, model: `us.${NOVA}`, probe: true });
    expect(ok.probe).toMatchObject({ status: "pass", target: `us.${NOVA}` });
    expect(ok.probe?.reply).toMatch(/sandbox/);
    const audit = await t.services.audit.list(ctx, { action: "doctor.probe" }, { limit: 10 });
    expect(audit.items.map((e) => e.targetId)).toEqual(
      expect.arrayContaining([`${APP}/us-east-1/${NOVA}`, `${APP}/us-east-1/us.${NOVA}`]),
    );
  });

  it("rejects unusable input with the field named, before calling AWS", async () => {
    const doctor = await doctorFor(scenario());
    await expect(
      doctor.diagnose(ctx, { ...base, principalArn: "arn:aws:iam::999999999999:role/Other" }),
    ).rejects.toMatchObject({ status: 422, errors: [{ field: "principalArn" }] });
    await expect(doctor.diagnose(ctx, { ...base, region: "mars-1" })).rejects.toMatchObject({
      status: 422,
      errors: [{ field: "region" }],
    });
  });
});
