import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@ledger/database';
import type { Pool } from 'pg';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { MetricsRegistry } from './metrics-registry';

type PoolCounts = Pick<Pool, 'totalCount' | 'idleCount' | 'waitingCount'>;

/**
 * Connections of the process's two pools: `pg` (the event log, the projector, rebuilds)
 * and `typeorm` (reads and migrations). Waiting clients above zero mean the pool is the bottleneck.
 */
@Injectable()
export class PoolMetrics {
  constructor(metrics: MetricsRegistry, @Inject(PG_POOL) pool: Pool, dataSource: DataSource) {
    const pools: Record<string, () => PoolCounts | undefined> = {
      pg: () => pool,
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
