// One HTTP port speaking every protocol: route by the SigV4 scope's service (Bedrock Runtime by
// path), authenticate the key the sandbox issued, then apply quotas, faults and latency before the
// service handler runs. Every reply carries a request id.

import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Clock } from "../lib/clock.js";
import { type Credential, credentialOf, identityForAccessKey, identityForBearer } from "./auth.js";
import type { Caller, RawRequest, ServiceModule } from "./context.js";
import { type CounterStore, createCounters, type SandboxCounters } from "./counters.js";
import { AwsError } from "./errors.js";
import { createFaults, type Faults } from "./faults.js";
import { checkMemberRoleCall } from "./member-role.js";
import { changesState } from "./persistence.js";
import { authError, bearerError, SERVER_ERROR, THROTTLE, unknownOperation } from "./protocol-errors.js";
import { encodeResult } from "./protocols/encode.js";
import type { EncodedReply, Protocol, Reply } from "./protocols/types.js";
import {
  BEARER_SERVICES,
  bearerService,
  guessService,
  regionFromHost,
  signedService,
  stripRegionPrefix,
} from "./routing.js";
import type { Scenario, ServiceName } from "./scenario.js";
import { createBedrockService } from "./services/bedrock.js";
import { createBedrockMantleService } from "./services/bedrock-mantle.js";
import { createBedrockRuntimeService } from "./services/bedrock-runtime.js";
import { createClaudePlatformService } from "./services/claude-platform.js";
import { createCloudTrailService } from "./services/cloudtrail.js";
import { createIamService } from "./services/iam.js";
import { createLicenseManagerService } from "./services/license-manager.js";
import { createOrganizationsService } from "./services/organizations.js";
import { createS3Service } from "./services/s3.js";
import { createStsService } from "./services/sts.js";
import { verifySignature } from "./sigv4.js";
import { buildState, type SandboxState } from "./state.js";
import { buildScenarioTrail } from "./trail.js";
import { type AnyRequest, type AnyResponse, listen, readBody } from "./transport.js";

export interface StartSandboxOptions {
  scenario: Scenario;
  /** 0 (default) picks an ephemeral port. */
  port?: number;
  host?: string;
  log?: Logger;
  /** The sandbox's clock (session expiry, agreements, new trail events); default the system clock. */
  clock?: Clock;
  /** A state saved earlier (see persistence.ts) to continue from instead of the scenario's. */
  state?: SandboxState;
  /** Called after each request whose operation may have changed the state (e.g. to save it). */
  onChange?: (state: SandboxState) => void;
}

export interface Sandbox {
  url: string;
  port: number;
  state: SandboxState;
  counters: SandboxCounters;
  /** Static credentials of the management account's base identity (an IAM user), valid in the sandbox. */
  baseCredentials: { accessKeyId: string; secretAccessKey: string };
  managementAccountId: string;
  /** The role every member account offers to the management account (scenario memberRoleName). */
  memberRoleName: string;
  /** The ExternalId member roles with `external-id-mismatch` expect, when the scenario sets one. */
  externalId: string | undefined;
  /** Run-time fault switches (outages) on top of the scenario's faults. */
  faults: Pick<Faults, "setOutage">;
  /**
   * `url` for one Region: bearer-token calls (Amazon Bedrock API keys) carry no SigV4 scope, so their
   * Region comes from the host on AWS and from this `/region/<region>` path prefix here.
   */
  regionUrl(region: string): string;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startSandbox(opts: StartSandboxOptions): Promise<Sandbox> {
  const clock: Clock = opts.clock ?? { now: () => new Date() };
  let state: SandboxState;
  if (opts.state) state = opts.state;
  else {
    state = buildState(opts.scenario);
    state.trail.events = buildScenarioTrail(opts.scenario, state, clock.now());
  }
  const faults = createFaults(opts.scenario);
  const counters: CounterStore = createCounters();
  const log = opts.log;
  const services = new Map<ServiceName, ServiceModule>(
    [
      createOrganizationsService(),
      createStsService(),
      createIamService(),
      createBedrockService(),
      createBedrockRuntimeService(),
      createBedrockMantleService(),
      createClaudePlatformService(),
      createLicenseManagerService(),
      createCloudTrailService(),
      createS3Service(),
    ].map((s) => [s.name, s]),
  );

  /** Authenticates the request; throws the protocol's error, or returns the caller and its Region. */
  function authenticate(
    c: Credential,
    serviceName: ServiceName,
    protocol: Protocol,
    req: AnyRequest,
    raw: RawRequest,
    rawUrl: string,
    hintRegion: string | undefined,
  ): { caller: Caller; region: string } {
    const nowMs = clock.now().getTime();
    if (c.kind === "bearer") {
      // Amazon Bedrock API keys work on Bedrock, Bedrock Runtime and bedrock-mantle only [doc "API keys"].
      if (!BEARER_SERVICES.has(serviceName)) throw authError(protocol, "missing");
      const who = identityForBearer(state, c.token, nowMs);
      if (who.caller === undefined) throw bearerError(protocol, who.failure ?? "unknown");
      const region = hintRegion ?? who.region ?? regionFromHost(raw.headers.host) ?? state.defaultRegions[0];
      return { caller: who.caller, region: region as string };
    }
    if (c.kind === "none") throw authError(protocol, "missing");
    const auth = c.auth;
    const who = identityForAccessKey(state, auth.accessKeyId, nowMs);
    if (who.caller === undefined || who.secret === undefined) throw authError(protocol, "unknownKey");
    if (who.token !== undefined && req.headers["x-amz-security-token"] !== who.token)
      throw authError(protocol, "unknownKey");
    if (!verifySignature({ method: raw.method, url: rawUrl, headers: req.headers, body: raw.body }, auth, who.secret))
      throw authError(protocol, "signature");
    if (who.expired) throw authError(protocol, "expired");
    return { caller: who.caller, region: auth.region };
  }

  async function dispatch(req: AnyRequest, body: Buffer, requestId: string): Promise<EncodedReply> {
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    // `/region/<region>/…` selects the Region of a bearer-token call (the real endpoints are per Region).
    const { path, region: pathRegion } = stripRegionPrefix(q === -1 ? rawUrl : rawUrl.slice(0, q));
    const raw: RawRequest = {
      method: req.method ?? "GET",
      path,
      query: new URLSearchParams(q === -1 ? "" : rawUrl.slice(q + 1)),
      headers: req.headers,
      body,
    };
    const cred = credentialOf(req.headers);
    let serviceName: ServiceName = cred.kind === "bearer" ? bearerService(raw) : guessService(raw);
    if (cred.kind === "sigv4")
      serviceName = signedService(cred.auth.service, raw, (n) => services.has(n as ServiceName)) ?? serviceName;
    const service = services.get(serviceName) as ServiceModule;
    const protocol = service.protocolFor?.(raw) ?? service.protocol;
    const operation = service.resolveOperation(raw) ?? "Unknown";
    const provisional =
      cred.kind === "sigv4" ? identityForAccessKey(state, cred.auth.accessKeyId, 0).caller : undefined;
    const record = counters.record({
      atMs: clock.now().getTime(),
      service: serviceName,
      operation,
      account: provisional?.account,
      region: cred.kind === "sigv4" ? cred.auth.region : pathRegion,
      throttled: false,
    });
    const encode = (result: { reply?: Reply; error?: AwsError }): EncodedReply =>
      encodeResult({ protocol, operation, namespace: service.namespace, requestId, path: raw.path }, result);
    try {
      const pre = { service: serviceName, operation, account: record.account, region: record.region };
      const delay = faults.latencyMs(pre);
      if (delay > 0) await sleep(delay);
      const { caller, region } = authenticate(cred, serviceName, protocol, req, raw, rawUrl, pathRegion);
      record.account = caller.account;
      record.region = region;
      const key = { service: serviceName, operation, account: caller.account, region };
      if (operation === "Unknown") throw unknownOperation(protocol, serviceName);
      checkMemberRoleCall(state, caller, serviceName, operation, protocol);
      if (faults.throttle(key, clock.now().getTime())) {
        record.throttled = true;
        throw THROTTLE[serviceName]();
      }
      if (faults.serverError(key)) throw SERVER_ERROR[serviceName]();
      const busy = faults.busy(key);
      if (busy !== undefined)
        throw new AwsError(
          busy,
          busy === "ConcurrentModificationException"
            ? "The target of the operation is currently being modified by a different request. Try again later."
            : "Changes to the effective policy are in progress, and its contents can't be returned. Try the operation again later.",
          // HTTP 400, as the Organizations API Reference lists both errors.
          400,
        );
      const reply = await service.handle({
        ...raw,
        state,
        now: () => clock.now(),
        requestId,
        region,
        operation,
        caller,
        faults,
        log,
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
      });
      if (opts.onChange && changesState(operation)) opts.onChange(state);
      return encode({ reply });
    } catch (err) {
      if (err instanceof AwsError) {
        log?.debug({ service: serviceName, operation, code: err.code, requestId }, "sandbox request failed");
        return encode({ error: err });
      }
      log?.error({ err, service: serviceName, operation, requestId }, "sandbox handler crashed");
      return encode({ error: SERVER_ERROR[serviceName]() });
    }
  }

  const onRequest = (req: AnyRequest, res: AnyResponse) => {
    const requestId = randomUUID();
    readBody(req)
      .then((body) => dispatch(req, body, requestId))
      .then((out) => {
        res.writeHead(out.status, {
          ...out.headers,
          "x-amzn-requestid": requestId,
          "x-amz-request-id": requestId,
          "content-length": String(out.body.length),
          date: new Date().toUTCString(),
        });
        res.end(out.body);
      })
      .catch((err: unknown) => {
        log?.error({ err }, "sandbox failed to answer");
        if (!res.headersSent) res.writeHead(500, { "x-amzn-requestid": requestId });
        res.end();
      });
  };
  const host = opts.host ?? "127.0.0.1";
  const listener = await listen(onRequest, host, opts.port ?? 0);
  const port = listener.port;
  log?.info({ port, host, accounts: state.accounts.size }, "sandbox listening");
  return {
    url: `http://${host}:${port}`,
    port,
    state,
    counters,
    baseCredentials: { accessKeyId: state.base.accessKeyId, secretAccessKey: state.base.secretAccessKey },
    managementAccountId: state.organization.managementAccountId,
    memberRoleName: state.memberRoleName,
    externalId: state.externalId,
    faults: { setOutage: (o) => faults.setOutage(o) },
    regionUrl: (region) => `http://${host}:${port}/region/${region}`,
    close: () => listener.close(),
  };
}
