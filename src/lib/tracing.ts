// Spans of the service's own work: an HTTP request, a queue job, each AWS call attempt. They go
// through the OpenTelemetry API, which is a no-op until a process registers the SDK
// (src/main/tracing.ts, only when an OTLP endpoint is configured), so this costs nothing when off.
// The active span follows async work (AsyncLocalStorage), so an AWS call made inside a sync job is
// a child of that job's span.
import { type Attributes, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";

const TRACER_NAME = "bedrock-governor";

export const tracer = () => trace.getTracer(TRACER_NAME);

/** Marks the span failed with the error's name and message (never its stack or request data). */
export function spanFailed(span: Span, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: `${e.name}: ${e.message}`.slice(0, 512) });
  span.setAttribute("error.type", e.name || "Error");
}

/** Runs `fn` in a new active span, ended when it settles; a throw marks the span failed. */
export function inSpan<T>(
  name: string,
  opts: { kind: SpanKind; attributes: Attributes },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(name, opts, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      spanFailed(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

export { SpanKind };

/** The attributes of an AWS call's span (OpenTelemetry's RPC and cloud conventions). */
export function awsSpanAttributes(
  service: string,
  operation: string,
  scope: { account?: string; region?: string },
): Attributes {
  return {
    "rpc.system": "aws-api",
    "rpc.service": service,
    "rpc.method": operation,
    ...(scope.region ? { "cloud.region": scope.region } : {}),
    ...(scope.account && /^\d{12}$/.test(scope.account) ? { "cloud.account.id": scope.account } : {}),
  };
}
