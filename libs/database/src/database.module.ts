import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { openDatabase } from './data-source';
import { GuardedClient } from './guarded-client';

/** The pg pool the event log and the projector write through (TypeORM serves migrations and reads). */
export const PG_POOL = Symbol('PG_POOL');

@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly dataSource: DataSource,
  ) {}

  static forRoot(url: string): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DataSource, useFactory: () => openDatabase(url) },
        // Depends on DataSource so that migrations have run before anyone writes.
        { provide: PG_POOL, useFactory: () => createPool(url), inject: [DataSource] },
      ],
      exports: [DataSource, PG_POOL],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
    await this.dataSource.destroy();
  }
}

/**
 * An idle connection that the server ends (a restart, a failover, an operator's
 * pg_terminate_backend) is an 'error' event on the pool; unheard, it would take
 * the whole process down. The pool replaces the connection on its next checkout.
 * A checked-out one is a GuardedClient's to hear.
 *
 * Every connection plans its prepared statements once (ADR 0010, "generic plans"): left
 * to choose, PostgreSQL kept planning the range and breakdown reads again for every
 * request, with their parameters, which cost more than running them. The SET is the
 * client's first query, so it runs before any other on that connection.
 */
function createPool(url: string): Pool {
  const pool = new Pool({ connectionString: url, max: 20, Client: GuardedClient });
  const logger = new Logger('Database');
  pool.on('error', (err) => logger.warn(`an idle database connection ended: ${err.message}`));
  pool.on('connect', (client) => {
    client.query('SET plan_cache_mode = force_generic_plan').catch((err: Error) => logger.warn(`could not set plan_cache_mode: ${err.message}`));
  });
  return pool;
}
