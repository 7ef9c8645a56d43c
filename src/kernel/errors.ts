// One error family for the whole service. The error handler renders these as RFC 9457
// problem+json with a stable `code`; anything else is a 500 with a generic body.

export interface FieldProblem {
  /** JSON pointer-like path of the offending field, e.g. `/body/role` or `query.limit`. */
  field: string;
  message: string;
}

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  abstract readonly title: string;
  /** Extra members merged into the problem document (must hold no secrets). */
  readonly extra: Record<string, unknown>;

  constructor(message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.extra = extra;
  }
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly code = "VALIDATION_FAILED";
  readonly title = "Request validation failed";
  constructor(
    message: string,
    readonly errors: FieldProblem[] = [],
  ) {
    super(message, { errors });
  }
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly code = "UNAUTHORIZED";
  readonly title = "Authentication required";
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly code = "FORBIDDEN";
  readonly title = "Not allowed";
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = "NOT_FOUND";
  readonly title = "Not found";
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly code: string;
  readonly title = "Conflict";
  constructor(message: string, extra: Record<string, unknown> = {}, code = "CONFLICT") {
    super(message, extra);
    this.code = code;
  }
}

export class PreconditionFailedError extends AppError {
  readonly status = 412;
  readonly code = "PRECONDITION_FAILED";
  readonly title = "Precondition failed";
}

export class UnprocessableError extends AppError {
  readonly status = 422;
  readonly code: string;
  readonly title = "Unprocessable request";
  constructor(
    message: string,
    readonly errors: FieldProblem[] = [],
    code = "UNPROCESSABLE",
    extra: Record<string, unknown> = {},
  ) {
    super(message, { ...extra, errors });
    this.code = code;
  }
}

export class TooManyRequestsError extends AppError {
  readonly status = 429;
  readonly code = "RATE_LIMITED";
  readonly title = "Too many requests";
}

export class ServiceUnavailableError extends AppError {
  readonly status = 503;
  readonly code: string;
  readonly title = "Service unavailable";
  constructor(message: string, code = "SERVICE_UNAVAILABLE", extra: Record<string, unknown> = {}) {
    super(message, extra);
    this.code = code;
  }
}
