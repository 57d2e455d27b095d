import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import { PayloadTooLargeError, ValidationError } from './ledger-errors';
import { unstorableText } from './unstorable-text';

/** Routes allowed a larger body than the rest, by `METHOD /path` (lower case, no trailing slash). */
const largerLimits = new Map<string, string>();
const routeOf = (method: string, path: string) => `${method.toUpperCase()} ${path.toLowerCase().replace(/\/+$/, '')}`;

/**
 * Gives one route a larger body limit than the service's (`jsonBody`'s), declared beside the route. The body is
 * parsed before routing, so the route is named in full here as well (method and path, as Express matches them).
 */
export const JsonBodyLimit =
  (method: string, path: string, limit: string): MethodDecorator =>
  () => {
    largerLimits.set(routeOf(method, path), limit);
  };

/** Routes that read their body themselves (other content types, their own limit), by `METHOD /path`. */
const ownReaders = new Set<string>();

/**
 * Leaves one route's body unread by the service's JSON parser: the route reads it itself (the OTLP receiver
 * takes protobuf as well as JSON, and a larger body, after the key is checked).
 */
export const ReadsOwnBody =
  (method: string, path: string): MethodDecorator =>
  () => {
    ownReaders.add(routeOf(method, path));
  };

/**
 * Express's JSON body parser, refusing any string PostgreSQL cannot store with a
 * 400 naming where it is. Such a string can only come from a `\u` escape (raw
 * control bytes are not JSON, and the parser turns invalid UTF-8 into U+FFFD), so
 * only a body whose text holds one of those escapes is walked: walking every
 * ingest batch cost a third of what parsing it does.
 */
export function jsonBody(limit: string): RequestHandler {
  const escaped = new WeakSet<object>();
  const parsers = new Map<string, RequestHandler>();
  const parserFor = (max: string) => {
    let parse = parsers.get(max);
    if (!parse) {
      parse = express.json({
        limit: max,
        verify: (req, _res, buf) => {
          // \u0000, or \uD800-\uDFFF (a few other \uDxxx only cost a walk).
          if (buf.includes('\\u0000') || buf.includes('\\ud') || buf.includes('\\uD')) escaped.add(req);
        },
      });
      parsers.set(max, parse);
    }
    return parse;
  };
  return (req: Request, res: Response, next: NextFunction) => {
    const route = ownReaders.size || largerLimits.size ? routeOf(req.method, req.path) : '';
    if (ownReaders.has(route)) return next();
    const larger = largerLimits.get(route);
    parserFor(larger ?? limit)(req, res, (err?: unknown) => {
      if (larger && (err as { type?: string } | undefined)?.type === 'entity.too.large') {
        return next(new PayloadTooLargeError(`request body exceeds this route's ${larger} limit`));
      }
      if (err || !escaped.has(req)) return next(err);
      const problems = unstorableText(req.body);
      next(problems.length ? new ValidationError(problems.map((p) => ({ ...p, location: 'body' as const }))) : undefined);
    });
  };
}
