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
  UnsupportedMediaTypeError,
  ValidationError,
} from './ledger-errors';
export type { FieldProblem, LedgerErrorCode, PydanticError } from './ledger-errors';
export { FastApiQuery, LedgerValidationPipe, toProblems } from './validation.pipe';
export { ApiOtlpErrors, ApiSyntropicErrors, ApiV1Errors, buildOpenApi, OtlpStatusBody, OPENAPI_JSON_PATH, setupOpenApi, SyntropicErrorBody, SyntropicValidationErrorBody, V1ErrorBody } from './openapi';
export { jsonBody, JsonBodyLimit, ReadsOwnBody } from './json-body';
export { unstorableText } from './unstorable-text';
export { impossibleInstant, IsPossibleInstant } from './possible-instant';
export { DASHBOARD_SECURITY_HEADERS, DashboardModule, defaultDashboardDir } from './dashboard-static';
export type { DashboardOptions } from './dashboard-static';
