import { describeEventStoreContract } from '../../testing/event-store.contract';
import { startEsdbTestServer } from '../../testing/esdb-test-server';
import { LOG_START } from '../event-store.port';
import { EsdbEventStore } from './esdb-event-store';

describeEventStoreContract('EsdbEventStore on the in-process test double', async () => {
  const server = await startEsdbTestServer();
  const store = new EsdbEventStore(server.connectionString);
  return {
    store,
    async teardown() {
      await store.close();
      await server.stop();
    },
  };
});

describe('EsdbEventStore on an empty log', () => {
  it('has LOG_START as its head', async () => {
    const server = await startEsdbTestServer();
    const store = new EsdbEventStore(server.connectionString);
    try {
      expect(await store.headPosition()).toEqual(LOG_START);
      expect(await store.readAll()).toEqual([]);
    } finally {
      await store.close();
      await server.stop();
    }
  });
});

const realServer = process.env.EVENTSTORE_TEST_CONNECTION_STRING;
if (realServer) {
  describeEventStoreContract('EsdbEventStore on a real EventStoreDB', async () => {
    const store = new EsdbEventStore(realServer);
    return { store, teardown: () => store.close() };
  });
} else {
  console.info(
    'EsdbEventStore contract against a real EventStoreDB not run: set EVENTSTORE_TEST_CONNECTION_STRING ' +
      '(e.g. esdb://localhost:2113?tls=false) to run it. The in-process test double was used.',
  );
}
