import { Client } from 'pg';

/**
 * A pg client that always has an 'error' listener. A connection the server ends (a crash, a restart,
 * `pg_terminate_backend`) emits 'error', twice when a socket reset is followed by its end, and pg-pool
 * listens only while the client is idle: unheard on a checked-out client, the event would take the
 * whole process down. The failure still reaches whoever uses the connection, through its query, and
 * the pool discards a client that is no longer queryable when it comes back. Every pool the service
 * opens creates its clients from this class (pg-pool's `Client` option).
 */
export class GuardedClient extends Client {
  constructor(...args: ConstructorParameters<typeof Client>) {
    super(...args);
    this.on('error', () => undefined);
  }
}
