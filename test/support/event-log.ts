import { PgEventStore } from '@ledger/event-store';
import { createTestDatabase, TestDatabase } from './test-database';

/** A fresh database with a PostgreSQL event log on it, for the enclosing `describe`; dropped after it. */
export function withEventLog(): { readonly db: TestDatabase; readonly store: PgEventStore } {
  const log = {} as { db: TestDatabase; store: PgEventStore };
  beforeAll(async () => {
    log.db = await createTestDatabase();
    log.store = new PgEventStore(log.db.pool);
  });
  afterAll(async () => {
    await log.store.close();
    await log.db.drop();
  });
  return log;
}
