/**
 * The handful of error kinds the ledger raises below its controllers. Each has
 * a stable code; the exception filter renders it in the shape of the API family
 * the request belongs to.
 */
export interface FieldProblem {
  /** Position of the offending item in a batch, when the input is a batch. */
  readonly index?: number;
  /** Dotted path of the field, or the query/path parameter's name. */
  readonly field: string;
  readonly message: string;
  /** Where the field came from, for the Syntropic `loc` (body, query, path). */
  readonly location?: 'body' | 'query' | 'path' | 'header';
  /** The same problem as pydantic v2 reports it, for the FastAPI-style `/costs` family; never in `/v1` details. */
  readonly pydantic?: PydanticError;
}

/** One entry of a FastAPI 422: pydantic v2's error `type`, its message and context, and the input as received. */
export interface PydanticError {
  readonly type: string;
  readonly msg: string;
  readonly ctx?: Readonly<Record<string, unknown>>;
  readonly input?: unknown;
}

export type LedgerErrorCode =
  | 'VALIDATION_ERROR'
  | 'NOT_FOUND'
  | 'IDEMPOTENCY_CONFLICT'
  | 'CONFLICT'
  | 'AUTH_ERROR'
  | 'FORBIDDEN'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNAVAILABLE';

export abstract class LedgerError extends Error {
  abstract readonly code: LedgerErrorCode;
  abstract readonly status: number;
  constructor(
    message: string,
    readonly details: readonly unknown[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

const SHOWN_IN_MESSAGE = 3;

/** The first few problems in one line; `details` carries all of them. */
function summarize(problems: readonly FieldProblem[]): string {
  const line = (p: FieldProblem) => (p.index === undefined ? `${p.field}: ${p.message}` : `events[${p.index}].${p.field}: ${p.message}`);
  const shown = problems.slice(0, SHOWN_IN_MESSAGE).map(line).join('; ');
  const rest = problems.length - SHOWN_IN_MESSAGE;
  return rest > 0 ? `${shown}; and ${rest} more (see details)` : shown;
}

export class ValidationError extends LedgerError {
  readonly code = 'VALIDATION_ERROR';
  readonly status = 400;
  constructor(
    readonly problems: readonly FieldProblem[],
    message = summarize(problems),
  ) {
    super(message, problems.map(({ pydantic: _, ...problem }) => problem));
  }
}

export class NotFoundError extends LedgerError {
  readonly code = 'NOT_FOUND';
  readonly status = 404;
  constructor(
    readonly resource: string,
    readonly param: string,
  ) {
    super(`${resource} not found`);
  }
}

export class IdempotencyConflictError extends LedgerError {
  readonly code = 'IDEMPOTENCY_CONFLICT';
  readonly status = 409;
}

export class ConflictError extends LedgerError {
  readonly code = 'CONFLICT';
  readonly status = 409;
}

export class UnauthorizedError extends LedgerError {
  readonly code = 'AUTH_ERROR';
  readonly status = 401;
}

export class ForbiddenError extends LedgerError {
  readonly code = 'FORBIDDEN';
  readonly status = 403;
}

export class PayloadTooLargeError extends LedgerError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  readonly status = 413;
}

/** A key spent its request budget (ADR 0017); `retryAfterSeconds` becomes the `Retry-After` header. */
export class RateLimitedError extends LedgerError {
  readonly code = 'RATE_LIMITED';
  readonly status = 429;
  constructor(readonly retryAfterSeconds: number) {
    super(`rate limit exceeded for this API key; retry after ${retryAfterSeconds} s`);
  }
}

/** A body in a charset or content-encoding the ledger does not read. */
export class UnsupportedMediaTypeError extends LedgerError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  readonly status = 415;
}

export class UnavailableError extends LedgerError {
  readonly code = 'UNAVAILABLE';
  readonly status = 503;
}
