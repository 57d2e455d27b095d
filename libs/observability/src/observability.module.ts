import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { createLogger } from './logger';
import { MetricsRegistry } from './metrics-registry';
import { PoolMetrics } from './pool-metrics';

export interface ObservabilityOptions {
  /** LOG_LEVEL. */
  readonly logLevel: string;
  /** LEDGER_METRICS_TOKEN: a bearer token that may read `/metrics` besides the admin key. */
  readonly metricsToken?: string;
}

export const OBSERVABILITY_OPTIONS = Symbol('OBSERVABILITY_OPTIONS');
/** The pino logger the request log writes to. */
export const REQUEST_LOGGER = Symbol('REQUEST_LOGGER');

/** Metrics and the request log: infrastructure every feature module counts into, hence global. */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      providers: [
        { provide: OBSERVABILITY_OPTIONS, useValue: options },
        { provide: REQUEST_LOGGER, useFactory: (): Logger => createLogger(options.logLevel) },
        MetricsRegistry,
        PoolMetrics,
      ],
      exports: [OBSERVABILITY_OPTIONS, REQUEST_LOGGER, MetricsRegistry],
    };
  }
}
