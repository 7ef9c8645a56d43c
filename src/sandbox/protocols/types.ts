/**
 * The AWS protocols, plus the two non-AWS JSON dialects served on AWS endpoints: OpenAI-compatible
 * (bedrock-mantle) and Anthropic's Messages API (bedrock-mantle /anthropic, Claude Platform on AWS).
 */
export type Protocol = "json" | "query" | "rest-json" | "rest-xml" | "openai" | "anthropic";

/** What a service handler returns; the protocol codec turns it into bytes. */
export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** json/rest-json: a JSON value; query: the inner XML of `<Op>Result`; rest-xml: XML text or bytes. */
  body?: unknown;
}

export interface EncodedReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}
