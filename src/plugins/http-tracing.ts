// One server span per HTTP request, named by its route pattern (never the raw URL: ids and query
// strings stay out of traces), continuing the caller's W3C `traceparent` when it sends one. The
// span is the active context for the request's hooks and handler, so the database work, jobs sent
// and AWS calls it makes are its children. A no-op unless the process registered the SDK.
import { context, propagation, type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { SpanKind, tracer } from "../lib/tracing.js";

export function traceHttpRequests(app: FastifyInstance): void {
  const spans = new WeakMap<FastifyRequest, Span>();
  app.addHook("onRequest", (request, _reply, done) => {
    const parent = propagation.extract(context.active(), request.headers);
    const route = request.routeOptions.url ?? "unmatched";
    const span = tracer().startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "http.request.method": request.method,
          "http.route": route,
          "bedrock_governor.request_id": request.id,
        },
      },
      parent,
    );
    spans.set(request, span);
    context.with(trace.setSpan(parent, span), done);
  });
  const end = (request: FastifyRequest, status: number | undefined) => {
    const span = spans.get(request);
    if (span === undefined) return;
    spans.delete(request);
    if (status !== undefined) span.setAttribute("http.response.status_code", status);
    if (status === undefined || status >= 500)
      span.setStatus({ code: SpanStatusCode.ERROR, message: status === undefined ? "aborted" : `HTTP ${status}` });
    span.end();
  };
  app.addHook("onResponse", async (request, reply) => end(request, reply.statusCode));
  app.addHook("onRequestAbort", async (request) => end(request, undefined));
}
