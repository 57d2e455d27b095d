import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { PG_POOL, READ_MODEL_SCHEMA } from '@ledger/database';
import { EVENT_STORE, EventStore } from '@ledger/event-store';
import { PricingCatalog, PricingModule } from '@ledger/pricing';
import type { Pool } from 'pg';
import { CostProjector, USAGE_EVENT_FILTER } from './cost-projector';
import { readCheckpoint } from './cost.projection';
import { requestRebuild } from './rebuild/rebuild-requests';
import { ProjectionWatermarkModule } from './projection-watermark.module';
import { ProjectionMetrics } from './projection.metrics';
import { ProjectorLease } from './projector-lease';
import { PricingController } from './pricing-admin/pricing.controller';
import { PRICING_OPTIONS, PricingChanges } from './pricing-admin/pricing-changes.service';
import { UnpricedController } from './pricing-admin/unpriced.controller';
import { ProjectionsAdminController } from './rebuild/projections-admin.controller';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { WorkspacesController } from './workspaces/workspaces.controller';
import { RebuildHistoryController } from './rebuild/rebuild-history.controller';
import { ProjectionHealth, recordStall } from './projection-health';
import { RebuildCoordinator } from './rebuild/rebuild-coordinator';
import { ensureReadModel } from './read-model.schema';

/** Every process creates the read model, in this release's shape, before it serves or projects (ensureReadModel). */
@Injectable()
export class ReadModelReady implements OnModuleInit {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  onModuleInit(): Promise<void> {
    return ensureReadModel(this.pool);
  }
}

export interface ProjectionsOptions {
  /** Whether this process runs the projector (LEDGER_ROLE projector or all). */
  readonly runProjector: boolean;
  readonly batchSize: number;
  /** LEDGER_AUTO_REBUILD: restate history when a price change touches recorded usage. */
  readonly autoRebuild: boolean;
  /** Whether this process serves the pricing and admin routes (a projector-only process does not). */
  readonly routes: boolean;
}

const OPTIONS = Symbol('PROJECTIONS_OPTIONS');

/** Runs the live cost projector, and the rebuilds it is asked for, for the lifetime of the application. */
@Injectable()
export class ProjectorRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Projector');
  readonly projector: CostProjector;
  readonly rebuilds: RebuildCoordinator;
  /** Single active projector (ADR 0005): projecting and rebuilding happen only while this instance holds the lease. */
  private readonly lease: ProjectorLease;
  private readonly stopping = new AbortController();
  private leading?: Promise<void>;
  /** Bumped on every activation and deactivation, so a slow start never outlives its lease. */
  private generation = 0;
  private stallWrites: Promise<void> = Promise.resolve();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    catalog: PricingCatalog,
    @Inject(OPTIONS) private readonly options: ProjectionsOptions,
  ) {
    this.projector = new CostProjector(store, pool, {
      schema: READ_MODEL_SCHEMA,
      batchSize: options.batchSize,
      catalog: () => catalog.refresh(),
      catalogAt: (version) => catalog.at(version),
      log: (m) => this.logger.warn(m),
      // In order: a clearance must not overtake the failure it clears.
      onStall: (stall) => void (this.stallWrites = this.stallWrites.then(() => recordStall(pool, stall)).catch(() => undefined)),
    });
    this.rebuilds = new RebuildCoordinator({
      store,
      pool,
      live: this.projector,
      catalog: () => catalog.refresh(),
      // Bulk loading favours larger batches than live tailing.
      batchSize: options.batchSize * 4,
      autoRebuild: options.autoRebuild,
      log: (m) => this.logger.log(m),
    });
    this.lease = new ProjectorLease(pool, { log: (m) => this.logger.log(m) });
  }

  onApplicationBootstrap(): void {
    if (this.options.runProjector) {
      this.leading = this.lease
        .runWhileHeld({ start: () => this.activate(), stop: () => this.deactivate() }, this.stopping.signal)
        .catch((err: Error) => this.logger.error(`projector lease: ${err.message}`));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.leading;
    await this.deactivate();
  }

  /**
   * Starts projecting and running rebuilds: only the one active projector instance does this.
   * An empty read model over a non-empty log is filled by a rebuild, whose bulk load is
   * many times faster than projecting batch by batch; the rebuild starts the live
   * projector when it swaps in.
   */
  private activate(): void {
    const generation = ++this.generation;
    void this.needsInitialLoad()
      .then(async (cold) => {
        if (generation !== this.generation) return;
        if (!cold) this.projector.start();
        else if (!(await this.pool.query(`SELECT 1 FROM projection_rebuilds WHERE state IN ('pending', 'running')`)).rowCount) {
          const id = await requestRebuild(this.pool, 'initial load: the read model is empty and the log is not', 'log');
          this.logger.log(`read model is empty: loading it in bulk (rebuild ${id})`);
        }
        this.rebuilds.start();
      })
      .catch((err: Error) => {
        this.logger.error(`could not check the read model, projecting from its checkpoint: ${err.message}`);
        if (generation === this.generation) {
          this.projector.start();
          this.rebuilds.start();
        }
      });
  }

  private async needsInitialLoad(): Promise<boolean> {
    if (await readCheckpoint(this.pool, READ_MODEL_SCHEMA)) return false;
    return (await this.store.readAll({ maxCount: 1, filter: USAGE_EVENT_FILTER })).length > 0;
  }

  private async deactivate(): Promise<void> {
    this.generation++;
    await this.rebuilds.stop();
    await this.projector.stop();
  }
}

@Module({})
export class ProjectionsModule {
  static forRoot(options: ProjectionsOptions): DynamicModule {
    return {
      module: ProjectionsModule,
      imports: [PricingModule, ProjectionWatermarkModule],
      controllers: options.routes ? [ProjectionsAdminController, PricingController, DeadLettersController, UnpricedController, WorkspacesController, RebuildHistoryController] : [],
      providers: [
        ReadModelReady,
        { provide: OPTIONS, useValue: options },
        { provide: PRICING_OPTIONS, useValue: { autoRebuild: options.autoRebuild } },
        ProjectorRunner,
        PricingChanges,
        {
          provide: ProjectionHealth,
          useFactory: (pool: Pool, store: EventStore, runner: ProjectorRunner) => new ProjectionHealth(pool, store, () => runner.projector.stalled),
          inject: [PG_POOL, EVENT_STORE, ProjectorRunner],
        },
        ProjectionMetrics,
      ],
      exports: [ProjectionWatermarkModule, ProjectorRunner, ProjectionHealth],
    };
  }
}
