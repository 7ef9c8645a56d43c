// The sandbox's state file: a change over the wire is saved, and a sandbox started from the saved
// state answers as the first one did (Maps, Sets and Dates come back as such).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CreatePolicyCommand, ListPoliciesCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { afterAll, describe, expect, it } from "vitest";
import { demoScenario, type Sandbox, startSandbox, stateFile } from "../../src/sandbox/index.js";

const dir = mkdtempSync(path.join(tmpdir(), "bg-sandbox-state-"));
const open: Sandbox[] = [];
afterAll(async () => {
  for (const s of open) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

const client = (s: Sandbox) =>
  new OrganizationsClient({ endpoint: s.url, region: "us-east-1", credentials: { ...s.baseCredentials } });

describe("sandbox state file", () => {
  it("saves after a change and restores the organization in a new sandbox", async () => {
    const store = stateFile(path.join(dir, "org.state.json"), "demo");
    expect(store.load()).toBeUndefined();
    let saves = 0;
    const first = await startSandbox({
      scenario: demoScenario(),
      onChange: (state) => {
        saves++;
        store.save(state);
      },
    });
    open.push(first);
    await client(first).send(new ListPoliciesCommand({ Filter: "SERVICE_CONTROL_POLICY" }));
    expect(saves).toBe(0); // reads do not save
    await client(first).send(
      new CreatePolicyCommand({
        Name: "Persisted",
        Description: "kept across restarts",
        Type: "SERVICE_CONTROL_POLICY",
        Content: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Deny", Action: "s3:*", Resource: "*" }],
        }),
      }),
    );
    expect(saves).toBe(1);
    await first.close();
    open.pop();

    const saved = store.load();
    expect(saved).toBeDefined();
    expect(stateFile(store.path, "another scenario").load()).toBeUndefined();
    const second = await startSandbox({ scenario: demoScenario(), ...(saved ? { state: saved } : {}) });
    open.push(second);
    // Same base credentials, same organization: the policy made in the first is listed by the second.
    expect(second.baseCredentials).toEqual(first.baseCredentials);
    const listed = await client(second).send(new ListPoliciesCommand({ Filter: "SERVICE_CONTROL_POLICY" }));
    expect(listed.Policies?.map((p) => p.Name)).toContain("Persisted");
    const account = [...second.state.accounts.values()][0];
    expect(account?.joinedTimestamp).toBeInstanceOf(Date);
    expect(second.state.policies.get("p-FullAWSAccess")?.targets).toBeInstanceOf(Set);
  });
});
