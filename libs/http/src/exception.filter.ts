import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  FieldProblem,
  LedgerError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  ValidationError,
} from './ledger-errors';

/** An error raised by Express's body parser before any route runs. */
interface BodyParserError {
  type?: string;
  status?: number;
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

function asLedgerError(exception: unknown): LedgerError | undefined {
  if (exception instanceof LedgerError) return exception;
  const bodyError = exception as BodyParserError;
  if (bodyError?.type === 'entity.too.large') return new PayloadTooLargeError('request body exceeds the 1 MiB limit');
  if (bodyError?.type === 'entity.parse.failed') {
    return new ValidationError([{ field: 'body', message: 'malformed JSON', location: 'body' }]);
  }
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
  const known = asLedgerError(exception);
  let rendered: Rendered;
  if (known) {
    rendered = family === 'syntropic' ? renderSyntropic(known) : renderV1(known);
  } else {
    // The request id ties the stack to the request's log line (and to what the client saw in x-request-id).
    const id = (req as Request & { id?: unknown }).id;
    logger.error(`${req.method} ${req.path} (request ${String(id)}): ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`);
    rendered =
      family === 'syntropic'
        ? { status: 500, body: { detail: [{ loc: [], msg: 'internal error', type: 'internal_error' }] } }
        : { status: 500, body: { success: false, error: { code: 'INTERNAL_ERROR', message: 'internal error' } } };
  }
  if (!res.headersSent) res.status(rendered.status).json(rendered.body);
}
