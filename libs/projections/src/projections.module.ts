import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { inTransaction, PG_POOL, READ_MODEL_SCHEMA } from '@ledger/database';
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
import { repartition } from './partitions/partition-checkpoints';
import { PartitionLeases } from './partitions/partition-leases';
import { DEFAULT_PARTITIONS } from './partitions/partition-of';

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
  /** LEDGER_PROJECTION_PARTITIONS: how many partitions (by workspace) the live projection is split into (ADR 0026). */
  readonly partitions?: number;
  /** LEDGER_AUTO_REBUILD: restate history when a price change touches recorded usage. */
  readonly autoRebuild: boolean;
  /** Whether this process serves the pricing and admin routes (a projector-only process does not). */
  readonly routes: boolean;
}

const OPTIONS = Symbol('PROJECTIONS_OPTIONS');

/**
 * Runs the live cost projector over this process's share of the partitions, and, in the one process that holds
 * the coordinator lease, the rebuilds it is asked for, for the lifetime of the application (ADR 0026).
 */
@Injectable()
export class ProjectorRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Projector');
  readonly projector: CostProjector;
  readonly rebuilds: RebuildCoordinator;
  /** Rebuilds, and the initial load, run in one process only: the holder of this lease (ADR 0005's, now the coordinator's). */
  private readonly lease: ProjectorLease;
  /** This process's fair share of the partitions: what its projector applies. */
  readonly partitionLeases: PartitionLeases;
  readonly partitions: number;
  private readonly stopping = new AbortController();
  private coordinating?: Promise<void>;
  private sharing?: Promise<void>;
  /** Bumped on every coordinator activation and deactivation, so a slow start never outlives its lease. */
  private generation = 0;
  /** Bumped on every change of the held partitions, so a projector waiting for the initial load never starts with a stale set. */
  private holding = 0;
  private changes: Promise<void> = Promise.resolve();
  private stallWrites: Promise<void> = Promise.resolve();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    catalog: PricingCatalog,
    @Inject(OPTIONS) private readonly options: ProjectionsOptions,
  ) {
    this.partitions = options.partitions ?? DEFAULT_PARTITIONS;
    this.projector = new CostProjector(store, pool, {
      schema: READ_MODEL_SCHEMA,
      batchSize: options.batchSize,
      partitions: this.partitions,
      catalog: () => catalog.refresh(),
      catalogAt: (version) => catalog.at(version),
      log: (m) => this.logger.warn(m),
      // In order: a clearance must not overtake the failure it clears.
      onStall: (stall) => void (this.stallWrites = this.stallWrites.then(() => recordStall(pool, stall)).catch(() => undefined)),
    });
    this.projector.hold([]);
    this.rebuilds = new RebuildCoordinator({
      store,
      pool,
      // Only this process's projector pauses; the others' batches wait for the swap at the projection gate.
      live: { stop: () => this.projector.stop(), start: () => this.resume() },
      catalog: () => catalog.refresh(),
      // Bulk loading favours larger batches than live tailing.
      batchSize: options.batchSize * 4,
      partitions: this.partitions,
      autoRebuild: options.autoRebuild,
      log: (m) => this.logger.log(m),
    });
    this.lease = new ProjectorLease(pool, { log: (m) => this.logger.log(m) });
    this.partitionLeases = new PartitionLeases(pool, { partitions: this.partitions, log: (m) => this.logger.log(m) });
  }

  onApplicationBootstrap(): void {
    if (!this.options.runProjector) return;
    const { signal } = this.stopping;
    this.coordinating = this.lease
      .runWhileHeld({ start: () => this.activate(), stop: () => this.deactivate() }, signal)
      .catch((err: Error) => this.logger.error(`projector lease: ${err.message}`));
    this.sharing = this.repartition()
      .then(() => this.partitionLeases.run((held) => this.project(held), signal))
      .catch((err: Error) => this.logger.error(`partition leases: ${err.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await Promise.all([this.coordinating, this.sharing]);
    await this.deactivate();
    await this.projector.stop();
  }

  /** A read model split otherwise than this process is configured for is split anew (ADR 0026), under the gate. */
  private async repartition(): Promise<void> {
    const moved = await inTransaction(this.pool, (client) => repartition(client, READ_MODEL_SCHEMA, this.partitions)).catch((err: Error) => {
      this.logger.error(`could not check the read model's partitions: ${err.message}`);
      return undefined;
    });
    if (moved) this.logger.warn(`the read model was split into ${moved.from} partitions: split anew into ${this.partitions}, each from the least of the old checkpoints`);
  }

  /** Projects `held` from now on: the projector stops at a batch boundary, and starts again with them. */
  private project(held: readonly number[]): Promise<void> {
    const token = ++this.holding;
    this.changes = this.changes.catch(() => undefined).then(async () => {
      await this.projector.stop();
      this.projector.hold(held);
      if (held.length) void this.startWhenLoaded(token);
    });
    return this.changes;
  }

  /**
   * Starts the projector unless the read model is empty and the log is not: then the coordinator loads it in
   * bulk (an initial load), many times faster than batch by batch, and the projector starts once it has swapped in.
   */
  private async startWhenLoaded(token: number): Promise<void> {
    for (;;) {
      if (token !== this.holding || this.stopping.signal.aborted) return;
      const cold = await this.needsInitialLoad().catch((err: Error) => {
        this.logger.error(`could not check the read model, projecting from its checkpoints: ${err.message}`);
        return false;
      });
      if (token !== this.holding) return;
      if (!cold) return this.projector.start();
      // The coordinator may have looked before the log had usage: it runs whatever is queued.
      await this.queueInitialLoad().catch((err: Error) => this.logger.error(`could not queue the initial load: ${err.message}`));
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** After a rebuild paused this process's projector: it resumes with the partitions it holds, if any. */
  private resume(): void {
    if (this.projector.holding.length && !this.stopping.signal.aborted) this.projector.start();
  }

  /**
   * Starts running rebuilds: only the coordinator does this. An empty read model over a non-empty log is
   * filled by a rebuild (an initial load); every process's projector waits for it (`startWhenLoaded`).
   */
  private activate(): void {
    const generation = ++this.generation;
    void this.needsInitialLoad()
      .then(async (cold) => {
        if (generation !== this.generation) return;
        if (cold) await this.queueInitialLoad();
        this.rebuilds.start();
      })
      .catch((err: Error) => {
        this.logger.error(`could not check the read model: ${err.message}`);
        if (generation === this.generation) this.rebuilds.start();
      });
  }

  /** Queues the initial load unless a rebuild is queued or running already (it fills the read model too). */
  private async queueInitialLoad(): Promise<void> {
    if ((await this.pool.query(`SELECT 1 FROM projection_rebuilds WHERE state IN ('pending', 'running')`)).rowCount) return;
    const id = await requestRebuild(this.pool, 'initial load: the read model is empty and the log is not', 'log');
    this.logger.log(`read model is empty: loading it in bulk (rebuild ${id})`);
  }

  private async needsInitialLoad(): Promise<boolean> {
    if (await readCheckpoint(this.pool, READ_MODEL_SCHEMA)) return false;
    return (await this.store.readAll({ maxCount: 1, filter: USAGE_EVENT_FILTER })).length > 0;
  }

  private async deactivate(): Promise<void> {
    this.generation++;
    await this.rebuilds.stop();
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
