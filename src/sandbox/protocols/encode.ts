// One place that turns a handler's result (reply or AwsError) into bytes for the service's protocol.
import type { AwsError } from "../errors.js";
import { encodeJsonError, encodeJsonReply } from "./json.js";
import { encodeAnthropicError, encodeOpenAiError, encodePlainJsonReply } from "./plain-json.js";
import { encodeQueryError, encodeQueryReply } from "./query.js";
import { encodeRestJsonError, encodeRestJsonReply } from "./rest-json.js";
import { encodeRestXmlError, encodeRestXmlReply } from "./rest-xml.js";
import type { EncodedReply, Protocol, Reply } from "./types.js";

export interface EncodeContext {
  protocol: Protocol;
  operation: string;
  /** awsQuery XML namespace. */
  namespace: string | undefined;
  requestId: string;
  path: string;
}

export function encodeResult(c: EncodeContext, result: { reply?: Reply; error?: AwsError }): EncodedReply {
  const e = result.error;
  const reply = result.reply ?? {};
  switch (c.protocol) {
    case "json":
      return e ? encodeJsonError(e) : encodeJsonReply(reply);
    case "query":
      return e
        ? encodeQueryError(e, c.requestId)
        : encodeQueryReply(c.operation, c.namespace ?? "", reply, c.requestId);
    case "rest-json":
      return e ? encodeRestJsonError(e) : encodeRestJsonReply(reply);
    case "rest-xml":
      return e ? encodeRestXmlError(e, c.requestId, c.path) : encodeRestXmlReply(reply);
    case "openai":
      return e ? encodeOpenAiError(e) : encodePlainJsonReply(reply);
    case "anthropic":
      return e ? encodeAnthropicError(e, c.requestId) : encodePlainJsonReply(reply);
  }
}
