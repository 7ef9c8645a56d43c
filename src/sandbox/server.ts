// One HTTP port speaking every protocol: route by the SigV4 scope's service (Bedrock Runtime by
// path), authenticate the key the sandbox issued, then apply quotas, faults and latency before the
// service handler runs. Every reply carries a request id.

import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Clock } from "../lib/clock.js";
import type { Caller, RawRequest, ServiceModule } from "./context.js";
import { type CounterStore, createCounters, type SandboxCounters } from "./counters.js";
import { AwsError } from "./errors.js";
import { createFaults, type Faults } from "./faults.js";
import { authError, SERVER_ERROR, THROTTLE, unknownOperation } from "./protocol-errors.js";
import { encodeJsonError, encodeJsonReply } from "./protocols/json.js";
import { encodeQueryError, encodeQueryReply } from "./protocols/query.js";
import { encodeRestJsonError, encodeRestJsonReply } from "./protocols/rest-json.js";
import { encodeRestXmlError, encodeRestXmlReply } from "./protocols/rest-xml.js";
import type { EncodedReply, Reply } from "./protocols/types.js";
import { guessService, signedService } from "./routing.js";
import type { Scenario, ServiceName } from "./scenario.js";
import { createBedrockService } from "./services/bedrock.js";
import { createBedrockRuntimeService } from "./services/bedrock-runtime.js";
import { createCloudTrailService } from "./services/cloudtrail.js";
import { createIamService } from "./services/iam.js";
import { createOrganizationsService } from "./services/organizations.js";
import { createS3Service } from "./services/s3.js";
import { createStsService } from "./services/sts.js";
import { parseAuthorization, verifySignature } from "./sigv4.js";
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
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startSandbox(opts: StartSandboxOptions): Promise<Sandbox> {
  const clock: Clock = opts.clock ?? { now: () => new Date() };
  const state = buildState(opts.scenario);
  state.trail.events = buildScenarioTrail(opts.scenario, state, clock.now());
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
      createCloudTrailService(),
      createS3Service(),
    ].map((s) => [s.name, s]),
  );

  function resolveCaller(accessKeyId: string): { caller?: Caller; secret?: string; token?: string; expired?: boolean } {
    if (accessKeyId === state.base.accessKeyId) {
      return {
        secret: state.base.secretAccessKey,
        caller: {
          account: state.base.account,
          arn: state.base.userArn,
          principalArn: state.base.userArn,
          userId: state.base.userId,
          accessKeyId,
          session: undefined,
        },
      };
    }
    const s = state.sessions.get(accessKeyId);
    if (s === undefined) return {};
    return {
      secret: s.secretAccessKey,
      token: s.sessionToken,
      expired: s.expiration.getTime() <= clock.now().getTime(),
      caller: {
        account: s.account,
        arn: `arn:aws:sts::${s.account}:assumed-role/${s.roleName}/${s.sessionName}`,
        principalArn: s.roleArn,
        userId: `${s.roleId}:${s.sessionName}`,
        accessKeyId,
        session: s,
      },
    };
  }

  async function dispatch(req: AnyRequest, body: Buffer, requestId: string): Promise<EncodedReply> {
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    const raw: RawRequest = {
      method: req.method ?? "GET",
      path: q === -1 ? rawUrl : rawUrl.slice(0, q),
      query: new URLSearchParams(q === -1 ? "" : rawUrl.slice(q + 1)),
      headers: req.headers,
      body,
    };
    const auth = parseAuthorization(
      typeof req.headers.authorization === "string" ? req.headers.authorization : undefined,
    );
    let serviceName: ServiceName = guessService(raw);
    if (auth !== undefined) {
      serviceName = signedService(auth.service, raw, (n) => services.has(n as ServiceName)) ?? serviceName;
    }
    const service = services.get(serviceName) as ServiceModule;
    const operation = service.resolveOperation(raw) ?? "Unknown";
    const who = auth === undefined ? {} : resolveCaller(auth.accessKeyId);
    const region = auth?.region;
    const record = counters.record({
      atMs: clock.now().getTime(),
      service: serviceName,
      operation,
      account: who.caller?.account,
      region,
      throttled: false,
    });
    const encode = (result: { reply?: Reply; error?: AwsError }): EncodedReply => {
      const e = result.error;
      switch (service.protocol) {
        case "json":
          return e ? encodeJsonError(e) : encodeJsonReply(result.reply ?? {});
        case "query":
          return e
            ? encodeQueryError(e, requestId)
            : encodeQueryReply(operation, service.namespace ?? "", result.reply ?? {}, requestId);
        case "rest-json":
          return e ? encodeRestJsonError(e) : encodeRestJsonReply(result.reply ?? {});
        case "rest-xml":
          return e ? encodeRestXmlError(e, requestId, raw.path) : encodeRestXmlReply(result.reply ?? {});
      }
    };
    try {
      const key = { service: serviceName, operation, account: who.caller?.account, region };
      const delay = faults.latencyMs(key);
      if (delay > 0) await sleep(delay);
      if (auth === undefined || region === undefined) throw authError(service.protocol, "missing");
      if (who.caller === undefined || who.secret === undefined) throw authError(service.protocol, "unknownKey");
      if (who.token !== undefined && req.headers["x-amz-security-token"] !== who.token)
        throw authError(service.protocol, "unknownKey");
      if (!verifySignature({ method: raw.method, url: rawUrl, headers: req.headers, body }, auth, who.secret))
        throw authError(service.protocol, "signature");
      if (who.expired) throw authError(service.protocol, "expired");
      if (operation === "Unknown") throw unknownOperation(service.protocol, serviceName);
      if (faults.throttle(key, clock.now().getTime())) {
        record.throttled = true;
        throw THROTTLE[serviceName]();
      }
      if (faults.serverError(key)) throw SERVER_ERROR[serviceName]();
      const reply = await service.handle({
        ...raw,
        state,
        now: () => clock.now(),
        requestId,
        region,
        operation,
        caller: who.caller,
        faults,
        log,
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
      });
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
    close: () => listener.close(),
  };
}
