export type Protocol = "json" | "query" | "rest-json" | "rest-xml";

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
