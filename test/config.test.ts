import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

describe("config", () => {
  it("has working defaults", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      host: "127.0.0.1",
      port: 3000,
      logLevel: "info",
      databaseUrl: undefined,
      bootstrapAdmin: "auto",
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    ["PORT", "abc", /PORT="abc": expected an integer from 0 to 65535/],
    ["PORT", "70000", /PORT="70000"/],
    ["LOG_LEVEL", "loud", /LOG_LEVEL="loud": expected one of fatal, error/],
    ["DATABASE_URL", "mysql://u:secret@h/db", /DATABASE_URL=\(hidden\): expected a URL \(postgres: or postgresql:\)/],
    ["TRUST_PROXY", "maybe", /TRUST_PROXY="maybe": expected true or false/],
    ["OIDC_GROUP_ROLE_MAP", "devs=god", /OIDC_GROUP_ROLE_MAP=.*role in admin\|approver/],
  ])("rejects %s=%s naming the variable", (name, value, message) => {
    const env: Record<string, string> = { [name]: value };
    if (name === "OIDC_GROUP_ROLE_MAP")
      Object.assign(env, { OIDC_ISSUER: "https://i/", OIDC_JWKS_URL: "https://i/j", OIDC_AUDIENCE: "a" });
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it("never echoes a database password", () => {
    try {
      loadConfig({ DATABASE_URL: "not a url with s3cret" });
      expect.unreachable();
    } catch (err) {
      expect(String(err)).not.toContain("s3cret");
    }
  });

  it("wants the three OIDC settings together", () => {
    expect(() => loadConfig({ OIDC_ISSUER: "https://idp.example/" })).toThrow(/OIDC_JWKS_URL/);
  });

  it("the CLI exits non-zero with one line naming a bad variable", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli.ts", "serve"], {
      env: { ...process.env, PORT: "abc" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status).not.toBe(0);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe('invalid configuration: PORT="abc": expected an integer from 0 to 65535');
  });
});
