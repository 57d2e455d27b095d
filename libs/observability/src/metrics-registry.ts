import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Requests are answered in milliseconds; a rebuild-triggering price change or a long `after=` wait in seconds. */
const HTTP_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * One Prometheus registry per application instance (specs boot several in one process, and
 * prom-client's global registry would refuse a metric registered twice). Feature modules
 * register their own metrics in it; `GET /metrics` renders it.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();
  /** By route template (`/costs/sessions/:session_id`), never the raw path: the label set stays bounded. */
  readonly httpRequests = new Histogram({
    name: 'ledger_http_request_duration_seconds',
    help: 'HTTP requests by method, route template ("unmatched" for no route) and status, and how long they took.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
