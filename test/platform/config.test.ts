import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

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
    expect(c.reports.renderHeapMb).toBe(256);
  });

  it.each([
    ["PORT", "abc", /PORT="abc": expected an integer from 0 to 65535/],
    ["PORT", "70000", /PORT="70000"/],
    ["LOG_LEVEL", "loud", /LOG_LEVEL="loud": expected one of fatal, error/],
    ["DATABASE_URL", "mysql://u:secret@h/db", /DATABASE_URL=\(hidden\): expected a URL \(postgres: or postgresql:\)/],
    ["TRUST_PROXY", "maybe", /TRUST_PROXY="maybe": expected true or false/],
    ["OIDC_GROUP_ROLE_MAP", "devs=god", /OIDC_GROUP_ROLE_MAP=.*role in admin\|approver/],
    [
      "WEBHOOK_ALLOWED_DESTINATIONS",
      "10.0.0.0/33",
      /WEBHOOK_ALLOWED_DESTINATIONS="10.0.0.0\/33": expected comma-separated CIDR/,
    ],
    ["WEBHOOK_ALLOWED_DESTINATIONS", "hooks.corp, ,", /WEBHOOK_ALLOWED_DESTINATIONS=/],
    ["WEBHOOK_ALLOWED_DESTINATIONS", "http://hooks.corp/", /WEBHOOK_ALLOWED_DESTINATIONS=/],
    ["REPORT_RENDER_HEAP_MB", "32", /REPORT_RENDER_HEAP_MB="32": expected an integer from 64 to 16384/],
  ])("rejects %s=%s naming the variable", (name, value, message) => {
    const env: Record<string, string> = { [name]: value };
    if (name === "OIDC_GROUP_ROLE_MAP")
      Object.assign(env, { OIDC_ISSUER: "https://i/", OIDC_JWKS_URL: "https://i/j", OIDC_AUDIENCE: "a" });
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it("reads webhook destinations allowed although not public", () => {
    expect(loadConfig({}).requests.webhookAllowedDestinations).toEqual({ cidrs: [], hosts: [] });
    expect(
      loadConfig({ WEBHOOK_ALLOWED_DESTINATIONS: "10.20.0.0/16, 127.0.0.1,fd00:1::/64,Hooks.Corp.Internal" }).requests
        .webhookAllowedDestinations,
    ).toEqual({ cidrs: ["10.20.0.0/16", "127.0.0.1/32", "fd00:1::/64"], hosts: ["hooks.corp.internal"] });
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

  it("schedules invocation ingestion hourly unless INVOCATIONS_INGEST_CRON is off", () => {
    expect(loadConfig({}).invocations.ingestCron).toBe("17 * * * *");
    expect(loadConfig({ INVOCATIONS_INGEST_CRON: "off" }).invocations.ingestCron).toBeUndefined();
  });

  it("reads the invocation settings from INVOCATIONS_*", () => {
    expect(loadConfig({}).invocations).toEqual({
      lookbackDays: 7,
      overlapMinutes: 20,
      ingestCron: "17 * * * *",
      trailBucket: undefined,
      trailBucketAccount: undefined,
      trailBucketRegion: undefined,
    });
    const c = loadConfig({
      INVOCATIONS_LOOKBACK_DAYS: "30",
      INVOCATIONS_OVERLAP_MINUTES: "5",
      INVOCATIONS_INGEST_CRON: "0 * * * *",
      INVOCATIONS_TRAIL_BUCKET: "org-trail",
      INVOCATIONS_TRAIL_BUCKET_ACCOUNT: "111122223333",
      INVOCATIONS_TRAIL_BUCKET_REGION: "eu-west-1",
    });
    expect(c.invocations).toEqual({
      lookbackDays: 30,
      overlapMinutes: 5,
      ingestCron: "0 * * * *",
      trailBucket: "org-trail",
      trailBucketAccount: "111122223333",
      trailBucketRegion: "eu-west-1",
    });
    expect(c.deprecatedVariables).toEqual([]);
  });

  it("still reads the deprecated AUDIT_* names of the invocation settings, and lists them", () => {
    const c = loadConfig({
      AUDIT_LOOKBACK_DAYS: "30",
      AUDIT_OVERLAP_MINUTES: "5",
      AUDIT_INGEST_CRON: "0 * * * *",
      AUDIT_TRAIL_BUCKET: "org-trail",
      AUDIT_TRAIL_BUCKET_ACCOUNT: "111122223333",
      AUDIT_TRAIL_BUCKET_REGION: "eu-west-1",
    });
    expect(c.invocations).toEqual({
      lookbackDays: 30,
      overlapMinutes: 5,
      ingestCron: "0 * * * *",
      trailBucket: "org-trail",
      trailBucketAccount: "111122223333",
      trailBucketRegion: "eu-west-1",
    });
    expect(c.deprecatedVariables.map((v) => [v.deprecatedName, v.name]).sort()).toEqual([
      ["AUDIT_INGEST_CRON", "INVOCATIONS_INGEST_CRON"],
      ["AUDIT_LOOKBACK_DAYS", "INVOCATIONS_LOOKBACK_DAYS"],
      ["AUDIT_OVERLAP_MINUTES", "INVOCATIONS_OVERLAP_MINUTES"],
      ["AUDIT_TRAIL_BUCKET", "INVOCATIONS_TRAIL_BUCKET"],
      ["AUDIT_TRAIL_BUCKET_ACCOUNT", "INVOCATIONS_TRAIL_BUCKET_ACCOUNT"],
      ["AUDIT_TRAIL_BUCKET_REGION", "INVOCATIONS_TRAIL_BUCKET_REGION"],
    ]);
  });

  it("the new name wins over the deprecated one; a bad value names the variable it was read from", () => {
    const both = loadConfig({ INVOCATIONS_LOOKBACK_DAYS: "3", AUDIT_LOOKBACK_DAYS: "30" });
    expect(both.invocations.lookbackDays).toBe(3);
    expect(both.deprecatedVariables).toEqual([
      { name: "INVOCATIONS_LOOKBACK_DAYS", deprecatedName: "AUDIT_LOOKBACK_DAYS" },
    ]);
    expect(() => loadConfig({ AUDIT_LOOKBACK_DAYS: "365" })).toThrow(
      'invalid configuration: AUDIT_LOOKBACK_DAYS="365": expected an integer from 1 to 90',
    );
    expect(() => loadConfig({ INVOCATIONS_TRAIL_BUCKET_ACCOUNT: "12" })).toThrow(
      /INVOCATIONS_TRAIL_BUCKET_ACCOUNT="12"/,
    );
    expect(() => loadConfig({ AUDIT_TRAIL_BUCKET_REGION: "moon" })).toThrow(/AUDIT_TRAIL_BUCKET_REGION="moon"/);
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

  it("the CLI logs a warning naming each deprecated variable it finds, on stderr", () => {
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", "src/cli.ts", "doctor", "--error", "ThrottlingException"],
      {
        env: { ...process.env, LOG_LEVEL: "info", AUDIT_INGEST_CRON: "off" },
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const warnings = r.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { level: string; variable: string; use: string });
    expect(warnings).toEqual([
      expect.objectContaining({ level: "warn", variable: "AUDIT_INGEST_CRON", use: "INVOCATIONS_INGEST_CRON" }),
    ]);
    expect(r.stdout).not.toContain("AUDIT_INGEST_CRON");
  });
});
