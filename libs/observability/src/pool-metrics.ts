import { Inject, Injectable, Optional } from '@nestjs/common';
import { PG_POOL, READ_POOL } from '@ledger/database';
import type { Pool } from 'pg';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { MetricsRegistry } from './metrics-registry';

type PoolCounts = Pick<Pool, 'totalCount' | 'idleCount' | 'waitingCount'>;

/**
 * Connections of the process's pools, by `pool`: `pg` (ingest, the event log, the projector, rebuilds, admin
 * writes), `read` (the cost views, ADR 0027; absent in a projector-only process) and `typeorm` (migrations at
 * boot). Waiting clients above zero mean that pool is the bottleneck.
 */
@Injectable()
export class PoolMetrics {
  constructor(
    metrics: MetricsRegistry,
    @Inject(PG_POOL) pool: Pool,
    dataSource: DataSource,
    @Optional() @Inject(READ_POOL) readPool?: Pool,
  ) {
    const pools: Record<string, () => PoolCounts | undefined> = {
      pg: () => pool,
      ...(readPool ? { read: () => readPool } : {}),
      typeorm: () => (dataSource.driver as { master?: PoolCounts }).master,
    };
    const gauge = (name: string, help: string, read: (p: PoolCounts) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['pool'] as const,
        registers: [metrics.registry],
        collect() {
          for (const [label, get] of Object.entries(pools)) {
            const p = get();
            if (p) this.set({ pool: label }, read(p));
          }
        },
      });
    gauge('ledger_db_pool_connections', 'Open connections of each database pool.', (p) => p.totalCount);
    gauge('ledger_db_pool_idle_connections', 'Idle connections of each database pool.', (p) => p.idleCount);
    gauge('ledger_db_pool_waiting_clients', 'Queries waiting for a connection, by pool.', (p) => p.waitingCount);
  }
}
