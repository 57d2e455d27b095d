import { forwardRef, Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { PG_POOL } from '@ledger/database';
import { MetricsRegistry } from '@ledger/observability';
import { PricingCatalog } from '@ledger/pricing';
import type { Pool } from 'pg';
import { Gauge, Histogram } from 'prom-client';
import { PartitionLag, ProjectionHealth } from './projection-health';
import { ProjectorRunner } from './projections.module';

/** As GET /v1/admin/projections: lag is counted up to this many events, so that a scrape stays cheap over any backlog. */
const LAG_SCAN_LIMIT = 10_000;
const REBUILD_STATES = ['pending', 'running', 'done', 'failed', 'merged'] as const;

/** What one scrape reads from the database, once, for every gauge below. */
interface Snapshot {
  readonly lagEvents: number;
  readonly lagSeconds: number;
  readonly readModelVersion: number;
  readonly catalogVersion: number;
  readonly rebuilds: Readonly<Record<string, number>>;
  readonly rebuildDone: number;
  readonly rebuildTotal: number;
  readonly deadLetters: number;
  readonly stalled: number;
  readonly partitions: readonly PartitionLag[];
}

/**
 * The projections' metrics. The gauges read the database when scraped, so every replica reports
 * the same lag, rebuilds and versions whichever process projects; the batch histograms are
 * observed by the active projector only.
 */
@Injectable()
export class ProjectionMetrics implements OnModuleDestroy {
  private readonly logger = new Logger('Metrics');
  private reading?: Promise<Snapshot | undefined>;
  private readonly unsubscribe: () => void;

  constructor(
    metrics: MetricsRegistry,
    // projections.module.ts imports this file: the class is looked up when injected, not at load.
    @Inject(forwardRef(() => ProjectorRunner)) runner: Pick<ProjectorRunner, 'projector' | 'partitionLeases'>,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly health: ProjectionHealth,
    private readonly catalog: PricingCatalog,
  ) {
    const registers = [metrics.registry];
    const duration = new Histogram({
      name: 'ledger_projector_batch_duration_seconds',
      help: 'How long the live projector took to price, apply and commit a batch.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const size = new Histogram({
      name: 'ledger_projector_batch_events',
      help: 'Events per batch the live projector committed.',
      buckets: [0, 1, 10, 100, 500, 1000, 5000, 20000],
      registers,
    });
    this.unsubscribe = runner.projector.onBatch((b) => {
      duration.observe(b.seconds);
      size.observe(b.events);
    });

    const read = () => this.snapshot();
    const gauge = (name: string, help: string, value: (s: Snapshot) => number) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          const s = await read();
          if (s) this.set(value(s));
          else this.reset();
        },
      });
    gauge('ledger_projector_lag_events', `Usage events in the log the read model has not applied yet (counted up to ${LAG_SCAN_LIMIT}).`, (s) => s.lagEvents);
    gauge('ledger_projector_lag_seconds', 'How long the read model has not applied a batch while usage events wait; 0 when it is caught up.', (s) => s.lagSeconds);
    gauge('ledger_projector_stalled', '1 while the live projector fails the same batch again and again (its error is in /health), else 0.', (s) => s.stalled);
    gauge('ledger_pricing_read_model_version', 'The pricing catalog version the read model is priced with.', (s) => s.readModelVersion);
    gauge('ledger_pricing_catalog_version', "The pricing catalog's latest version; above the read model's while a change waits for its rebuild.", (s) => s.catalogVersion);
    gauge('ledger_rebuild_events_done', 'Events the running rebuild has restated so far; 0 when none runs.', (s) => s.rebuildDone);
    gauge('ledger_rebuild_events_total', 'Events the running rebuild restates; 0 when none runs.', (s) => s.rebuildTotal);
    gauge('ledger_projection_dead_letters', 'Events the projection set aside as unprojectable and no operator has resolved yet.', (s) => s.deadLetters);
    new Gauge({
      name: 'ledger_projector_partition_lag_events',
      help: `Usage events of a partition's workspaces its checkpoint has not passed (counted among the first ${LAG_SCAN_LIMIT} after the least checkpoint).`,
      labelNames: ['partition'] as const,
      registers,
      async collect() {
        const s = await read();
        this.reset();
        if (s) for (const p of s.partitions) this.set({ partition: String(p.partition) }, p.lag_events);
      },
    });
    new Gauge({
      name: 'ledger_projector_partitions_held',
      help: 'Partitions of the live projection this process holds and projects (0 for an API-only process or a standby).',
      registers,
      collect() {
        this.set(runner.partitionLeases.held.length);
      },
    });
    new Gauge({
      name: 'ledger_rebuilds',
      help: 'Rebuild requests by state (pending: queued; running: one at most; merged: folded into a later one).',
      labelNames: ['state'] as const,
      registers,
      async collect() {
        const s = await read();
        this.reset();
        if (s) for (const state of REBUILD_STATES) this.set({ state }, s.rebuilds[state] ?? 0);
      },
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /** One read per scrape: the gauges' collects run together and share it. */
  private snapshot(): Promise<Snapshot | undefined> {
    return (this.reading ??= this.readSnapshot()
      .catch((err: Error) => {
        this.logger.warn(`could not read the projections' metrics: ${err.message}`);
        return undefined;
      })
      .finally(() => (this.reading = undefined)));
  }

  private async readSnapshot(): Promise<Snapshot> {
    // The same readings as /health and the projections' admin status (ProjectionHealth), so they always agree.
    const [lag, rebuilds, deadLetters, stall, catalog, partitions] = await Promise.all([
      this.health.lag(LAG_SCAN_LIMIT),
      this.pool.query<{ state: string; n: number; done: number | null; total: number | null }>(
        `SELECT state, count(*)::int AS n, max(events_done)::float8 AS done, max(events_total)::float8 AS total
           FROM projection_rebuilds GROUP BY state`,
      ),
      this.health.deadLetters(0),
      this.health.stall(),
      this.catalog.refresh(),
      this.health.partitions(LAG_SCAN_LIMIT),
    ]);
    const running = rebuilds.rows.find((r) => r.state === 'running');
    return {
      lagEvents: lag.lag_events,
      lagSeconds: lag.lag_seconds,
      readModelVersion: lag.pricing_version,
      catalogVersion: catalog.version,
      rebuilds: Object.fromEntries(rebuilds.rows.map((r) => [r.state, r.n])),
      rebuildDone: running?.done ?? 0,
      rebuildTotal: running?.total ?? 0,
      deadLetters: deadLetters.count,
      stalled: stall ? 1 : 0,
      partitions,
    };
  }
}
