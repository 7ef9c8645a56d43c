// One error handler: every error becomes RFC 9457 problem+json with a stable `code` and the
// request id. 5xx bodies say nothing about internals; the details go to the log.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { AppError, type FieldProblem } from "../kernel/errors.js";
import { ProblemSchema } from "../kernel/problem.js";

interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Ajv issues → `body.role`-style field names with plain messages. */
export function fieldProblems(context: string | undefined, issues: AjvIssue[]): FieldProblem[] {
  return issues.map((issue) => {
    // One naming for every error: body.x, query.x, params.x, headers.x.
    const base = [
      context === "querystring" ? "query" : (context ?? "body"),
      ...issue.instancePath.split("/").filter(Boolean),
    ];
    if (issue.keyword === "additionalProperties") {
      return { field: [...base, String(issue.params.additionalProperty)].join("."), message: "unknown field" };
    }
    if (issue.keyword === "discriminator") {
      // A `oneOf` keyed by a tag (the scope's `kind`): missing, not a string, or not one of the values.
      const message = issue.params.error === "mapping" ? "is not one of the allowed values" : "must be a string";
      return { field: [...base, String(issue.params.tag)].join("."), message };
    }
    if (issue.keyword === "required") {
      return { field: [...base, String(issue.params.missingProperty)].join("."), message: "is required" };
    }
    return { field: base.join("."), message: issue.message ?? issue.keyword };
  });
}

function send(reply: FastifyReply, request: FastifyRequest, status: number, doc: Record<string, unknown>) {
  return (
    reply
      .status(status)
      .type("application/problem+json")
      // Extra members never override the standard ones.
      .send({ type: "about:blank", ...doc, status, requestId: String(request.id), instance: request.url.split("?")[0] })
  );
}

const FASTIFY_CODES: Record<string, { code: string; title: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: "BODY_TOO_LARGE", title: "Request body too large" },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: "UNSUPPORTED_MEDIA_TYPE", title: "Unsupported media type" },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: "INVALID_BODY", title: "Empty JSON body" },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: "INVALID_BODY", title: "Body is not valid JSON" },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: "INVALID_BODY", title: "Invalid Content-Length" },
};

/**
 * Errors the router raises before any route or hook runs (malformed percent-encoding, a path
 * parameter longer than the router allows): the same problem+json as every other error.
 */
export function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const tooLong = error.code === "FST_ERR_MAX_PARAM_LENGTH";
  const status = tooLong ? 414 : 400;
  return send(reply, request, status, {
    title: tooLong ? "URI too long" : "Bad request",
    detail: tooLong ? "a path parameter is longer than allowed" : "the request URL is malformed",
    code: tooLong ? "URI_TOO_LONG" : "BAD_URL",
  });
}

export default fp(
  async function errorsPlugin(
    app: FastifyInstance,
    opts: {
      /** Answers an unmatched request another way (the web console's page for a browser), or returns false. */
      notFoundFallback?: (request: FastifyRequest, reply: FastifyReply) => boolean;
    },
  ) {
    app.addSchema(ProblemSchema);

    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof AppError) {
        if (error.status >= 500) request.log.error({ err: error }, "request failed");
        return send(reply, request, error.status, {
          ...error.extra,
          title: error.title,
          detail: error.message,
          code: error.code,
        });
      }
      if (error.validation) {
        const errors = fieldProblems(error.validationContext, error.validation as AjvIssue[]);
        const first = errors[0];
        return send(reply, request, 400, {
          title: "Request validation failed",
          detail: first ? `${first.field}: ${first.message}` : error.message,
          code: "VALIDATION_FAILED",
          errors,
        });
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        const known = error.code ? FASTIFY_CODES[error.code] : undefined;
        return send(reply, request, status, {
          title: known?.title ?? "Bad request",
          detail: error.message,
          code: known?.code ?? "BAD_REQUEST",
        });
      }
      request.log.error({ err: error }, "unhandled error");
      return send(reply, request, 500, {
        title: "Internal server error",
        detail: "The server could not complete the request; the request id identifies it in the logs.",
        code: "INTERNAL",
      });
    });

    app.setNotFoundHandler((request, reply) => {
      if (opts.notFoundFallback?.(request, reply)) return reply;
      return send(reply, request, 404, {
        title: "Not found",
        detail: `no route for ${request.method} ${request.url.split("?")[0]}`,
        code: "ROUTE_NOT_FOUND",
      });
    });
  },
  { name: "errors" },
);
