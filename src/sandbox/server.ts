// One HTTP port speaking every protocol: route by the SigV4 scope's service (Bedrock Runtime by
// path), authenticate the key the sandbox issued, then apply quotas, faults and latency before the
// service handler runs. Every reply carries a request id.

import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { createServer as createHttp2Server } from "node:http2";
import { type AddressInfo, createServer as createNetServer, type Socket } from "node:net";
import { Duplex, type Readable } from "node:stream";
import type { Logger } from "pino";
import type { Clock } from "../lib/clock.js";
import type { Caller, RawRequest, ServiceModule } from "./context.js";
import { type CounterStore, createCounters, type SandboxCounters } from "./counters.js";
import { AwsError } from "./errors.js";
import { createFaults, type Faults } from "./faults.js";
import { encodeJsonError, encodeJsonReply } from "./protocols/json.js";
import { encodeQueryError, encodeQueryReply } from "./protocols/query.js";
import { encodeRestJsonError, encodeRestJsonReply } from "./protocols/rest-json.js";
import { encodeRestXmlError, encodeRestXmlReply } from "./protocols/rest-xml.js";
import type { EncodedReply, Protocol, Reply } from "./protocols/types.js";
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

/** The error each protocol answers when a quota is exceeded, as AWS names it. */
const THROTTLE: Record<ServiceName, () => AwsError> = {
  organizations: () =>
    new AwsError("TooManyRequestsException", "You have sent too many requests in too short a period of time.", 429, {
      Type: "TooManyRequestsException",
    }),
  sts: () => new AwsError("Throttling", "Rate exceeded", 400),
  iam: () => new AwsError("Throttling", "Rate exceeded", 400),
  cloudtrail: () => new AwsError("ThrottlingException", "Rate exceeded", 429),
  bedrock: () => new AwsError("ThrottlingException", "Too many requests, please wait before trying again.", 429),
  "bedrock-runtime": () =>
    new AwsError("ThrottlingException", "Too many requests, please wait before trying again.", 429),
  s3: () => new AwsError("SlowDown", "Please reduce your request rate.", 503),
};

const SERVER_ERROR: Record<ServiceName, () => AwsError> = {
  organizations: () =>
    new AwsError(
      "ServiceException",
      "AWS Organizations can't complete your request because of an internal service error.",
      500,
    ),
  sts: () => new AwsError("InternalFailure", "An internal error occurred.", 500),
  iam: () => new AwsError("ServiceFailure", "The request processing has failed because of an unknown error.", 500),
  cloudtrail: () => new AwsError("InternalFailure", "An internal error occurred.", 500),
  bedrock: () => new AwsError("InternalServerException", "An internal server error occurred. Retry your request.", 500),
  "bedrock-runtime": () =>
    new AwsError("ServiceUnavailableException", "The service is unavailable. Try again later.", 503),
  s3: () => new AwsError("InternalError", "We encountered an internal error. Please try again.", 500),
};

type AuthFailure = "missing" | "unknownKey" | "signature" | "expired";

function authError(protocol: Protocol, kind: AuthFailure): AwsError {
  const invalid = "The security token included in the request is invalid.";
  const sig =
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.";
  const expired = "The security token included in the request is expired";
  switch (protocol) {
    case "json":
      return {
        missing: () => new AwsError("MissingAuthenticationTokenException", "Missing Authentication Token", 400),
        unknownKey: () => new AwsError("UnrecognizedClientException", invalid, 400),
        signature: () => new AwsError("InvalidSignatureException", sig, 400),
        expired: () => new AwsError("ExpiredTokenException", expired, 400),
      }[kind]();
    case "query":
      return {
        missing: () => new AwsError("MissingAuthenticationToken", "Request is missing Authentication Token", 403),
        unknownKey: () => new AwsError("InvalidClientTokenId", invalid, 403),
        signature: () => new AwsError("SignatureDoesNotMatch", sig, 403),
        expired: () => new AwsError("ExpiredToken", expired, 403),
      }[kind]();
    case "rest-json":
      return {
        missing: () => new AwsError("MissingAuthenticationTokenException", "Missing Authentication Token", 403),
        unknownKey: () => new AwsError("UnrecognizedClientException", invalid, 403),
        signature: () => new AwsError("InvalidSignatureException", sig, 403),
        expired: () => new AwsError("ExpiredTokenException", expired, 403),
      }[kind]();
    case "rest-xml":
      return {
        missing: () => new AwsError("AccessDenied", "Access Denied", 403),
        unknownKey: () =>
          new AwsError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403),
        signature: () => new AwsError("SignatureDoesNotMatch", sig, 403),
        expired: () => new AwsError("ExpiredToken", "The provided token has expired.", 400),
      }[kind]();
  }
}

function unknownOperation(protocol: Protocol, service: string): AwsError {
  if (protocol === "query") return new AwsError("InvalidAction", `The action is not valid for ${service}.`, 400);
  if (protocol === "rest-xml")
    return new AwsError("NotImplemented", "A header you provided implies functionality that is not implemented.", 501);
  if (protocol === "json") return new AwsError("UnknownOperationException", `Unknown operation for ${service}.`, 400);
  return new AwsError("UnknownOperationException", `Unknown operation for ${service}.`, 404);
}

/** Which service an unsigned request was meant for, so its error uses the right protocol. */
function guessService(req: RawRequest): ServiceName {
  const target = req.headers["x-amz-target"];
  if (typeof target === "string") return target.startsWith("CloudTrail") ? "cloudtrail" : "organizations";
  const form = req.body.toString("utf8");
  if (/(^|&)Version=2010-05-08(&|$)/.test(form)) return "iam";
  if (/(^|&)Action=/.test(form)) return "sts";
  if (req.path.startsWith("/model/")) return "bedrock-runtime";
  if (
    /^\/(foundation-model|inference-profiles|logging|enforcedGuardrails|use-case|list-foundation|create-foundation|delete-foundation)/.test(
      req.path,
    )
  )
    return "bedrock";
  return "s3";
}

function replayingStream(socket: Socket, first: Buffer): Duplex {
  const duplex = new Duplex({
    read: () => {
      socket.resume();
    },
    write: (chunk: Buffer, _enc, cb) => {
      socket.write(chunk, cb);
    },
    final: (cb) => {
      socket.end();
      cb();
    },
    destroy: (err, cb) => {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  duplex.push(first);
  socket.on("data", (chunk: Buffer) => {
    if (!duplex.push(chunk)) socket.pause();
  });
  socket.on("end", () => duplex.push(null));
  socket.on("error", (err) => duplex.destroy(err));
  return duplex;
}

/** What the handler needs from an HTTP/1.1 or HTTP/2 (compat API) request and response. */
type AnyRequest = Readable & {
  url?: string;
  method?: string;
  headers: IncomingHttpHeaders;
  socket: { remoteAddress?: string | undefined };
};
interface AnyResponse {
  headersSent: boolean;
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body?: Buffer): unknown;
}

function readBody(req: AnyRequest): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
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
      if (auth.service === "bedrock") serviceName = raw.path.startsWith("/model/") ? "bedrock-runtime" : "bedrock";
      else if (services.has(auth.service as ServiceName)) serviceName = auth.service as ServiceName;
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
  // One port for both HTTP/1.1 and cleartext HTTP/2: the Bedrock Runtime client speaks h2 with
  // prior knowledge, the others HTTP/1.1. The first bytes of a connection tell them apart.
  const http1 = createServer((req, res) => onRequest(req, res));
  const http2 = createHttp2Server((req, res) => onRequest(req as unknown as AnyRequest, res as unknown as AnyResponse));
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.once("data", (first: Buffer) => {
      socket.pause();
      if (first.subarray(0, 3).toString("latin1") === "PRI") {
        // http2 reads the native handle, so the sniffed bytes are replayed through a JS stream.
        http2.emit("connection", replayingStream(socket, first));
      } else {
        socket.unshift(first);
        http1.emit("connection", socket);
        socket.resume();
      }
    });
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
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
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        http1.closeAllConnections();
        http2.close();
        for (const socket of sockets) socket.destroy();
      }),
  };
}
