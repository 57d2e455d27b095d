import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PG_POOL, READ_MODEL_SCHEMA } from '@ledger/database';
import { EVENT_STORE, EventStore } from '@ledger/event-store';
import { PricingCatalog, PricingModule } from '@ledger/pricing';
import type { Pool } from 'pg';
import { CostProjector } from './cost-projector';
import { ProjectionWatermark } from './projection-watermark';

export interface ProjectionsOptions {
  /** Whether this process runs the projector (LEDGER_ROLE projector or all). */
  readonly runProjector: boolean;
  readonly batchSize: number;
}

const OPTIONS = Symbol('PROJECTIONS_OPTIONS');

/** Runs the live cost projector for the lifetime of the application. */
@Injectable()
export class ProjectorRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Projector');
  readonly projector: CostProjector;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(PG_POOL) pool: Pool,
    catalog: PricingCatalog,
    @Inject(OPTIONS) private readonly options: ProjectionsOptions,
  ) {
    this.projector = new CostProjector(store, pool, {
      schema: READ_MODEL_SCHEMA,
      batchSize: options.batchSize,
      catalog: () => catalog.refresh(),
      log: (m) => this.logger.warn(m),
    });
  }

  onApplicationBootstrap(): void {
    if (this.options.runProjector) this.projector.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.projector.stop();
  }
}

@Module({})
export class ProjectionsModule {
  static forRoot(options: ProjectionsOptions): DynamicModule {
    return {
      module: ProjectionsModule,
      imports: [PricingModule],
      providers: [{ provide: OPTIONS, useValue: options }, ProjectorRunner, ProjectionWatermark],
      exports: [ProjectionWatermark, ProjectorRunner],
    };
  }
}
