export { familyOf, LedgerExceptionFilter, respond } from './exception.filter';
export type { ApiFamily } from './exception.filter';
export {
  ConflictError,
  ForbiddenError,
  IdempotencyConflictError,
  LedgerError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from './ledger-errors';
export type { FieldProblem, LedgerErrorCode } from './ledger-errors';
export { LedgerValidationPipe, toProblems } from './validation.pipe';
export { ApiSyntropicErrors, ApiV1Errors, buildOpenApi, OPENAPI_JSON_PATH, setupOpenApi, SyntropicErrorBody, V1ErrorBody } from './openapi';
