import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { Client, Pool } from 'pg';
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
 * request, with their parameters, which cost more than running them. The SET is part of
 * connecting, so the pool hands out no connection before it has run: sent from the pool's
 * 'connect' event, it raced the checkout's first query on the same client (pg deprecates
 * that, and pg 9 refuses it).
 */
function createPool(url: string): Pool {
  const logger = new Logger('Database');
  class GenericPlansClient extends GuardedClient {
    override connect(): Promise<Client>;
    override connect(callback: ((err: Error) => void) | ((err: null, c: Client) => void)): void;
    override connect(callback?: ((err: Error) => void) | ((err: null, c: Client) => void)): Promise<Client> | void {
      const ready = super
        .connect()
        .then(() => this.query('SET plan_cache_mode = force_generic_plan'))
        .then(
          () => this as Client,
          (err: Error) => {
            // A server without the setting (or a pooler that refuses it) still serves; a connection that failed does not.
            if (!(this as unknown as { _connected?: boolean })._connected) throw err;
            logger.warn(`could not set plan_cache_mode: ${err.message}`);
            return this as Client;
          },
        );
      if (!callback) return ready;
      const done = callback as (err: Error | null, c?: Client) => void;
      ready.then((c) => done(null, c), (err: Error) => done(err));
    }
  }
  const pool = new Pool({ connectionString: url, max: 20, Client: GenericPlansClient });
  pool.on('error', (err) => logger.warn(`an idle database connection ended: ${err.message}`));
  return pool;
}
