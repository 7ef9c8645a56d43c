// One POST to a destination users chose, through the destination policy (network-destination.ts):
// node's http/https with a lookup that checks and pins the address, no redirects followed, no
// pooled sockets shared between destinations.
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import {
  type DestinationAllowList,
  DestinationRefusedError,
  guardedLookup,
  refusedUrl,
} from "./network-destination.js";

export interface GuardedPost {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/**
 * The receiver's status code; throws DestinationRefusedError for a refused destination and the
 * transport's error (refused, reset, timeout, TLS) otherwise.
 */
export function createGuardedPost(allow: DestinationAllowList, lookup: LookupFunction = guardedLookup(allow)) {
  return (req: GuardedPost): Promise<{ status: number; headers: IncomingHttpHeaders }> => {
    const url = new URL(req.url);
    if (url.protocol !== "https:" && url.protocol !== "http:")
      return Promise.reject(new DestinationRefusedError("destination refused: not an http(s) URL"));
    // An IP address in the URL is connected to without a lookup: judged here.
    const why = refusedUrl(url, allow);
    if (why) return Promise.reject(new DestinationRefusedError(`destination refused: ${why}`));
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const r = send(url, {
        method: "POST",
        headers: { ...req.headers, "content-length": String(Buffer.byteLength(req.body)) },
        lookup,
        agent: false,
        signal: AbortSignal.timeout(req.timeoutMs),
      });
      r.on("response", (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
        // The body is not read: the status is the answer.
        res.destroy();
      });
      r.on("error", reject);
      r.end(req.body);
    });
  };
}

export type GuardedPostFn = ReturnType<typeof createGuardedPost>;
