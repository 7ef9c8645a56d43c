// The web console (web/, built by `vite build` into CONSOLE_DIR): its assets under /assets/, its
// page at `/` and, for a browser navigating to any other console path, the same page (the app
// routes on the client). API, metrics, docs and probe paths keep their problem+json 404. The page
// gets a stricter CSP than the API's: no inline script or style at all, except Mantine's style
// elements, which carry a per-response nonce the page reads from a meta tag.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { NotFoundError } from "../kernel/errors.js";

const NONCE_PLACEHOLDER = "__CSP_NONCE__";
/** Paths that are never the console, even for a browser. */
const NOT_CONSOLE = /^\/(v1|metrics|docs|healthz|readyz|openapi\.json|assets)(\/|$)/;

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bedrock-governor</title></head>
<body><h1>bedrock-governor</h1>
<p>The web console has not been built. Run <code>npm run build</code> (or <code>npm run build:web</code>) and restart the service.</p>
<p>The API is at <a href="/docs">/docs</a>.</p></body></html>
`;

export interface ConsoleSite {
  /** Whether the built console was found. */
  readonly built: boolean;
  /** For the not-found handler: answers a browser's navigation to a console path; false otherwise. */
  fallback(request: FastifyRequest, reply: FastifyReply): boolean;
  plugin: (app: FastifyInstance) => Promise<void>;
}

function consoleCsp(nonce: string, oidcIssuer: string | undefined): string {
  const connect = ["'self'", ...(oidcIssuer ? [new URL(oidcIssuer).origin] : [])];
  return [
    "default-src 'self'",
    "base-uri 'self'",
    "object-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect.join(" ")}`,
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join("; ");
}

export function createConsoleSite(dir: string, oidcIssuer: string | undefined): ConsoleSite {
  const indexFile = path.join(dir, "index.html");
  // Read once: the built page does not change while the process runs.
  const index = existsSync(indexFile) ? readFileSync(indexFile, "utf8") : undefined;

  function sendPage(reply: FastifyReply) {
    reply.header("cache-control", "no-store").type("text/html; charset=utf-8");
    if (index === undefined) return reply.send(NOT_BUILT_PAGE);
    const nonce = randomBytes(16).toString("base64");
    reply.header("content-security-policy", consoleCsp(nonce, oidcIssuer));
    return reply.send(index.replaceAll(NONCE_PLACEHOLDER, nonce));
  }

  return {
    built: index !== undefined,
    fallback(request, reply) {
      if (request.method !== "GET" && request.method !== "HEAD") return false;
      const pathname = request.url.split("?")[0] ?? "/";
      if (NOT_CONSOLE.test(pathname)) return false;
      if (!(request.headers.accept ?? "").includes("text/html")) return false;
      sendPage(reply);
      return true;
    },
    plugin: fp(
      async (app: FastifyInstance) => {
        if (index !== undefined) await app.register(fastifyStatic, { root: dir, serve: false });
        const hidden = { hide: true };
        app.get("/", { config: { auth: "public" }, schema: hidden }, async (_request, reply) => sendPage(reply));
        app.get("/assets/*", { config: { auth: "public" }, schema: hidden }, async (request, reply) => {
          const file = (request.params as { "*": string })["*"];
          if (index === undefined || !/^[\w.-]+$/.test(file))
            throw new NotFoundError(`no console asset ${file} (is the console built?)`);
          // Vite names assets by content hash: a name never changes meaning.
          return reply.sendFile(path.posix.join("assets", file), {
            immutable: true,
            maxAge: "365d",
          });
        });
      },
      { name: "console" },
    ),
  };
}
