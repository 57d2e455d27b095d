import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import { ValidationError } from './ledger-errors';
import { unstorableText } from './unstorable-text';

/**
 * Express's JSON body parser, refusing any string PostgreSQL cannot store with a
 * 400 naming where it is. Such a string can only come from a `\u` escape (raw
 * control bytes are not JSON, and the parser turns invalid UTF-8 into U+FFFD), so
 * only a body whose text holds one of those escapes is walked: walking every
 * ingest batch cost a third of what parsing it does.
 */
export function jsonBody(limit: string): RequestHandler {
  const escaped = new WeakSet<object>();
  const parse = express.json({
    limit,
    verify: (req, _res, buf) => {
      // \u0000, or \uD800-\uDFFF (a few other \uDxxx only cost a walk).
      if (buf.includes('\\u0000') || buf.includes('\\ud') || buf.includes('\\uD')) escaped.add(req);
    },
  });
  return (req: Request, res: Response, next: NextFunction) =>
    parse(req, res, (err?: unknown) => {
      if (err || !escaped.has(req)) return next(err);
      const problems = unstorableText(req.body);
      next(problems.length ? new ValidationError(problems.map((p) => ({ ...p, location: 'body' as const }))) : undefined);
    });
}
