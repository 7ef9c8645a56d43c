// `bedrock-governor report verify FILE`: recomputes the file's SHA-256, checks its detached
// Ed25519 signature against the configured (or the server's) public key, and checks that the
// hash is anchored in the tamper-evident audit log and that the chain holding it is intact.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { SYSTEM_PRINCIPAL } from "../kernel/principal.js";
import type { HashVerification } from "../modules/reports/report-evidence.service.js";
import { type ReportSignatureDocument, verifyStatement } from "../modules/reports/report-signing.js";
import { client } from "./api-client.js";
import { type CommandContext, runCommand, UsageError } from "./run-command.js";

/** Exit codes: what failed, for scripts. */
export const VERIFY_EXIT = { ok: 0, chainBroken: 3, tampered: 4, notAnchored: 5 } as const;

interface VerifyOptions {
  signature?: string;
  remote?: boolean;
  json?: boolean;
}

interface Evidence {
  key: { keyId: string | null; publicKey: string | null };
  verification: HashVerification;
  /** The signature document of the anchored report, when no --signature file is given. */
  stored?: ReportSignatureDocument;
}

export function registerReportVerifyCommand(report: Command): void {
  report
    .command("verify")
    .description(
      "Check a report file: its SHA-256 against its detached signature, and that the hash is anchored in the intact audit log",
    )
    .argument("<file>", "the report as downloaded (JSON, CSV, HTML or PDF)")
    .option("--signature <file>", "the signature document (GET /v1/reports/{id}/signature) saved as JSON")
    .option("--remote", "ask the API (GOVERNOR_URL, GOVERNOR_API_KEY; auditor or admin) instead of the database")
    .option("--json", "print the result as JSON")
    .action(
      runCommand((ctx, file: string, opts: VerifyOptions) => verifyReport(ctx, file, opts), { name: "report verify" }),
    );
}

async function sha256Of(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), size };
}

async function readSignature(file: string): Promise<ReportSignatureDocument> {
  let doc: ReportSignatureDocument;
  try {
    doc = JSON.parse(await readFile(file, "utf8")) as ReportSignatureDocument;
  } catch (err) {
    throw new UsageError(`--signature ${file}: not a readable JSON file (${err instanceof Error ? err.message : err})`);
  }
  if (typeof doc?.statement?.sha256 !== "string")
    throw new UsageError(`--signature ${file}: expected the document GET /v1/reports/{id}/signature answers`);
  return doc;
}

async function localEvidence(ctx: CommandContext, sha256: string, withStored: boolean): Promise<Evidence> {
  const { services } = await ctx.runtime({ migrate: false });
  const sys = { principal: SYSTEM_PRINCIPAL };
  const verification = await services.reportEvidence.verifyHash(sys, sha256);
  const reportId = verification.anchors[0]?.reportId;
  const stored =
    withStored && reportId ? await services.reportEvidence.signature(sys, reportId).catch(() => undefined) : undefined;
  return { key: services.reportEvidence.signingKey(sys), verification, ...(stored ? { stored } : {}) };
}

async function remoteEvidence(ctx: CommandContext, sha256: string, withStored: boolean): Promise<Evidence> {
  const call = client(ctx.config);
  const key = (await call<Evidence["key"]>("GET", "/v1/reports/signing-key")).body;
  const verification = (await call<HashVerification>("GET", `/v1/reports/verify?sha256=${sha256}`)).body;
  const reportId = verification.anchors[0]?.reportId;
  const stored =
    withStored && reportId
      ? await call<ReportSignatureDocument>("GET", `/v1/reports/${reportId}/signature`)
          .then((r) => r.body)
          .catch(() => undefined)
      : undefined;
  return { key, verification, ...(stored ? { stored } : {}) };
}

interface Check {
  name: "hash" | "signature" | "audit log" | "audit chain";
  ok: boolean;
  detail: string;
  exit: number;
}

async function verifyReport(ctx: CommandContext, file: string, opts: VerifyOptions): Promise<number> {
  const given = opts.signature ? await readSignature(opts.signature) : undefined;
  let computed: { sha256: string; size: number };
  try {
    computed = await sha256Of(file);
  } catch (err) {
    throw new UsageError(`${file}: cannot be read (${err instanceof Error ? err.message : err})`);
  }
  const evidence = await (opts.remote ? remoteEvidence : localEvidence)(ctx, computed.sha256, given === undefined);
  const checks: Check[] = [];
  const doc = given ?? evidence.stored;
  if (doc !== undefined) {
    const s = doc.statement;
    const same = s.sha256 === computed.sha256 && s.sizeBytes === computed.size;
    checks.push({
      name: "hash",
      ok: same,
      exit: VERIFY_EXIT.tampered,
      detail: same
        ? `matches the signed statement of report ${s.reportId}`
        : `MISMATCH: the file's SHA-256 is ${computed.sha256} (${computed.size} bytes), the signed statement of report ${s.reportId} says ${s.sha256} (${s.sizeBytes} bytes): the file was changed`,
    });
    checks.push(signatureCheck(doc, evidence.key));
  }
  const v = evidence.verification;
  const anchor = v.anchors[0];
  checks.push({
    name: "audit log",
    ok: anchor !== undefined,
    exit: VERIFY_EXIT.notAnchored,
    detail: anchor
      ? `hash recorded by audit event ${anchor.auditEventId} (report ${anchor.reportId}, ${anchor.occurredAt})`
      : `MISSING: no report.sign audit event records SHA-256 ${computed.sha256}: this service did not produce these bytes (or a byte changed)`,
  });
  checks.push({
    name: "audit chain",
    ok: v.chain.ok,
    exit: VERIFY_EXIT.chainBroken,
    detail: v.chain.ok
      ? `intact (${v.chain.checked} events, head ${v.chain.head.id})`
      : `BROKEN at event ${v.chain.firstBroken?.id} (${v.chain.firstBroken?.reason}): ${v.chain.firstBroken?.detail}`,
  });
  const failed = checks.find((c) => !c.ok);
  if (opts.json) {
    const out = { file, sha256: computed.sha256, sizeBytes: computed.size, verified: !failed, checks };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    process.stdout.write(`file: ${file} (${computed.size} bytes)\nsha256: ${computed.sha256}\n`);
    for (const c of checks) process.stdout.write(`${c.name}: ${c.ok ? "ok, " : ""}${c.detail}\n`);
    process.stdout.write(failed ? `NOT VERIFIED: ${failed.name} check failed\n` : "verified\n");
  }
  return failed ? failed.exit : VERIFY_EXIT.ok;
}

function signatureCheck(doc: ReportSignatureDocument, key: Evidence["key"]): Check {
  const base = { name: "signature" as const, exit: VERIFY_EXIT.tampered };
  if (doc.signature === null) {
    // Anchored but unsigned (no REPORT_SIGNING_KEY when it was produced): the audit log still holds.
    return { ...base, ok: true, detail: "none (the report was produced without REPORT_SIGNING_KEY)" };
  }
  if (key.publicKey === null || key.keyId === null)
    return {
      ...base,
      ok: false,
      detail: "cannot be checked: no REPORT_SIGNING_KEY is configured to take the public key from",
    };
  if (doc.statement.keyId !== key.keyId)
    return {
      ...base,
      ok: false,
      detail: `INVALID: signed with key ${doc.statement.keyId}, the configured key is ${key.keyId}`,
    };
  const valid = verifyStatement(doc.statement, doc.signature, key.publicKey);
  return {
    ...base,
    ok: valid,
    detail: valid
      ? `valid Ed25519 signature by key ${key.keyId}`
      : "INVALID: the Ed25519 signature does not match the statement (statement or signature altered)",
  };
}
