import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keys can be listed, revoked and rotated (ADR 0017). A rotated-away secret keeps working until its
 * `valid_until` (the grace period the rotation asked for). Every change that can refuse a key that worked
 * (a revocation, a rotation, a deleted or moved row, by the API or by hand) is announced on the
 * `api_key_changed` channel, with the key's id, so that each replica drops what it cached within milliseconds.
 * `last_used_at` changes announce nothing: it is written at most once a minute per key, and refuses no one.
 */
export class ApiKeyLifecycle1732240000010 implements MigrationInterface {
  name = 'ApiKeyLifecycle1732240000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys ADD COLUMN last_used_at timestamptz, ADD COLUMN revoked_at timestamptz`);
    await q.query(`CREATE INDEX api_keys_newest ON api_keys (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX api_keys_workspace_newest ON api_keys (workspace_id, created_at DESC, id DESC)`);
    await q.query(`CREATE TABLE api_key_retired_secrets (
      key_hash bytea PRIMARY KEY,
      key_id text NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
      valid_until timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX api_key_retired_secrets_key ON api_key_retired_secrets (key_id)`);
    await q.query(`CREATE FUNCTION api_key_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('api_key_changed', OLD.id);
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER api_key_changed AFTER UPDATE ON api_keys FOR EACH ROW
      WHEN (OLD.key_hash IS DISTINCT FROM NEW.key_hash OR OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
            OR OLD.workspace_id IS DISTINCT FROM NEW.workspace_id OR OLD.id IS DISTINCT FROM NEW.id)
      EXECUTE FUNCTION api_key_changed()`);
    await q.query(`CREATE TRIGGER api_key_deleted AFTER DELETE ON api_keys FOR EACH ROW EXECUTE FUNCTION api_key_changed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER api_key_deleted ON api_keys`);
    await q.query(`DROP TRIGGER api_key_changed ON api_keys`);
    await q.query(`DROP FUNCTION api_key_changed()`);
    await q.query(`DROP TABLE api_key_retired_secrets`);
    await q.query(`DROP INDEX api_keys_workspace_newest`);
    await q.query(`DROP INDEX api_keys_newest`);
    await q.query(`ALTER TABLE api_keys DROP COLUMN revoked_at, DROP COLUMN last_used_at`);
  }
}
