import { applyDecorators, INestApplication } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse, DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { familyOf } from './exception.filter';

export class V1ErrorDetail {
  @ApiPropertyOptional({ description: 'Position of the offending event in the batch.' }) index?: number;
  @ApiProperty({ example: 'input_tokens' }) field: string;
  @ApiProperty({ example: 'input_tokens must be >= 0' }) message: string;
  @ApiPropertyOptional({ enum: ['body', 'query', 'path', 'header'] }) location?: string;
}

export class V1Error {
  @ApiProperty({ enum: ['VALIDATION_ERROR', 'AUTH_ERROR', 'FORBIDDEN', 'NOT_FOUND', 'IDEMPOTENCY_CONFLICT', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL_ERROR'] })
  code: string;
  @ApiProperty({ example: 'events[1].input_tokens: input_tokens must be >= 0' }) message: string;
  @ApiPropertyOptional({ type: [V1ErrorDetail] }) details?: V1ErrorDetail[];
}

/** The `/v1` error envelope. */
export class V1ErrorBody {
  @ApiProperty({ enum: [false] }) success: boolean;
  @ApiProperty({ type: V1Error }) error: V1Error;
}

/** One pydantic v2 validation error, as FastAPI answers it. */
export class SyntropicErrorEntry {
  @ApiProperty({ example: 'greater_than_equal', description: 'pydantic v2 error type.' }) type: string;
  @ApiProperty({ type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'integer' }] }, example: ['query', 'limit'] }) loc: (string | number)[];
  @ApiProperty({ example: 'Input should be greater than or equal to 1' }) msg: string;
  @ApiPropertyOptional({ type: 'string', description: 'The parameter as received.', example: '0' }) input?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { ge: 1 } }) ctx?: Record<string, unknown>;
}

/** The `/costs` 422 (FastAPI's `HTTPValidationError`). */
export class SyntropicValidationErrorBody {
  @ApiProperty({ type: [SyntropicErrorEntry] }) detail: SyntropicErrorEntry[];
}

/** Every other `/costs` error (FastAPI's `HTTPException`). */
export class SyntropicErrorBody {
  @ApiProperty({ example: 'Session not found' }) detail: string;
}

/** The `/otlp` error body: a `google.rpc.Status`, in JSON, or in protobuf when the request was protobuf (OTLP/HTTP). */
export class OtlpStatusBody {
  @ApiProperty({ type: 'integer', example: 3, description: 'google.rpc.Code (3 invalid argument, 7 permission denied, 8 resource exhausted, 14 unavailable, 16 unauthenticated); OTLP clients read the HTTP status.' })
  code: number;
  @ApiProperty({ example: 'resourceLogs[0].scopeLogs[0].logRecords[1].timeUnixNano: must be a fixed64 as a decimal string (or an integer number)' })
  message: string;
}

export const OPENAPI_JSON_PATH = '/docs-json';

export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Cost Ledger')
    .setDescription(
      'Event-sourced LLM cost ledger. Usage events in through `POST /v1/events`; Syntropic137-compatible `/costs` views and ' +
        'Stevora-compatible `/v1` cost routes out. Money is an exact decimal string everywhere except the Stevora routes, whose ' +
        'seed mandates JSON numbers.',
    )
    .setVersion('1')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'apiKey')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'The same API key as a bearer token.' }, 'bearer')
    .addSecurityRequirements('apiKey')
    .addSecurityRequirements('bearer')
    .build();
  return documentRateLimit(SwaggerModule.createDocument(app, config, { extraModels: [V1ErrorBody, SyntropicErrorBody, SyntropicValidationErrorBody, OtlpStatusBody] }));
}

/**
 * Every route that takes an API key may answer 429 when per-key rate limiting is on (ADR 0017). The routes
 * that document 401 are exactly those, so 429 is added beside it, in the error shape of the route's family.
 */
function documentRateLimit(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    const family = familyOf(path);
    const body = family === 'syntropic' ? SyntropicErrorBody : family === 'otlp' ? OtlpStatusBody : V1ErrorBody;
    for (const operation of Object.values(item) as { responses?: Record<string, unknown> }[]) {
      if (!operation?.responses?.['401']) continue;
      operation.responses['429'] = {
        description: ERROR_DESCRIPTIONS[429],
        headers: { 'Retry-After': { description: 'Whole seconds until the key may try again.', schema: { type: 'integer' } } },
        content: {
          'application/json': { schema: { $ref: `#/components/schemas/${body.name}` } },
          ...(family === 'otlp' && { 'application/x-protobuf': { schema: { type: 'string', format: 'binary', description: 'google.rpc.Status' } } }),
        },
      };
    }
  }
  return document;
}

/** Serves the document at `/docs` (UI) and `/docs-json`. */
export function setupOpenApi(app: INestApplication): OpenAPIObject {
  const document = buildOpenApi(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: OPENAPI_JSON_PATH.slice(1) });
  return document;
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input; `details` names every bad field.',
  401: 'Missing or invalid API key.',
  403: 'The key may not use this route.',
  404: 'Not found, or another workspace’s.',
  409: 'Conflict with what is recorded, or an id prefix that matches several ids.',
  413: 'Body over 1 MiB.',
  415: 'Body in a charset other than UTF-8, or in a content-encoding other than gzip, deflate or br.',
  429: 'The key spent its request budget (per-key rate limiting, off unless configured); see `Retry-After`.',
  422: 'Invalid query or path parameter.',
  503: 'The database did not answer: unreachable, or a read cut off at its time limit (`LEDGER_READ_TIMEOUT_MS`); retry after `Retry-After`.',
};

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } };

/** Documents `/v1` error responses. */
export const ApiV1Errors = (...statuses: number[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, type: V1ErrorBody, description: ERROR_DESCRIPTIONS[status], ...(status === 503 && { headers: RETRY_AFTER }) }),
    ),
  );

const OTLP_ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The body does not decode as the signal\'s OTLP request (protobuf or OTLP/JSON); `message` names what is wrong. Not retried.',
  401: 'Missing or invalid API key (send it through OTEL_EXPORTER_OTLP_HEADERS as x-api-key or Authorization=Bearer).',
  403: 'The admin key has no workspace to record into.',
  413: 'Body over 8 MiB once inflated.',
  415: 'A content type other than application/x-protobuf or application/json (UTF-8), or a content-encoding other than gzip, deflate or br.',
  503: 'The database is unreachable; retried by exporters after `Retry-After`.',
};

/** Documents `/otlp` error responses: a `google.rpc.Status`, JSON or protobuf as the request was. */
export const ApiOtlpErrors = (...statuses: number[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: OTLP_ERROR_DESCRIPTIONS[status] ?? ERROR_DESCRIPTIONS[status],
        content: {
          'application/json': { schema: { $ref: `#/components/schemas/${OtlpStatusBody.name}` } },
          'application/x-protobuf': { schema: { type: 'string', format: 'binary', description: 'google.rpc.Status' } },
        },
        ...(status === 503 && { headers: RETRY_AFTER }),
      }),
    ),
  );

/** Documents `/costs` error responses. */
export const ApiSyntropicErrors = (...statuses: number[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        type: status === 422 ? SyntropicValidationErrorBody : SyntropicErrorBody,
        description: ERROR_DESCRIPTIONS[status],
        ...(status === 503 && { headers: RETRY_AFTER }),
      }),
    ),
  );
