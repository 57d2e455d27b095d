import type { EventStore, PgEventStore } from '@ledger/event-store';

/** The same log without a SQL scan, as an EventStoreDB log is: its events travel through Node. */
export const throughNode = (s: PgEventStore): EventStore => ({
  append: (a) => s.append(a),
  findEvents: (r) => s.findEvents(r),
  readStream: (id, o) => s.readStream(id, o),
  readAll: (o) => s.readAll(o),
  subscribeToAll: (o) => s.subscribeToAll(o),
  headPosition: () => s.headPosition(),
  lastAppendedPosition: () => s.lastAppendedPosition(),
  close: () => s.close(),
});
