import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Field, Root, Type } from 'protobufjs';
import {
  FieldProblem,
  LedgerError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  UnauthorizedError,
  UnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './ledger-errors';
import { unavailableReason } from './connection-failure';

/** An error raised by Express's body parser (http-errors), or by the router decoding a path, before any route runs. */
interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
  charset?: string;
  encoding?: string;
  /** zlib's, when a compressed body does not decompress. */
  code?: string;
}

const bodyProblem = (message: string) => new ValidationError([{ field: 'body', message, location: 'body' }]);

/**
 * What each client error of the body parser (body-parser's `type`s) means to a client.
 * `stream.encoding.set` and `stream.not.readable` are not listed: they are the
 * server's own faults, and stay 500s.
 */
const BODY_PARSER_ERRORS: Readonly<Record<string, (err: BodyParserError) => LedgerError>> = {
  'entity.too.large': () => new PayloadTooLargeError('request body exceeds the 1 MiB limit'),
  'entity.parse.failed': () => bodyProblem('malformed JSON'),
  'entity.verify.failed': (err) => bodyProblem(`body refused: ${err.message}`),
  'charset.unsupported': (err) =>
    new UnsupportedMediaTypeError(`unsupported charset "${err.charset}": send JSON in UTF-8 (content-type: application/json)`),
  'encoding.unsupported': (err) =>
    new UnsupportedMediaTypeError(`unsupported content-encoding "${err.encoding}": send the body as is, or gzip, deflate or br`),
  'request.aborted': () => bodyProblem('the request was aborted before its body was complete'),
  'request.size.invalid': () => bodyProblem('the body is not as long as content-length says'),
  'parameters.too.many': () => bodyProblem('too many parameters'),
  'querystring.parse.rangeError': () => bodyProblem('parameters nested too deeply'),
};

/** A body-parser or router error of the client's making, as a ledger error. */
function clientRequestError(err: BodyParserError, req: Request): LedgerError | undefined {
  const known = err.type === undefined ? undefined : BODY_PARSER_ERRORS[err.type];
  if (known) return known(err);
  if (typeof err.status !== 'number' || err.status < 400 || err.status >= 500) return undefined;
  if (err.message?.startsWith('Failed to decode param')) {
    return new ValidationError([{ field: 'path', message: `path is not valid percent-encoded UTF-8 (${err.message})`, location: 'path' }]);
  }
  if (err instanceof HttpException) return undefined;
  // A compressed body that does not decompress carries only its status and zlib's code.
  if (err.code?.startsWith('Z_')) return bodyProblem(`the body is not valid ${req.headers['content-encoding']} data, as its content-encoding says`);
  return err.status === 413 ? new PayloadTooLargeError('request body exceeds the 1 MiB limit') : bodyProblem(err.message ?? 'bad request');
}

/** The wire shapes the ledger speaks: Syntropic137's `/costs`, the `/v1` envelope, and OTLP/HTTP's `google.rpc.Status`. */
export type ApiFamily = 'syntropic' | 'v1' | 'otlp';

/** `/costs`, also under Syntropic137's `/api/v1` prefix, is the FastAPI family; `/otlp` is OTLP/HTTP; everything else is `/v1`. */
export const familyOf = (path: string): ApiFamily =>
  /^(\/api\/v1)?\/costs(\/|$)/.test(path) ? 'syntropic' : /^\/otlp(\/|$)/.test(path) ? 'otlp' : 'v1';

interface Rendered {
  status: number;
  body: unknown;
}

/** `/v1` (Stevora conventions): `{"success":false,"error":{"code","message","details"}}`. */
function renderV1(err: LedgerError): Rendered {
  const error: Record<string, unknown> = { code: err.code, message: err.message };
  if (err.details.length) error.details = err.details;
  return { status: err.status, body: { success: false, error } };
}

/**
 * `/costs` (Syntropic137, FastAPI conventions). A validation error answers 422 with pydantic v2's entries,
 * `{"detail":[{type, loc, msg, input, ctx}]}`; any other error is an `HTTPException`, `{"detail":"<message>"}`,
 * which FastAPI clients print as it is.
 */
function renderSyntropic(err: LedgerError): Rendered {
  if (err instanceof ValidationError) {
    const entry = (p: FieldProblem) => {
      const loc = [p.location ?? 'query', p.field];
      if (!p.pydantic) return { type: 'value_error', loc, msg: `Value error, ${p.message}` };
      const { type, msg, input, ctx } = p.pydantic;
      return { type, loc, msg, ...(input !== undefined && { input }), ...(ctx && { ctx }) };
    };
    return { status: 422, body: { detail: err.problems.map(entry) } };
  }
  if (err instanceof NotFoundError && err.resource === 'route') return { status: 404, body: { detail: 'Not Found' } };
  return { status: err.status, body: { detail: err.message } };
}

/** google.rpc.Code by HTTP status, as Google's HTTP mapping pairs them (413 as gRPC's message-too-large). */
const RPC_CODES: Readonly<Record<number, number>> = { 400: 3, 401: 16, 403: 7, 404: 5, 409: 10, 413: 8, 415: 3, 429: 8, 500: 13, 503: 14 };
const RPC_UNKNOWN = 2;

/**
 * `/otlp` (OTLP/HTTP): every error is a `google.rpc.Status` (code and message; OTLP clients read only the HTTP
 * status), in protobuf when the request was protobuf. The type is opentelemetry-proto's vendored
 * google/rpc/status.proto's fields 1 and 2 (libs/otlp's specs decode these bytes with the vendored type).
 */
function renderOtlp(err: LedgerError): Rendered {
  return { status: err.status, body: { code: RPC_CODES[err.status] ?? RPC_UNKNOWN, message: err.message } };
}

const RPC_STATUS = new Type('Status').add(new Field('code', 1, 'int32')).add(new Field('message', 2, 'string'));
new Root().define('google.rpc').add(RPC_STATUS);

const wantsProtobuf = (req: Request) => /^application\/x-protobuf\s*(;|$)/i.test(req.headers['content-type'] ?? '');

function asLedgerError(exception: unknown, req: Request): LedgerError | undefined {
  if (exception instanceof LedgerError) return exception;
  const unavailable = unavailableReason(exception);
  if (unavailable) return new UnavailableError(unavailable);
  const clientError = typeof exception === 'object' && exception !== null ? clientRequestError(exception as BodyParserError, req) : undefined;
  if (clientError) return clientError;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404) return new NotFoundError('route', 'path');
    if (status === 413) return new PayloadTooLargeError('request body exceeds the 1 MiB limit');
    if (status === 401) return new UnauthorizedError('missing or invalid API key');
    if (status >= 400 && status < 500) {
      return new ValidationError([{ field: 'request', message: exception.message, location: 'body' }]);
    }
  }
  return undefined;
}

/**
 * The one place errors become responses. It never leaks a stack trace: anything
 * that is not a known error kind is logged and answered as a plain 500.
 */
@Catch()
export class LedgerExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    respond(exception, req, res, this.logger);
  }
}

export function respond(exception: unknown, req: Request, res: Response, logger: Logger): void {
  const family = familyOf(req.path);
  const known = asLedgerError(exception, req);
  let rendered: Rendered;
  if (known) {
    rendered = family === 'syntropic' ? renderSyntropic(known) : family === 'otlp' ? renderOtlp(known) : renderV1(known);
  } else {
    // The request id ties the stack to the request's log line (and to what the client saw in x-request-id).
    const id = (req as Request & { id?: unknown }).id;
    logger.error(`${req.method} ${req.path} (request ${String(id)}): ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`);
    rendered =
      family === 'syntropic'
        ? { status: 500, body: { detail: 'Internal Server Error' } }
        : family === 'otlp'
          ? { status: 500, body: { code: RPC_CODES[500], message: 'internal error' } }
          : { status: 500, body: { success: false, error: { code: 'INTERNAL_ERROR', message: 'internal error' } } };
  }
  if (res.headersSent) return;
  if (known instanceof RateLimitedError) res.setHeader('Retry-After', String(known.retryAfterSeconds));
  // The database comes back by itself (or the embedded one is restarted) within seconds; a read cut off by its time limit may pass on a second try.
  if (known instanceof UnavailableError) res.setHeader('Retry-After', '2');
  if (family === 'otlp' && wantsProtobuf(req)) {
    res.status(rendered.status).type('application/x-protobuf').send(Buffer.from(RPC_STATUS.encode(RPC_STATUS.create(rendered.body as object)).finish()));
    return;
  }
  res.status(rendered.status).json(rendered.body);
}
