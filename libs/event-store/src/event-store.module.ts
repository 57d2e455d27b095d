import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { PG_POOL } from '@ledger/database';
import type { Pool } from 'pg';
import { EsdbEventStore } from './esdb/esdb-event-store';
import { EVENT_STORE, EventStore } from './event-store.port';
import { PgEventStore } from './pg/pg-event-store';

@Global()
@Module({})
export class EventStoreModule implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** The PostgreSQL log unless an EventStoreDB connection string is configured. */
  static forRoot(esdbConnectionString?: string): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        esdbConnectionString
          ? {
              provide: EVENT_STORE,
              useFactory: () => new EsdbEventStore(esdbConnectionString),
            }
          : { provide: EVENT_STORE, useFactory: (pool: Pool) => new PgEventStore(pool), inject: [PG_POOL] },
      ],
      exports: [EVENT_STORE],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
