import { createTestDatabase } from '@ledger/testing';
import { describeEventStoreContract } from '../../testing/event-store.contract';
import { PgEventStore } from './pg-event-store';

describeEventStoreContract('PgEventStore', async () => {
  const db = await createTestDatabase();
  const store = new PgEventStore(db.pool);
  return {
    store,
    async teardown() {
      await store.close();
      await db.drop();
    },
  };
});
