export * from './event-store.port';
export { PgEventStore } from './pg/pg-event-store';
export { EventStoreModule } from './event-store.module';
