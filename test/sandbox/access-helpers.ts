// Helpers for the 2026 access tests: SigV4-signed fetch (bedrock-mantle, Claude Platform on AWS),
// short-term Amazon Bedrock API keys (a SigV4 presigned URL, as the token generator makes them),
// assuming any role of a scenario, and Bedrock clients that authenticate with an API key.
import { createHash } from "node:crypto";
import { BedrockClient } from "@aws-sdk/client-bedrock";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "../../src/aws/signed-http.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { type Credentials, clients } from "./helpers.js";

export async function assumeRole(sandbox: Sandbox, roleArn: string): Promise<Credentials> {
  const out = await clients(sandbox).sts.send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "access-test" }),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error("AssumeRole returned no credentials");
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

export interface SignedCall {
  service: "bedrock-mantle" | "aws-external-anthropic" | "cloudtrail";
  region: string;
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A request signed like the AWS SDKs sign (host, x-amz-date, x-amz-content-sha256, security token). */
export async function signedFetch(sandbox: Sandbox, creds: Credentials, c: SignedCall) {
  const url = new URL(c.path, sandbox.url);
  const body = c.body === undefined ? undefined : JSON.stringify(c.body);
  const signer = new SignatureV4({ service: c.service, region: c.region, credentials: creds, sha256: Sha256 });
  const signed = await signer.sign({
    method: c.method,
    protocol: "http:",
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { host: url.host, "content-type": "application/json", ...(c.headers ?? {}) },
    ...(body !== undefined ? { body } : {}),
  });
  const res = await fetch(url, { method: c.method, headers: signed.headers as Record<string, string>, body });
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of the answers under test
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, any> };
}

/** A bearer-token call; `region` picks the Region the way the real per-Region host would. */
export async function bearerFetch(
  sandbox: Sandbox,
  key: string,
  region: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${sandbox.url}/region/${region}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of the answers under test
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, any> };
}

/** A short-term Amazon Bedrock API key: "bedrock-api-key-" + base64(presigned URL + "&Version=1"). */
export async function shortTermKey(creds: Credentials, region: string, expiresIn = 43_200, signingDate?: Date) {
  const signer = new SignatureV4({ service: "bedrock", region, credentials: creds, sha256: Sha256 });
  const presigned = await signer.presign(
    {
      method: "GET",
      protocol: "https:",
      hostname: "bedrock.amazonaws.com",
      path: "/",
      query: { Action: "CallWithBearerToken" },
      headers: { host: "bedrock.amazonaws.com" },
    },
    { expiresIn, ...(signingDate ? { signingDate } : {}) },
  );
  const query = Object.entries(presigned.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join("&");
  const url = `bedrock.amazonaws.com/?${query}&Version=1`;
  return `bedrock-api-key-${Buffer.from(url).toString("base64")}`;
}

/** Bedrock and Bedrock Runtime clients that send `Authorization: Bearer <key>` instead of SigV4. */
export function bearerClients(sandbox: Sandbox, key: string, region = "us-east-1") {
  const base = {
    region,
    endpoint: `${sandbox.url}/region/${region}`,
    token: { token: key },
    authSchemePreference: ["httpBearerAuth"],
    credentials: { accessKeyId: "AKIAUNUSEDUNUSED0000", secretAccessKey: "unused" },
    maxAttempts: 1,
  };
  return { bedrock: new BedrockClient(base), runtime: new BedrockRuntimeClient(base) };
}

export const sha256hex = (s: string) => createHash("sha256").update(s).digest("hex");
