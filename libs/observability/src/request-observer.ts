import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { MetricsRegistry } from './metrics-registry';

export const REQUEST_ID_HEADER = 'x-request-id';
/** A caller's request id is kept when it is a plain token of sane length; anything else is replaced, not logged. */
const ACCEPTED_REQUEST_ID = /^[\w.:/+=-]{1,128}$/;
/** Probes and scrapes arrive every few seconds: at `info` they would be most of the log. */
const PROBES = /^\/(health(\/.*)?|metrics)$/;
const UNMATCHED = 'unmatched';

/** What the auth guard leaves on the request (libs/auth); read by shape, so this lib stays below auth. */
interface WithPrincipal {
  principal?: { kind: 'admin' } | { kind: 'workspace'; workspaceId: string };
}

/** The Express route that answered, as registered: bounded, unlike the path. */
export function routeTemplate(req: IncomingMessage): string {
  const { route, baseUrl } = req as Partial<Request>;
  return typeof route?.path === 'string' ? `${baseUrl ?? ''}${route.path}` : UNMATCHED;
}

/**
 * One middleware for every request: gives it an id (the caller's `x-request-id`, or a new
 * UUID), echoes the id in the response, writes one log line when the response is done,
 * and counts it in the HTTP histogram.
 */
export function observeRequests(logger: Logger, metrics: MetricsRegistry) {
  const log = pinoHttp({
    logger,
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'request_id' },
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers[REQUEST_ID_HEADER];
      const id = typeof given === 'string' && ACCEPTED_REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    customLogLevel: (req, res, err) => (err || res.statusCode >= 500 ? 'error' : PROBES.test(req.url?.split('?')[0] ?? '') ? 'debug' : 'info'),
    customSuccessObject: (req, res, fields: { responseTime: number }) => requestLine(req, res, fields.responseTime),
    customErrorObject: (req, res, _err, fields: { responseTime: number }) => requestLine(req, res, fields.responseTime),
    customSuccessMessage: (req, res) => (res.writableEnded ? 'request completed' : 'request aborted'),
    customErrorMessage: () => 'request failed',
  });
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpRequests.observe({ method: req.method, route: routeTemplate(req), status: String(res.statusCode) }, seconds);
    });
    log(req, res, next);
  };
}

function requestLine(req: IncomingMessage, res: ServerResponse, durationMs: number): Record<string, unknown> {
  const principal = (req as IncomingMessage & WithPrincipal).principal;
  return {
    method: req.method,
    route: routeTemplate(req),
    url: (req as Partial<Request>).originalUrl ?? req.url,
    status: res.statusCode,
    duration_ms: durationMs,
    ...(principal?.kind === 'workspace' ? { workspace: principal.workspaceId } : principal ? { admin: true } : {}),
  };
}
