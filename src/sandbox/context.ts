// What every service handler receives: the live state, the caller and the request.
import type { IncomingHttpHeaders } from "node:http";
import type { Logger } from "pino";
import type { Faults } from "./faults.js";
import type { Protocol, Reply } from "./protocols/types.js";
import type { ServiceName } from "./scenario.js";
import type { SandboxState, StsSession } from "./state.js";

export interface Caller {
  account: string;
  /** IAM user ARN or STS assumed-role ARN, as GetCallerIdentity reports it. */
  arn: string;
  /** The IAM principal whose policies apply: the user, or the role behind an assumed-role session. */
  principalArn: string;
  userId: string;
  accessKeyId: string;
  session: StsSession | undefined;
  /** Set when the call authenticated with an Amazon Bedrock API key instead of SigV4. */
  bearer?: { type: "SHORT_TERM" | "LONG_TERM" };
}

export interface RawRequest {
  method: string;
  /** Raw (still URL-encoded) path. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface CallContext extends RawRequest {
  state: SandboxState;
  now(): Date;
  requestId: string;
  region: string;
  operation: string;
  caller: Caller;
  faults: Faults;
  log: Logger | undefined;
  sourceIp: string;
}

export interface ServiceModule {
  name: ServiceName;
  protocol: Protocol;
  /** When one service speaks several dialects (bedrock-mantle: OpenAI and Anthropic), by request. */
  protocolFor?(req: RawRequest): Protocol;
  /** awsQuery XML namespace. */
  namespace?: string;
  resolveOperation(req: RawRequest): string | undefined;
  handle(ctx: CallContext): Reply | Promise<Reply>;
}
