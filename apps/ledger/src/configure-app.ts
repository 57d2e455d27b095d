import { INestApplication, Logger } from '@nestjs/common';
import { jsonBody, respond, setupOpenApi } from '@ledger/http';
import { MetricsRegistry, observeRequests, REQUEST_LOGGER } from '@ledger/observability';
import type { Express, NextFunction, Request, Response } from 'express';

export const BODY_LIMIT = '1mb';

/**
 * HTTP settings shared by the server and the end-to-end specs. The JSON parser
 * is registered here, followed by an error handler, so that a malformed or
 * oversized body gets the same error shapes as everything else.
 */
export function configureApp(app: INestApplication): INestApplication {
  const logger = new Logger('Http');
  // First, so that even a body the parser refuses is logged and counted under its request id.
  app.use(observeRequests(app.get(REQUEST_LOGGER), app.get(MetricsRegistry)));
  (app.getHttpAdapter().getInstance() as Express).disable('x-powered-by');
  app.use(jsonBody(BODY_LIMIT));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => respond(err, req, res, logger));
  setupOpenApi(app);
  return app;
}
