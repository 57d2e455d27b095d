import { DataSource } from 'typeorm';
import { GuardedClient } from './guarded-client';
import { EventLog1732240000000 } from './migrations/1732240000000-event-log';
import { ReadModel1732240000001 } from './migrations/1732240000001-read-model';
import { ProjectionRebuilds1732240000002 } from './migrations/1732240000002-projection-rebuilds';
import { ReadModelDailyRollup1732240000003 } from './migrations/1732240000003-read-model-daily-rollup';
import { ReadModelPriceTable1732240000004 } from './migrations/1732240000004-read-model-price-table';
import { TopSessionsIndex1732240000005 } from './migrations/1732240000005-top-sessions-index';
import { ReadModelIdentifiers1732240000006 } from './migrations/1732240000006-read-model-identifiers';
import { ReadModelPricedWhenRead1732240000007 } from './migrations/1732240000007-read-model-priced-when-read';
import { RebuildSource1732240000008 } from './migrations/1732240000008-rebuild-source';
import { ProjectionDeadLetters1732240000009 } from './migrations/1732240000009-projection-dead-letters';
import { ApiKeyLifecycle1732240000010 } from './migrations/1732240000010-api-key-lifecycle';
import { SessionExecution1732240000011 } from './migrations/1732240000011-session-execution';
import { PriceDimensions1732240000012 } from './migrations/1732240000012-price-dimensions';
import { ModelNameResolution1732240000013 } from './migrations/1732240000013-model-name-resolution';
import { PartitionedCheckpoints1732240000014 } from './migrations/1732240000014-partitioned-checkpoints';

export const MIGRATIONS = [
  EventLog1732240000000,
  ReadModel1732240000001,
  ProjectionRebuilds1732240000002,
  ReadModelDailyRollup1732240000003,
  ReadModelPriceTable1732240000004,
  TopSessionsIndex1732240000005,
  ReadModelIdentifiers1732240000006,
  ReadModelPricedWhenRead1732240000007,
  RebuildSource1732240000008,
  ProjectionDeadLetters1732240000009,
  ApiKeyLifecycle1732240000010,
  SessionExecution1732240000011,
  PriceDimensions1732240000012,
  ModelNameResolution1732240000013,
  PartitionedCheckpoints1732240000014,
];

export function createDataSource(url: string, poolSize = 20): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    extra: { max: poolSize, Client: GuardedClient },
  });
}

/** Connects and applies pending migrations. */
export async function openDatabase(url: string, poolSize?: number): Promise<DataSource> {
  const ds = createDataSource(url, poolSize);
  await ds.initialize();
  // Replicas may boot together: one migrates, the others wait for it.
  const lock = ds.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(7231001)');
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await lock.query('SELECT pg_advisory_unlock(7231001)').catch(() => undefined);
    await lock.release();
  }
  return ds;
}
