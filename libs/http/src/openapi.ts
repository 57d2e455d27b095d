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
  return documentRateLimit(SwaggerModule.createDocument(app, config, { extraModels: [V1ErrorBody, SyntropicErrorBody, SyntropicValidationErrorBody] }));
}

/**
 * Every route that takes an API key may answer 429 when per-key rate limiting is on (ADR 0017). The routes
 * that document 401 are exactly those, so 429 is added beside it, in the error shape of the route's family.
 */
function documentRateLimit(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    const body = familyOf(path) === 'syntropic' ? SyntropicErrorBody : V1ErrorBody;
    for (const operation of Object.values(item) as { responses?: Record<string, unknown> }[]) {
      if (!operation?.responses?.['401']) continue;
      operation.responses['429'] = {
        description: ERROR_DESCRIPTIONS[429],
        headers: { 'Retry-After': { description: 'Whole seconds until the key may try again.', schema: { type: 'integer' } } },
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${body.name}` } } },
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
};

/** Documents `/v1` error responses. */
export const ApiV1Errors = (...statuses: number[]) =>
  applyDecorators(...statuses.map((status) => ApiResponse({ status, type: V1ErrorBody, description: ERROR_DESCRIPTIONS[status] })));

/** Documents `/costs` error responses. */
export const ApiSyntropicErrors = (...statuses: number[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, type: status === 422 ? SyntropicValidationErrorBody : SyntropicErrorBody, description: ERROR_DESCRIPTIONS[status] }),
    ),
  );
