import { applyDecorators, INestApplication } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse, DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export class V1ErrorDetail {
  @ApiPropertyOptional({ description: 'Position of the offending event in the batch.' }) index?: number;
  @ApiProperty({ example: 'input_tokens' }) field: string;
  @ApiProperty({ example: 'input_tokens must be >= 0' }) message: string;
  @ApiPropertyOptional({ enum: ['body', 'query', 'path', 'header'] }) location?: string;
}

export class V1Error {
  @ApiProperty({ enum: ['VALIDATION_ERROR', 'AUTH_ERROR', 'FORBIDDEN', 'NOT_FOUND', 'IDEMPOTENCY_CONFLICT', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'INTERNAL_ERROR'] })
  code: string;
  @ApiProperty({ example: 'events[1].input_tokens: input_tokens must be >= 0' }) message: string;
  @ApiPropertyOptional({ type: [V1ErrorDetail] }) details?: V1ErrorDetail[];
}

/** The `/v1` error envelope. */
export class V1ErrorBody {
  @ApiProperty({ enum: [false] }) success: boolean;
  @ApiProperty({ type: V1Error }) error: V1Error;
}

export class SyntropicErrorEntry {
  @ApiProperty({ type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'integer' }] }, example: ['query', 'limit'] }) loc: (string | number)[];
  @ApiProperty({ example: 'limit must be <= 200' }) msg: string;
  @ApiProperty({ example: 'value_error' }) type: string;
}

/** The `/costs` error shape (Syntropic137, FastAPI conventions). */
export class SyntropicErrorBody {
  @ApiProperty({ type: [SyntropicErrorEntry] }) detail: SyntropicErrorEntry[];
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
  return SwaggerModule.createDocument(app, config, { extraModels: [V1ErrorBody, SyntropicErrorBody] });
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
  409: 'Conflict with what is recorded.',
  413: 'Body over 1 MiB.',
  415: 'Body in a charset other than UTF-8, or in a content-encoding other than gzip, deflate or br.',
  422: 'Invalid query or path parameter.',
};

/** Documents `/v1` error responses. */
export const ApiV1Errors = (...statuses: number[]) =>
  applyDecorators(...statuses.map((status) => ApiResponse({ status, type: V1ErrorBody, description: ERROR_DESCRIPTIONS[status] })));

/** Documents `/costs` error responses. */
export const ApiSyntropicErrors = (...statuses: number[]) =>
  applyDecorators(...statuses.map((status) => ApiResponse({ status, type: SyntropicErrorBody, description: ERROR_DESCRIPTIONS[status] })));
