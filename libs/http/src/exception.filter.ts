import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  FieldProblem,
  LedgerError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './ledger-errors';

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

/** The two wire shapes the ledger speaks: Syntropic137's `/costs`, and the `/v1` envelope. */
export type ApiFamily = 'syntropic' | 'v1';

export const familyOf = (path: string): ApiFamily => (path === '/costs' || path.startsWith('/costs/') ? 'syntropic' : 'v1');

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
 * `/costs` (Syntropic137, FastAPI conventions): `{"detail":[{loc, msg, type}]}`;
 * validation answers 422, not 400.
 */
function renderSyntropic(err: LedgerError): Rendered {
  const entry = (loc: (string | number)[], msg: string, type: string) => ({ loc, msg, type });
  if (err instanceof ValidationError) {
    return {
      status: 422,
      body: { detail: err.problems.map((p: FieldProblem) => entry([p.location ?? 'query', p.field], p.message, 'value_error')) },
    };
  }
  if (err instanceof NotFoundError) return { status: 404, body: { detail: [entry(['path', err.param], err.message, 'not_found')] } };
  if (err instanceof UnauthorizedError) return { status: 401, body: { detail: [entry(['header', 'x-api-key'], err.message, 'auth_error')] } };
  return { status: err.status, body: { detail: [entry([], err.message, err.code.toLowerCase())] } };
}

function asLedgerError(exception: unknown, req: Request): LedgerError | undefined {
  if (exception instanceof LedgerError) return exception;
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
    rendered = family === 'syntropic' ? renderSyntropic(known) : renderV1(known);
  } else {
    logger.error(`${req.method} ${req.path}: ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`);
    rendered =
      family === 'syntropic'
        ? { status: 500, body: { detail: [{ loc: [], msg: 'internal error', type: 'internal_error' }] } }
        : { status: 500, body: { success: false, error: { code: 'INTERNAL_ERROR', message: 'internal error' } } };
  }
  if (!res.headersSent) res.status(rendered.status).json(rendered.body);
}
