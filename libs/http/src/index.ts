export { familyOf, LedgerExceptionFilter, respond } from './exception.filter';
export type { ApiFamily } from './exception.filter';
export {
  ConflictError,
  ForbiddenError,
  IdempotencyConflictError,
  LedgerError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './ledger-errors';
export type { FieldProblem, LedgerErrorCode } from './ledger-errors';
export { LedgerValidationPipe, toProblems } from './validation.pipe';
export { ApiSyntropicErrors, ApiV1Errors, buildOpenApi, OPENAPI_JSON_PATH, setupOpenApi, SyntropicErrorBody, V1ErrorBody } from './openapi';
export { jsonBody } from './json-body';
export { unstorableText } from './unstorable-text';
export { impossibleInstant, IsPossibleInstant } from './possible-instant';
