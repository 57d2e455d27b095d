import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
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
 * UUID), echoes the id in the response, and when the response is done counts it in the HTTP
 * histogram and writes one log line. Written by hand over pino rather than with pino-http,
 * whose child logger and serializers per request cost a busy read route a sixth of its CPU
 * even with logging off (ADR 0018).
 */
export function observeRequests(logger: Logger, metrics: MetricsRegistry) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const given = req.headers[REQUEST_ID_HEADER];
    const id = typeof given === 'string' && ACCEPTED_REQUEST_ID.test(given) ? given : randomUUID();
    (req as Request & { id?: string }).id = id;
    res.setHeader(REQUEST_ID_HEADER, id);
    res.once('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const route = routeTemplate(req);
      metrics.httpRequests.observe({ method: req.method, route, status: String(res.statusCode) }, ms / 1000);
      const failed = res.statusCode >= 500;
      const level = failed ? 'error' : PROBES.test(req.path) ? 'debug' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const message = failed ? 'request failed' : res.writableEnded ? 'request completed' : 'request aborted';
      logger[level]({ request_id: id, ...requestLine(req, res, route, Math.round(ms)) }, message);
    });
    next();
  };
}

function requestLine(req: Request, res: ServerResponse, route: string, durationMs: number): Record<string, unknown> {
  const principal = (req as Request & WithPrincipal).principal;
  return {
    method: req.method,
    route,
    url: req.originalUrl ?? req.url,
    status: res.statusCode,
    duration_ms: durationMs,
    ...(principal?.kind === 'workspace' ? { workspace: principal.workspaceId } : principal ? { admin: true } : {}),
  };
}
