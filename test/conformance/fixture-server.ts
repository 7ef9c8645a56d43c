// A local endpoint (127.0.0.1) that answers the service's AWS layer with fixture responses, in the
// framing of each protocol, and records what the service sent. It is not an emulator: it knows no
// state, and answers what the test tells it to.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ErrorFixture, Fixture, Protocol } from "./fixture.js";
import { PROTOCOL } from "./fixture.js";

export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  /** The SigV4 scope's service (`Credential=…/<region>/<service>/aws4_request`). */
  signingService: string | undefined;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const CONTENT_TYPE: Record<Protocol, string> = {
  awsJson1_1: "application/x-amz-json-1.1",
  restJson1: "application/json",
  awsQuery: "text/xml",
  restXml: "application/xml",
  openaiJson: "application/json",
};

/** The fixture's documented response, framed for its protocol. */
export function successReply(f: Fixture): Reply {
  const protocol = PROTOCOL[f.client] as Protocol;
  const body = f.response.body;
  return {
    status: f.response.status ?? 200,
    headers: {
      "content-type": CONTENT_TYPE[protocol],
      "x-amzn-requestid": "c0ffee00-0000-4000-8000-000000000001",
      ...(f.response.headers ?? {}),
    },
    body: body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body),
  };
}

/**
 * An error as AWS frames it in each protocol:
 * - awsJson1_1: `{"__type": code, "message": …}` [smithy.io "AWS JSON 1.1 protocol", "Operation error serialization"];
 * - restJson1: the `X-Amzn-Errortype` header and `{"message": …}` [smithy.io "AWS restJson1 protocol"];
 * - awsQuery: `<ErrorResponse><Error><Type/><Code/><Message/></Error>` [doc STS/IAM API Reference "Common Errors"];
 * - restXml (S3): `<Error><Code/><Message/><RequestId/></Error>` [doc Amazon S3 API Reference "Error responses"];
 * - openaiJson (bedrock-mantle): `{"error": {"message", "type", "code"}}` [doc Amazon Bedrock User Guide "OpenAI-compatible APIs"].
 */
export function errorReply(f: Fixture, e: ErrorFixture): Reply {
  const protocol = PROTOCOL[f.client] as Protocol;
  const message = e.message ?? `${e.code} (conformance fixture)`;
  const requestId = "c0ffee00-0000-4000-8000-000000000002";
  switch (protocol) {
    case "awsJson1_1":
      return {
        status: e.status,
        headers: { "content-type": CONTENT_TYPE[protocol], "x-amzn-requestid": requestId },
        body: JSON.stringify({ __type: e.code, message }),
      };
    case "restJson1":
      return {
        status: e.status,
        headers: { "content-type": CONTENT_TYPE[protocol], "x-amzn-errortype": e.code, "x-amzn-requestid": requestId },
        body: JSON.stringify({ message }),
      };
    case "awsQuery":
      return {
        status: e.status,
        headers: { "content-type": CONTENT_TYPE[protocol] },
        body: `<ErrorResponse><Error><Type>${e.status >= 500 ? "Receiver" : "Sender"}</Type><Code>${e.code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    case "restXml":
      return {
        status: e.status,
        headers: { "content-type": CONTENT_TYPE[protocol], "x-amz-request-id": requestId },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${e.code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`,
      };
    case "openaiJson":
      return {
        status: e.status,
        headers: { "content-type": CONTENT_TYPE[protocol] },
        body: JSON.stringify({ error: { message, type: e.code, code: e.code } }),
      };
  }
}

export interface FixtureServer {
  url: string;
  /**
   * What the next requests get: each request takes the first reply; the last one repeats.
   * `assumeRoleToo`: AssumeRole requests get these replies as well (the AssumeRole fixture);
   * otherwise they get a valid member-role session and are not recorded.
   */
  answer(replies: Reply[], opts?: { assumeRoleToo?: boolean }): void;
  /** Requests seen since the last `answer`. */
  seen(): SeenRequest[];
  close(): Promise<void>;
}

function isAssumeRole(r: SeenRequest) {
  return r.signingService === "sts" && /(^|&)Action=AssumeRole(&|$)/.test(r.body);
}

/** A member-role session for the calls inside an account (valid for an hour). */
function sessionReply(): Reply {
  const expires = new Date(Date.now() + 3_600_000).toISOString();
  return {
    status: 200,
    headers: { "content-type": "text/xml" },
    body: `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId><SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey><SessionToken>conformance-session</SessionToken><Expiration>${expires}</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/GovernorRole/bedrock-governor</Arn><AssumedRoleId>AROA3XFRBF535PLBIFPI4:bedrock-governor</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>c0ffee00-0000-4000-8000-000000000003</RequestId></ResponseMetadata></AssumeRoleResponse>`,
  };
}

export async function startFixtureServer(): Promise<FixtureServer> {
  let replies: Reply[] = [];
  let seen: SeenRequest[] = [];
  let assumeRoleToo = false;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(headers.authorization ?? "");
      const r: SeenRequest = {
        method: req.method ?? "GET",
        path: decodeURIComponent(url.pathname),
        query: Object.fromEntries(url.searchParams),
        headers,
        body: Buffer.concat(chunks).toString("utf8"),
        signingService: scope?.[1],
      };
      let reply: Reply | undefined;
      if (!assumeRoleToo && isAssumeRole(r)) reply = sessionReply();
      else {
        seen.push(r);
        reply = replies.length > 1 ? replies.shift() : replies[0];
      }
      if (reply === undefined) {
        res.writeHead(500, { "content-type": "text/plain" }).end("no fixture reply set");
        return;
      }
      res.writeHead(reply.status, reply.headers).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answer(r, opts = {}) {
      replies = [...r];
      seen = [];
      assumeRoleToo = opts.assumeRoleToo === true;
    },
    seen: () => seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type { Reply };
