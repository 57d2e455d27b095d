import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The embedded event log and the durable tables beside it.
 * `transaction_id` lets readers order by (writer transaction, position) and stop
 * below the oldest transaction still in flight, so an append that commits late
 * is never skipped.
 */
export class EventLog1732240000000 implements MigrationInterface {
  name = 'EventLog1732240000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE event_streams (
      stream_id text PRIMARY KEY,
      revision bigint NOT NULL)`);
    await q.query(`CREATE TABLE event_log (
      global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
      stream_id text NOT NULL,
      stream_revision bigint NOT NULL,
      event_id uuid NOT NULL UNIQUE,
      event_type text NOT NULL,
      data jsonb NOT NULL,
      metadata jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (stream_id, stream_revision))`);
    await q.query(`CREATE INDEX event_log_tx_position ON event_log (transaction_id, global_position)`);
    await q.query(`CREATE TABLE api_keys (
      id text PRIMARY KEY,
      workspace_id text NOT NULL,
      name text NOT NULL,
      key_hash bytea NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE event_log`);
    await q.query(`DROP TABLE event_streams`);
  }
}
