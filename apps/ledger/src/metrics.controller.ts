import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiKeysService, Public } from '@ledger/auth';
import { ApiV1Errors, ForbiddenError, UnauthorizedError } from '@ledger/http';
import { MetricsRegistry, OBSERVABILITY_OPTIONS, ObservabilityOptions } from '@ledger/observability';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Registry } from 'prom-client';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * Prometheus's scrape target. It answers the admin key, or LEDGER_METRICS_TOKEN when set: a
 * credential that reads metrics and nothing else, for the scraper's configuration (ADR 0018).
 */
@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  private readonly tokenHash?: Buffer;

  constructor(
    private readonly metrics: MetricsRegistry,
    private readonly keys: ApiKeysService,
    @Inject(OBSERVABILITY_OPTIONS) options: ObservabilityOptions,
  ) {
    this.tokenHash = options.metricsToken ? sha256(options.metricsToken) : undefined;
  }

  @Get()
  @Public()
  @ApiOperation({ summary: 'Metrics in the Prometheus text format (admin key, or LEDGER_METRICS_TOKEN as a bearer token)' })
  @ApiOkResponse({ description: 'The Prometheus text exposition format 0.0.4.', content: { [Registry.PROMETHEUS_CONTENT_TYPE]: { schema: { type: 'string' } } } })
  @ApiV1Errors(401, 403)
  async scrape(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<string> {
    await this.authorize(req);
    // Set here, not by a decorator: a refusal is JSON.
    res.setHeader('content-type', Registry.PROMETHEUS_CONTENT_TYPE);
    return this.metrics.render();
  }

  private async authorize(req: Request): Promise<void> {
    const header = req.headers['x-api-key'];
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const key = typeof header === 'string' && header.length ? header : bearer;
    if (!key) throw new UnauthorizedError('missing credentials: send the admin key, or LEDGER_METRICS_TOKEN as Authorization: Bearer');
    if (this.tokenHash && timingSafeEqual(sha256(key), this.tokenHash)) return;
    const principal = await this.keys.resolve(key);
    if (!principal) throw new UnauthorizedError('invalid API key or metrics token');
    if (principal.kind !== 'admin') throw new ForbiddenError('metrics need the admin key or LEDGER_METRICS_TOKEN');
  }
}
