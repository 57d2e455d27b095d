import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthModule } from '@ledger/auth';
import { AppConfig } from '@ledger/config';
import { DatabaseModule } from '@ledger/database';
import { EventStoreModule } from '@ledger/event-store';
import { DashboardModule, defaultDashboardDir, LedgerExceptionFilter, LedgerValidationPipe } from '@ledger/http';
import { IngestModule } from '@ledger/ingest';
import { ObservabilityModule } from '@ledger/observability';
import { OtlpModule } from '@ledger/otlp';
import { ProjectionsModule } from '@ledger/projections';
import { QueriesModule } from '@ledger/queries';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';

export interface AppModuleOptions {
  readonly config: AppConfig;
  /** The database to use: DATABASE_URL, or the embedded server's. */
  readonly databaseUrl: string;
  /** LEDGER_ADMIN_KEY, or the one generated for the embedded mode. */
  readonly adminKey: string;
  /** The dashboard's build; by default dist/dashboard of this checkout. */
  readonly dashboardDir?: string;
}

@Module({})
export class AppModule {
  static forRoot({ config, databaseUrl, adminKey, dashboardDir = defaultDashboardDir() }: AppModuleOptions): DynamicModule {
    const serves = config.role !== 'projector';
    return {
      module: AppModule,
      imports: [
        DatabaseModule.forRoot({ url: databaseUrl, readPool: serves ? config.readPool : undefined }),
        ObservabilityModule.forRoot({ logLevel: config.logLevel, metricsToken: config.metricsToken }),
        EventStoreModule.forRoot(config.eventStoreConnectionString),
        CqrsModule.forRoot(),
        // A projector-only process serves health and metrics, nothing else.
        AuthModule.forRoot(adminKey, config.rateLimit, serves),
        ProjectionsModule.forRoot({ runProjector: config.role !== 'api', batchSize: config.projectorBatchSize, partitions: config.projectionPartitions, autoRebuild: config.autoRebuild, routes: serves }),
        ...(serves ? [IngestModule.forRoot({ concurrency: config.ingestConcurrency }), OtlpModule, QueriesModule, DashboardModule.forRoot({ dir: dashboardDir })] : []),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: APP_FILTER, useClass: LedgerExceptionFilter },
        { provide: APP_PIPE, useClass: LedgerValidationPipe },
      ],
    };
  }
}
