import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import { Client, Pool } from 'pg';
import { DataSource } from 'typeorm';
import { openDatabase } from './data-source';
import { GuardedClient } from './guarded-client';

/** The pg pool the event log, ingest and the projector write through. */
export const PG_POOL = Symbol('PG_POOL');
/**
 * The pool the cost views are read through (ADR 0027): its own connections, so a read never waits for a
 * connection behind appends and projector batches, and a statement timeout, so a read that runs away is cut
 * off instead of holding a connection. Not provided in a projector-only process, which serves no views.
 */
export const READ_POOL = Symbol('READ_POOL');

export interface ReadPoolOptions {
  /** LEDGER_READ_POOL_SIZE. */
  readonly size: number;
  /** LEDGER_READ_TIMEOUT_MS: the reads' `statement_timeout`, and the longest a read waits for a connection. */
  readonly timeoutMs: number;
}

export interface DatabaseOptions {
  readonly url: string;
  /** Undefined: no read pool (role `projector`). */
  readonly readPool?: ReadPoolOptions;
}

/** The write pool's size: 8 ingest clients' appends, the projector's batch and the admin writes, with room to spare. */
const WRITE_POOL_SIZE = 20;
/** TypeORM runs the migrations at boot (a lock holder and a runner) and nothing else. */
const MIGRATIONS_POOL_SIZE = 2;

@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly dataSource: DataSource,
    @Optional() @Inject(READ_POOL) private readonly readPool?: Pool,
  ) {}

  static forRoot({ url, readPool }: DatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DataSource, useFactory: () => openDatabase(url, MIGRATIONS_POOL_SIZE) },
        // Depends on DataSource so that migrations have run before anyone writes or reads.
        { provide: PG_POOL, useFactory: () => createPool('write', url, WRITE_POOL_SIZE), inject: [DataSource] },
        ...(readPool
          ? [{ provide: READ_POOL, useFactory: () => openReadPool(url, readPool), inject: [DataSource] }]
          : []),
      ],
      exports: [DataSource, PG_POOL, ...(readPool ? [READ_POOL] : [])],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.pool.end(), this.readPool?.end()]);
    await this.dataSource.destroy();
  }
}

/**
 * The read pool, its connections opening as the service starts: opened by the first reads instead, under write load,
 * each took up to 400 ms (connecting, the SETs, the first PREPAREs) inside a read (ADR 0027). They stay open (no idle
 * timeout). Not awaited: a connection that fails now is opened again by the read that needs it.
 */
function openReadPool(url: string, { size, timeoutMs }: ReadPoolOptions): Pool {
  const pool = createPool('read', url, size, timeoutMs);
  for (let i = 0; i < size; i++) pool.connect().then((c) => c.release(), () => undefined);
  return pool;
}

/**
 * An idle connection that the server ends (a restart, a failover, an operator's
 * pg_terminate_backend) is an 'error' event on the pool; unheard, it would take
 * the whole process down. The pool replaces the connection on its next checkout.
 * A checked-out one is a GuardedClient's to hear.
 *
 * Every connection plans its prepared statements once (ADR 0010, "generic plans"): left
 * to choose, PostgreSQL kept planning the range and breakdown reads again for every
 * request, with their parameters, which cost more than running them. The SETs are part of
 * connecting, so the pool hands out no connection before they have run: sent from the pool's
 * 'connect' event, they raced the checkout's first query on the same client (pg deprecates
 * that, and pg 9 refuses it).
 *
 * With `timeoutMs` (the read pool) each connection also gets that `statement_timeout`, and a
 * request waits at most as long for a connection: either way it is answered 503 with Retry-After
 * (libs/http), and the connection goes back to the pool unharmed.
 */
function createPool(name: string, url: string, max: number, timeoutMs?: number): Pool {
  const logger = new Logger('Database');
  const settings = ['plan_cache_mode = force_generic_plan', ...(timeoutMs ? [`statement_timeout = ${timeoutMs}`] : [])];
  class SetUpClient extends GuardedClient {
    override connect(): Promise<Client>;
    override connect(callback: ((err: Error) => void) | ((err: null, c: Client) => void)): void;
    override connect(callback?: ((err: Error) => void) | ((err: null, c: Client) => void)): Promise<Client> | void {
      const ready = super
        .connect()
        .then(() => settings.reduce((done, setting) => done.then(() => this.set(setting)), Promise.resolve()))
        .then(() => this as Client);
      if (!callback) return ready;
      const done = callback as (err: Error | null, c?: Client) => void;
      ready.then((c) => done(null, c), (err: Error) => done(err));
    }

    private async set(setting: string): Promise<void> {
      try {
        await this.query(`SET ${setting}`);
      } catch (err) {
        // A server without the setting (or a pooler that refuses it) still serves; a connection that failed does not.
        if (!(this as unknown as { _connected?: boolean })._connected) throw err;
        logger.warn(`${name} pool: could not set ${setting}: ${(err as Error).message}`);
      }
    }
  }
  const pool = new Pool({
    connectionString: url,
    max,
    Client: SetUpClient,
    // Reads come in bursts: a connection closed after 10 idle seconds (pg-pool's default) would be opened, set up
    // and have its statements prepared again inside the next burst's reads.
    ...(timeoutMs ? { connectionTimeoutMillis: timeoutMs, idleTimeoutMillis: 0 } : {}),
  });
  pool.on('error', (err) => logger.warn(`an idle database connection of the ${name} pool ended: ${err.message}`));
  return pool;
}
